"""Abstract sentences and their embeddings, computed once per paper and kept for the session.

Extractive answers pick sentences from here, the support check compares answer sentences with
them, and summaries group them. Caching per paper makes a conversation or an eval run pay for
each abstract's sentences once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from paperlens.text import split_sentences
from paperlens.types import Paper


@dataclass(frozen=True)
class PaperSentences:
    paper_id: str
    sentences: list[str]
    vectors: np.ndarray  # one unit-length row per sentence


class SentenceBank:
    def __init__(self, embed_model: BaseEmbedding, capacity: int = 5000) -> None:
        self.embed_model, self.capacity = embed_model, capacity
        self._cache: OrderedDict[str, PaperSentences] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, paper: Paper) -> PaperSentences:
        with self._lock:
            if paper.paper_id in self._cache:
                self._cache.move_to_end(paper.paper_id)
                return self._cache[paper.paper_id]
        sentences = split_sentences(paper.abstract) or [paper.abstract]
        entry = PaperSentences(paper.paper_id, sentences, self.embed(sentences))
        with self._lock:
            self._cache[paper.paper_id] = entry
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return entry

    def get_many(self, papers: list[Paper]) -> list[PaperSentences]:
        """Embeds all uncached papers' sentences in one batch (much faster than one by one)."""
        missing = [p for p in papers if p.paper_id not in self._cache]
        if missing:
            split = [split_sentences(p.abstract) or [p.abstract] for p in missing]
            vectors = self.embed([s for sentences in split for s in sentences])
            start = 0
            with self._lock:
                for paper, sentences in zip(missing, split, strict=True):
                    rows = vectors[start : start + len(sentences)]
                    self._cache[paper.paper_id] = PaperSentences(paper.paper_id, sentences, rows)
                    start += len(sentences)
        return [self.get(p) for p in papers]

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
