"""The keyword side of the index: BM25 over abstract windows and BM25 over titles, two fields
scored separately, plus the acronyms the collection defines.

Built by ingest from the papers and chunks and stored in the sidecar; an index written before
this layout (no `keywords` version in its manifest) gets it built in memory when opened, so it
keeps working, and the next `paperlens ingest` stores it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from paperlens.index.chunking import chunk_body
from paperlens.index.lexical import Acronyms, find_acronyms, joined_pairs, terms
from paperlens.types import Chunk, Paper

VERSION = 2  # of the stored layout; 1 was one BM25 over whole chunks with unsplit hyphenated words
BODIES, TITLES, ACRONYMS = "bm25-abstracts", "bm25-titles", "acronyms.json"


def bm25_of(texts: Sequence[str]) -> bm25s.BM25:
    bm25 = bm25s.BM25()
    bm25.index([terms(text) or [""] for text in texts], show_progress=False)
    return bm25


def scores_of(bm25: bm25s.BM25, query_terms: list[str], size: int) -> np.ndarray:
    known = [term for term in query_terms if term in bm25.vocab_dict]
    return bm25.get_scores(known) if known else np.zeros(size, dtype=np.float32)


class KeywordIndex:
    """BM25 over each chunk's abstract window and over each paper's title, aligned with the
    chunk list and the paper list they were built from."""

    def __init__(
        self,
        bodies: bm25s.BM25,
        titles: bm25s.BM25,
        acronyms: dict[str, list[str]],
        chunks: Sequence[Chunk],
        paper_ids: Sequence[str],
    ) -> None:
        self.bodies, self.titles, self.chunks = bodies, titles, chunks
        self.acronyms = Acronyms(acronyms)
        self.paper_ids = list(paper_ids)
        self.first: dict[str, Chunk] = {}
        for chunk in chunks:
            self.first.setdefault(chunk.paper_id, chunk)

    @classmethod
    def build(cls, papers: Sequence[Paper], chunks: Sequence[Chunk]) -> KeywordIndex:
        """From the papers and their chunks, in the order the sidecar lists them."""
        acronyms = find_acronyms(f"{paper.title}. {paper.abstract}" for paper in papers)
        return cls(
            bm25_of([chunk_body(chunk.text) for chunk in chunks]),
            bm25_of([paper.title for paper in papers]),
            acronyms,
            chunks,
            [paper.paper_id for paper in papers],
        )

    def save(self, directory: Path) -> None:
        self.bodies.save(str(directory / BODIES), show_progress=False)
        self.titles.save(str(directory / TITLES), show_progress=False)
        (directory / ACRONYMS).write_text(json.dumps(self.acronyms.long_forms, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, chunks: Sequence[Chunk], paper_ids: Sequence[str]) -> KeywordIndex:
        acronyms = json.loads((directory / ACRONYMS).read_text(encoding="utf-8"))
        return cls(
            bm25s.BM25.load(str(directory / BODIES), show_progress=False),
            bm25s.BM25.load(str(directory / TITLES), show_progress=False),
            acronyms,
            chunks,
            paper_ids,
        )

    def first_chunk(self, paper_id: str) -> Chunk:
        return self.first[paper_id]

    def query_terms(self, query: str) -> tuple[list[str], list[str]]:
        """The query's own terms, and the terms its other spellings add: neighbouring words
        joined, and the long forms of its acronyms or the acronyms of its long forms."""
        own = terms(query)
        extra = [term for term in [*joined_pairs(query), *self.acronyms.expand(query)] if term not in own]
        return own, list(dict.fromkeys(extra))

    def score_chunks(
        self, own: list[str], extra: list[str], extra_weight: float, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """BM25 of every chunk's abstract window, in chunk order."""
        return weighted(self.bodies, own, extra, extra_weight, len(self.chunks), mask)

    def score_titles(
        self, own: list[str], extra: list[str], extra_weight: float, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """BM25 of every paper's title, in `paper_ids` order."""
        return weighted(self.titles, own, extra, extra_weight, len(self.paper_ids), mask)


def weighted(
    bm25: bm25s.BM25, own: list[str], extra: list[str], weight: float, size: int, mask: np.ndarray | None
) -> np.ndarray:
    """BM25 of the query's own terms plus `weight` times that of the added terms."""
    scores = scores_of(bm25, own, size)
    if extra and weight:
        scores = scores + weight * scores_of(bm25, extra, size)
    return scores if mask is None else scores * mask
