"""Retrieval over the tiny corpus with the hash embedder: modes, paper-level results, fusion, filters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paperlens.config import EmbeddingSettings, RetrievalSettings, Settings
from paperlens.errors import ConfigError
from paperlens.index.corpus import make_paper_id
from paperlens.index.ingest import Ingester
from paperlens.index.paper_index import PaperIndex
from paperlens.index.retriever import Ranked, Retriever
from paperlens.providers import HashEmbedding
from paperlens.types import Passage, SearchFilters

TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
MODES = ["bm25", "dense", "hybrid"]
PRUNING = make_paper_id("Pruning Attention Heads in Transformers")
DISTILL = make_paper_id("Knowledge Distillation for Compact Image Classifiers")
FEDERATED = make_paper_id("Federated Learning with Non-IID Client Data")
QUANT = make_paper_id("Quantization of Large Language Models to 4 Bits")
MOE = make_paper_id("Sparse Mixture of Experts Language Models")
DIFFUSION = make_paper_id("Diffusion Models for High Resolution Image Synthesis")
GRAPH = make_paper_id("Graph Neural Networks for Molecule Property Prediction")
SPEECH = make_paper_id("Speech Recognition with Self-Supervised Audio Encoders")
ROBOT = make_paper_id("Reinforcement Learning for Robotic Grasping")
FORECAST = make_paper_id("Time Series Forecasting with Linear Models")


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> PaperIndex:
    """The tiny corpus indexed once for this module; tests only read it."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("tiny"), embedding=EmbeddingSettings(provider="hash")
    )
    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    return PaperIndex.load(settings)


@pytest.fixture
def retriever(shared_index: PaperIndex) -> Retriever:
    return Retriever(shared_index, HashEmbedding(), RetrievalSettings())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pruning attention heads in transformer language models", PRUNING),
        ("distill a large teacher network into a small student", DISTILL),
        ("federated learning clients with non-IID data", FEDERATED),
        ("quantize language model weights to 4 bits", QUANT),
        ("diffusion models for image synthesis", DIFFUSION),
    ],
)
def test_each_mode_finds_the_obvious_paper(
    retriever: Retriever, mode: str, query: str, expected: str
) -> None:
    hits = retriever.search(query, mode=mode)
    assert hits, f"{mode} found nothing for {query!r}"
    assert hits[0].paper_id == expected


@pytest.mark.parametrize("mode", MODES)
def test_results_are_papers_with_their_own_passages_best_first(retriever: Retriever, mode: str) -> None:
    retriever.settings.passages_per_paper = 3
    hits = retriever.search("language models with sparse experts and pruning", k=10, mode=mode)
    chunks = {chunk.chunk_id: chunk for chunk in retriever.index.chunks}
    assert len(hits) >= 3
    assert len({hit.paper_id for hit in hits}) == len(hits), "a paper appears twice"
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    for hit in hits:
        assert hit.title == retriever.index.papers[hit.paper_id].title
        assert 1 <= len(hit.passages) <= 3
        for passage in hit.passages:
            assert chunks[passage.chunk_id].paper_id == hit.paper_id
            assert passage.text == chunks[passage.chunk_id].text


def test_scores_from_each_retriever_are_reported(retriever: Retriever) -> None:
    top = retriever.search("pruning attention heads", mode="hybrid")[0]
    assert top.paper_id == PRUNING
    assert top.dense_similarity is not None and 0 < top.dense_similarity <= 1
    assert top.bm25_score is not None and top.bm25_score > 0
    assert retriever.search("pruning attention heads", mode="bm25")[0].dense_similarity is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3, 5])
def test_k_is_respected(retriever: Retriever, mode: str, k: int) -> None:
    hits = retriever.search("models for language and images", k=k, mode=mode)
    assert len(hits) == k


def test_k_and_mode_default_to_the_settings(retriever: Retriever) -> None:
    retriever.settings.k = 2
    assert len(retriever.search("language models")) == 2


def test_k_beyond_the_collection_returns_every_match(retriever: Retriever) -> None:
    assert len(retriever.search("models", k=100, mode="dense")) == 10


@pytest.mark.parametrize("query", ["the of and which were", "zzqx flurble wibbling", "!!! ???"])
def test_bm25_query_without_known_words_returns_nothing(retriever: Retriever, query: str) -> None:
    assert retriever.search(query, mode="bm25") == []


