"""The real corpus with the real bundled model (all-MiniLM-L6-v2): chunk sizes and paraphrase search."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperlens.config import Settings
from paperlens.index.corpus import make_paper_id
from paperlens.index.ingest import Ingester
from paperlens.index.paper_index import PaperIndex
from paperlens.index.retriever import Retriever

pytestmark = pytest.mark.integration

REAL_PAPERS = Path(__file__).resolve().parent.parent / "data" / "papers"

# Questions in other words than the title, each about one paper of the corpus.
PARAPHRASES = [
    (
        "training image classifiers from captions on the web so they can recognise any category "
        "without labelled examples",
        "Learning Transferable Visual Models From Natural Language Supervision",
    ),
    (
        "learning speech representations by reconstructing audio frames that were altered along "
        "time, frequency and magnitude",
        "TERA: Self-Supervised Learning of Transformer Encoder Representation for Speech",
    ),
    (
        "two student networks teach each other online by balancing forward and reverse KL divergence",
        "BD-KD: Balancing the Divergences for Online Knowledge Distillation",
    ),
    (
        "replacing feedforward layers with kernel-based layers that separate inputs from parameters",
        "Scalable Neural Network Kernels",
    ),
    (
        "making sparsely gated expert models for CNNs robust to adversarial attacks",
        "Robust Mixture-of-Expert Training for Convolutional Neural Networks",
    ),
    (
        "recommending items using friendships between users with graph networks, a literature review",
        "A Survey of Graph Neural Networks for Social Recommender Systems",
    ),
]


@pytest.fixture(scope="module")
def real_index(real_settings: Settings) -> PaperIndex:
    return PaperIndex.load(real_settings)


@pytest.fixture(scope="module")
def retriever(real_index: PaperIndex, bundled_embedding) -> Retriever:  # type: ignore[no-untyped-def]
    return Retriever(real_index, bundled_embedding, real_index.settings.retrieval)


def test_the_real_index_holds_every_paper(real_index: PaperIndex) -> None:
    assert len(real_index.papers) == 364
    assert real_index.embedding_model == "bundled:all-MiniLM-L6-v2"
    assert real_index.manifest.dimension == 384
    assert {chunk.paper_id for chunk in real_index.chunks} == set(real_index.papers)


def test_real_chunks_fit_the_model_by_its_own_tokenizer(real_index: PaperIndex, bundled_embedding) -> None:  # type: ignore[no-untyped-def]
    limit = real_index.settings.embedding.max_tokens
    sizes = [bundled_embedding.count_tokens(chunk.text) for chunk in real_index.chunks]
    assert max(sizes) <= limit
    assert sum(sizes) / len(sizes) > limit / 2  # windows are filled, not one sentence each


@pytest.mark.parametrize(("question", "title"), PARAPHRASES, ids=[t[:30] for _, t in PARAPHRASES])
def test_paraphrase_finds_the_paper_in_the_top_5(retriever: Retriever, question: str, title: str) -> None:
    hits = retriever.search(question, k=5, mode="hybrid")
    assert make_paper_id(title) in [hit.paper_id for hit in hits], [hit.title for hit in hits]


def test_hybrid_passages_come_from_the_paper(retriever: Retriever, real_index: PaperIndex) -> None:
    for hit in retriever.search(PARAPHRASES[0][0], k=5, mode="hybrid"):
        assert hit.passages
        assert all(real_index.chunk_by_id[p.chunk_id].paper_id == hit.paper_id for p in hit.passages)
        assert hit.dense_similarity is None or -1 <= hit.dense_similarity <= 1


def test_reingest_of_the_real_corpus_embeds_nothing(real_settings: Settings, bundled_embedding) -> None:  # type: ignore[no-untyped-def]
    report = Ingester(real_settings, bundled_embedding, progress=False).ingest([REAL_PAPERS])
    assert (report.papers, report.unchanged, report.chunks_embedded) == (364, 364, 0)
