"""Abstract sentences and their vectors, embedded once at ingest and stored beside the index.

`SentenceStore` is one matrix of unit-length sentence vectors and each paper's rows in it; the
answer path reads it (memory-mapped) through `answering.sentence_bank.SentenceBank`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from paperlens.text import split_sentences
from paperlens.types import Paper


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
            if block is None and previous is not None:
                block = previous.lookup(paper)
            assert block is not None, "every paper is fresh or unchanged since `previous`"
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

    def best_similarity(self, paper_ids: list[str], unit_vector: np.ndarray) -> dict[str, float]:
        """Each paper's highest cosine similarity between one of its sentences and the vector
        (papers without stored sentences are left out)."""
        spans = [
            (pid, self.rows[pid])
            for pid in paper_ids
            if pid in self.rows and self.rows[pid][1] > self.rows[pid][0]
        ]
        if not spans:
            return {}
        picked = np.concatenate([np.arange(start, end) for _, (start, end, _) in spans])
        similarities = np.asarray(self.matrix[picked]) @ unit_vector
        best, offset = {}, 0
        for pid, (start, end, _) in spans:
            best[pid] = float(similarities[offset : offset + end - start].max())
            offset += end - start
        return best

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


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