def test_dense_search_without_an_embedder_asks_for_bm25(shared_index: PaperIndex) -> None:
    retriever = Retriever(shared_index, None, RetrievalSettings())
    assert retriever.search("pruning", mode="bm25")[0].paper_id == PRUNING
    with pytest.raises(ConfigError, match="--mode bm25"):
        retriever.search("pruning", mode="hybrid")


# ---------------------------------------------------------------- filters


FILTERS = [
    (SearchFilters(has_code=True), {PRUNING, QUANT}),
    (SearchFilters(year_min=2022), {FEDERATED, DIFFUSION, QUANT, MOE, FORECAST}),
    (SearchFilters(year_max=2019), {GRAPH, ROBOT}),
    (SearchFilters(year_min=2021, year_max=2021), {PRUNING, SPEECH}),
    (SearchFilters(categories=["cs.CV"]), {DISTILL, DIFFUSION}),
    (SearchFilters(categories=["cs.CL"], has_code=False), {MOE}),
    (SearchFilters(paper_ids=[DISTILL, MOE]), {DISTILL, MOE}),
    (SearchFilters(sources=["tiny_papers"]), None),  # by stem: everything
    (SearchFilters(sources=["tiny_papers.jsonl"]), None),
    (SearchFilters(sources=["elsewhere.txt"]), set()),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("filters", "allowed"), FILTERS)
def test_filters_apply_in_every_mode(
    retriever: Retriever, mode: str, filters: SearchFilters, allowed: set[str] | None
) -> None:
    allowed = set(retriever.index.papers) if allowed is None else allowed
    # A query that favours papers the filter excludes, so leaks would show.
    query = "pruning attention heads language models images"
    hits = retriever.search(query, k=10, mode=mode, filters=filters)
    found = {hit.paper_id for hit in hits}
    assert found <= allowed
    if mode != "bm25":  # dense ranks every allowed paper; BM25 only those sharing a word
        assert found == allowed


def test_filtered_search_still_ranks_by_relevance(retriever: Retriever) -> None:
    filters = SearchFilters(categories=["cs.CL"])
    for mode in MODES:
        hits = retriever.search("sparse mixture of experts routing", mode=mode, filters=filters)
        assert hits[0].paper_id == MOE


# ---------------------------------------------------------------- fusion


def ranked(paper_id: str, *chunk_ids: str, score: float = 1.0) -> Ranked:
    passages = [Passage(chunk_id=c, text=f"text of {c}", score=1.0) for c in chunk_ids or (f"{paper_id}-0",)]
    return Ranked(paper_id, score, passages)


def fuser(**settings: float) -> Retriever:
    return Retriever(index=None, embed_model=None, settings=RetrievalSettings(**settings))  # type: ignore[arg-type]


def test_fuse_sums_min_max_normalized_scores() -> None:
    dense = [ranked("A", score=0.9), ranked("B", score=0.5), ranked("C", score=0.1)]
    lexical = [ranked("B", score=10.0), ranked("D", score=2.0)]
    fused = fuser(dense_weight=1.0, bm25_weight=1.0).fuse(dense, lexical)
    scores = {r.paper_id: r.score for r in fused}
    # dense -> A 1, B 0.5, C 0; lexical -> B 1, D 0; a paper a retriever missed gets 0 from it
    assert scores == pytest.approx({"A": 1.0, "B": 1.5, "C": 0.0, "D": 0.0})
    assert [r.paper_id for r in fused][:2] == ["B", "A"]


def test_a_confident_retriever_is_not_outvoted_by_a_flat_one() -> None:
    # Dense barely separates A, B and C; BM25 puts B far ahead. Rank fusion would tie A and B.
    dense = [ranked("A", score=0.60), ranked("B", score=0.59), ranked("C", score=0.58)]
    lexical = [ranked("B", score=20.0), ranked("A", score=2.0), ranked("C", score=1.0)]
    assert [r.paper_id for r in fuser().fuse(dense, lexical)] == ["B", "A", "C"]


def test_fusion_weights() -> None:
    dense = [ranked("A", score=0.9), ranked("B", score=0.1)]
    lexical = [ranked("B", score=9.0), ranked("A", score=1.0)]
    weighted = fuser(dense_weight=2.0, bm25_weight=0.5).fuse(dense, lexical)
    assert {r.paper_id: r.score for r in weighted} == pytest.approx({"A": 2.0, "B": 0.5})
    only_lexical = fuser(dense_weight=0.0).fuse(dense, lexical)
    assert [r.paper_id for r in only_lexical] == ["B", "A"]


