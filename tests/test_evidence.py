"""Sentence vectors stored at ingest are used instead of embedding again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paperlens.answering.sentence_bank import SentenceBank
from paperlens.index.sentences import SentenceStore
from paperlens.providers import HashEmbedding
from paperlens.types import Paper

A = Paper(paper_id="a", title="A", abstract="Heads can be pruned. Accuracy holds.")
B = Paper(paper_id="b", title="B", abstract="Weights are quantized to four bits.")


class CountingEmbedding(HashEmbedding):
    def __init__(self) -> None:
        super().__init__()
        self._texts: list[str] = []

    def _get_text_embedding(self, text: str) -> list[float]:
        self._texts.append(text)
        return super()._get_text_embedding(text)


def embed_with(model: HashEmbedding):  # type: ignore[no-untyped-def]
    return lambda texts: np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)


def test_store_reuses_unchanged_abstracts_and_embeds_changed_ones(tmp_path: Path) -> None:
    model = CountingEmbedding()
    first = SentenceStore.build([A, B], embed_with(model), previous=None)
    first.save(tmp_path)
    assert len(model._texts) == 3
    changed = B.model_copy(update={"abstract": "Weights are quantized to two bits. It works."})
    second = SentenceStore.build([A, changed], embed_with(model), SentenceStore.load(tmp_path))
    assert model._texts[3:] == ["Weights are quantized to two bits.", "It works."]
    assert np.allclose(second.lookup(A), first.lookup(A))  # type: ignore[arg-type]
    assert second.lookup(B) is None and second.lookup(changed) is not None


def test_bank_answers_from_the_store_without_embedding() -> None:
    store = SentenceStore.build([A], embed_with(HashEmbedding()), previous=None)
    model = CountingEmbedding()
    bank = SentenceBank(model, store)
    (entry,) = bank.get_many([A])
    assert entry.sentences == ["Heads can be pruned.", "Accuracy holds."]
    assert model._texts == []
    bank.get_many([B])  # not in the store: embedded once, then cached
    bank.get_many([B])
    assert model._texts == ["Weights are quantized to four bits."]
