"""Abstract sentences and their embeddings.

Extractive answers pick sentences from here, the support check compares answer sentences with
them, and summaries group them. `ingest` embeds every abstract's sentences once and stores them
beside the index (`SentenceStore`), so answering costs one question embedding; a paper the
store lacks (or whose abstract changed) is embedded on first use and cached for the session.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from paperlens.text import split_sentences
from paperlens.types import Paper


@dataclass(frozen=True)
class PaperSentences:
    paper_id: str
    sentences: list[str]
    vectors: np.ndarray  # one unit-length row per sentence


def abstract_sentences(paper: Paper) -> list[str]:
    return split_sentences(paper.abstract) or [paper.abstract]


def abstract_digest(paper: Paper) -> str:
    return hashlib.sha1(paper.abstract.encode("utf-8")).hexdigest()[:16]


class SentenceStore:
    """Sentence vectors of every indexed abstract: one matrix, and each paper's rows in it."""

    MATRIX, ROWS = "sentences.npy", "sentences.json"

    def __init__(self, rows: dict[str, tuple[int, int, str]], matrix: np.ndarray) -> None:
        self.rows, self.matrix = rows, matrix

    @classmethod
    def build(
        cls, papers: list[Paper], embed: Callable[[list[str]], np.ndarray], previous: SentenceStore | None
    ) -> SentenceStore:
        """Reuse the previous vectors of unchanged abstracts; embed the rest in one batch."""
        blocks: list[np.ndarray] = []
        missing = [p for p in papers if previous is None or previous.lookup(p) is None]
        texts = [abstract_sentences(p) for p in missing]
        fresh = embed([s for sentences in texts for s in sentences])
        fresh_rows, start = {}, 0
        for paper, sentences in zip(missing, texts, strict=True):
            fresh_rows[paper.paper_id] = fresh[start : start + len(sentences)]
            start += len(sentences)
        rows, offset = {}, 0
        for paper in papers:
            block = fresh_rows.get(paper.paper_id)
            if block is None:
                block = previous.lookup(paper)  # type: ignore[union-attr]
            rows[paper.paper_id] = (offset, offset + len(block), abstract_digest(paper))
            blocks.append(np.asarray(block, dtype=np.float32))
            offset += len(block)
        return cls(rows, np.concatenate(blocks) if blocks else np.zeros((0, 1), dtype=np.float32))

    def lookup(self, paper: Paper) -> np.ndarray | None:
        """The paper's sentence vectors, if stored for this exact abstract."""
        row = self.rows.get(paper.paper_id)
        if row is None or row[2] != abstract_digest(paper):
            return None
        return self.matrix[row[0] : row[1]]

    def save(self, directory: Path) -> None:
        np.save(directory / self.MATRIX, self.matrix)
        (directory / self.ROWS).write_text(json.dumps(self.rows), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SentenceStore | None:
        if not (directory / cls.ROWS).exists():
            return None
        rows = {
            k: (int(a), int(b), str(d))
            for k, (a, b, d) in json.loads((directory / cls.ROWS).read_text()).items()
        }
        return cls(rows, np.load(directory / cls.MATRIX, mmap_mode="r"))


class SentenceBank:
    def __init__(
        self, embed_model: BaseEmbedding, store: SentenceStore | None = None, capacity: int = 5000
    ) -> None:
        self.embed_model, self.store, self.capacity = embed_model, store, capacity
        self._cache: OrderedDict[str, PaperSentences] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, paper: Paper) -> PaperSentences:
        return self.get_many([paper])[0]

    def get_many(self, papers: list[Paper]) -> list[PaperSentences]:
        """Stored or cached vectors where there are some; the rest embedded in one batch."""
        found = {p.paper_id: entry for p in papers if (entry := self.known(p)) is not None}
        missing = [p for p in papers if p.paper_id not in found]
        if missing:
            texts = [abstract_sentences(p) for p in missing]
            vectors = self.embed([s for sentences in texts for s in sentences])
            start = 0
            for paper, sentences in zip(missing, texts, strict=True):
                entry = PaperSentences(paper.paper_id, sentences, vectors[start : start + len(sentences)])
                found[paper.paper_id] = self.remember(entry)
                start += len(sentences)
        return [found[p.paper_id] for p in papers]

    def known(self, paper: Paper) -> PaperSentences | None:
        with self._lock:
            if paper.paper_id in self._cache:
                self._cache.move_to_end(paper.paper_id)
                return self._cache[paper.paper_id]
        stored = self.store.lookup(paper) if self.store is not None else None
        if stored is None:
            return None
        return PaperSentences(paper.paper_id, abstract_sentences(paper), np.asarray(stored))

    def remember(self, entry: PaperSentences) -> PaperSentences:
        with self._lock:
            self._cache[entry.paper_id] = entry
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return entry

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = np.asarray(self.embed_model.get_text_embedding_batch(texts), dtype=np.float32)
        return unit_rows(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        return unit_rows(np.asarray([self.embed_model.get_query_embedding(text)], dtype=np.float32))[0]


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