def test_a_list_of_equal_scores_counts_fully() -> None:
    fused = fuser(dense_weight=1.0, bm25_weight=1.0).fuse(
        [ranked("A", score=0.5)], [ranked("B", score=3.0), ranked("A", score=3.0)]
    )
    assert {r.paper_id: r.score for r in fused} == pytest.approx({"A": 2.0, "B": 1.0})


def test_fuse_merges_passages_once_each_best_first() -> None:
    dense = [ranked("A", "a1", "a2")]
    lexical = [ranked("A", "a2", "a3")]
    (fused,) = fuser().fuse(dense, lexical)
    ids = [p.chunk_id for p in fused.passages]
    assert sorted(ids) == ["a1", "a2", "a3"]
    assert ids[0] == "a2"  # ranked by both retrievers


def test_fuse_of_nothing_is_nothing() -> None:
    assert fuser().fuse([], []) == []
    assert [r.paper_id for r in fuser().fuse([], [ranked("A")])] == ["A"]


def test_llama_index_interface_returns_scored_nodes(retriever: Retriever) -> None:
    nodes = retriever.retrieve("pruning attention heads")
    assert nodes[0].node.metadata["paper_id"] == PRUNING
    assert nodes[0].score is not None and nodes[0].score > 0


def test_excluded_papers_are_never_returned(tiny_index: PaperIndex, settings: Settings) -> None:
    """Leave-paper-out evaluation hides a question's gold papers from every retriever."""
    retriever = Retriever(tiny_index, HashEmbedding(), settings.retrieval)
    best = retriever.search("pruning attention heads", k=3)[0].paper_id
    for mode in ("bm25", "dense", "hybrid"):
        hits = retriever.search(
            "pruning attention heads", k=10, mode=mode, filters=SearchFilters(exclude_paper_ids=[best])
        )
        assert best not in {hit.paper_id for hit in hits}
        assert hits or mode == "bm25", "dense search still ranks the other papers"


# ---------------------------------------------------------------- fields, sentences, old indexes


def test_a_paper_found_by_its_title_alone_joins_the_keyword_ranking(shared_index: PaperIndex) -> None:
    # "Property" is only in the graph paper's title, never in an abstract.
    retriever = Retriever(shared_index, HashEmbedding(), RetrievalSettings())
    (hit,) = retriever.search("property", k=3, mode="bm25")
    assert hit.paper_id == GRAPH and hit.bm25_score and hit.passages
    without_titles = Retriever(shared_index, HashEmbedding(), RetrievalSettings(title_weight=0.0))
    assert without_titles.search("property", k=3, mode="bm25") == []


def test_dense_adds_the_best_sentence_but_reports_the_best_chunk(shared_index: PaperIndex) -> None:
    query = "message passing predicts solubility"
    plain = Retriever(shared_index, HashEmbedding(), RetrievalSettings(sentence_weight=0.0))
    with_sentences = Retriever(shared_index, HashEmbedding(), RetrievalSettings(sentence_weight=1.0))
    before = {h.paper_id: h for h in plain.search(query, k=10, mode="dense")}
    after = {h.paper_id: h for h in with_sentences.search(query, k=10, mode="dense")}
    assert after[GRAPH].rank == 1
    assert after[GRAPH].dense_similarity == before[GRAPH].dense_similarity  # still the chunk's cosine
    assert after[GRAPH].score > before[GRAPH].score


def test_an_index_from_before_the_keyword_fields_still_searches(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """An index whose manifest has no keyword layout version gets its keyword index built in
    memory; the next ingest stores it."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("old"), embedding=EmbeddingSettings(provider="hash"))
    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    sidecar = settings.index_path / "sidecar"
    manifest = json.loads((sidecar / "manifest.json").read_text())
    del manifest["keywords"]
    (sidecar / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(sidecar / "bm25-abstracts")
    shutil.rmtree(sidecar / "bm25-titles")
    (sidecar / "acronyms.json").unlink()
    old = PaperIndex.load(settings)
    assert old.manifest.keywords == 1
    hits = Retriever(old, HashEmbedding(), RetrievalSettings()).search("pruning attention heads", mode="bm25")
    assert hits[0].paper_id == PRUNING
    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    assert PaperIndex.load(settings).manifest.keywords == 2 and (sidecar / "acronyms.json").is_file()
