"""Abstract sentences and their vectors at answer time.

Extractive answers pick sentences from here, the support check compares answer sentences with
them, and summaries group them. Vectors come from the `SentenceStore` written at ingest, so
answering costs one question embedding; a paper the store lacks (or whose abstract changed) is
embedded on first use and cached for the session (thread-safe: the web app serves many people).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from paperlens.index.sentences import SentenceStore, abstract_sentences, unit_rows
from paperlens.types import Paper


@dataclass(frozen=True)
class PaperSentences:
    paper_id: str
    sentences: list[str]
    vectors: np.ndarray  # one unit-length row per sentence


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
        row = np.asarray([self.embed_model.get_query_embedding(text)], dtype=np.float32)
        return np.asarray(unit_rows(row)[0])
