"""What the collection covers (index/overview.py), finding a paper by name (index/lookup.py) and
the sentence that matches a search (index/snippets.py)."""

from __future__ import annotations

import numpy as np
import pytest

from paperlens.errors import PaperNotFoundError
from paperlens.index.lookup import find_paper
from paperlens.index.overview import (
    describe_collection,
    field_coverage,
    filter_problems,
    kmeans,
    theme_count,
    theme_labels,
)
from paperlens.index.paper_index import PaperIndex
from paperlens.index.snippets import matching_sentence
from paperlens.types import Paper, SearchFilters


def paper(title: str, abstract: str = "An abstract.", **fields: object) -> Paper:
    return Paper(paper_id=title.lower().replace(" ", "")[:12], title=title, abstract=abstract, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- themes


def test_kmeans_separates_clear_groups_and_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    centres = np.eye(3, 16)
    points = np.vstack([c + rng.normal(0, 0.05, (20, 16)) for c in centres])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    labels, found = kmeans(points, 3)
    groups = [set(labels[i * 20 : (i + 1) * 20]) for i in range(3)]
    assert all(len(g) == 1 for g in groups) and len(set.union(*groups)) == 3
    again, _ = kmeans(points, 3)
    assert np.array_equal(labels, again)
    assert np.allclose(np.linalg.norm(found, axis=1), 1)


def test_theme_count_grows_with_the_collection() -> None:
    assert (
        theme_count(3) == 0 and theme_count(10) == 2 and theme_count(364) == 11 and theme_count(10_000) == 12
    )


def test_theme_labels_name_what_sets_a_group_apart() -> None:
    pruning = [
        paper(f"Structured pruning of networks {i}", "We prune channels with structured pruning.")
        for i in range(4)
    ]
    speech = [
        paper(f"Speech recognition encoders {i}", "Speech recognition with audio encoders.") for i in range(4)
    ]
    labels = theme_labels([pruning, speech], 8)
    assert "pruning" in labels[0] and "speech" in labels[1]
    assert "networks" not in labels[0], "words every abstract uses name nothing"


def test_the_tiny_collection_groups_into_themes(tiny_index: PaperIndex) -> None:
    overview = describe_collection(tiny_index.papers, tiny_index.sentences, themes=3)
    assert overview.papers == 10 and len(overview.themes) == 3
    assert sum(t.papers for t in overview.themes) == 10
    titles = {p.title for p in tiny_index.papers.values()}
    assert all(title in titles for t in overview.themes for _, title in t.examples)
    assert [t.papers for t in overview.themes] == sorted((t.papers for t in overview.themes), reverse=True)


def test_without_sentence_vectors_there_are_no_themes_and_it_says_why(tiny_index: PaperIndex) -> None:
    overview = describe_collection(tiny_index.papers, None)
    assert overview.themes == [] and "paperlens ingest --rebuild" in overview.themes_note


# ---------------------------------------------------------------- fields and filters


def test_field_coverage_counts_papers_and_describes_values() -> None:
    papers = {
        p.paper_id: p
        for p in [
            paper("One", year=2020, date="Mar 1", code_urls=["https://x"]),
            paper("Two", year=2023, date="Mar 1"),
        ]
    }
    coverage = {c.name: c for c in field_coverage(papers)}
    assert coverage["year"].papers == 2 and coverage["year"].values == "2020–2023"
    assert coverage["date"].values == "Mar 1" and coverage["code_urls"].papers == 1
    assert coverage["authors"].papers == 0


def test_filter_problems_name_the_missing_field() -> None:
    papers = {p.paper_id: p for p in [paper("One", sources=["a.txt"]), paper("Two", sources=["b.txt"])]}
    problems = filter_problems(
        SearchFilters(year_min=2020, categories=["cs.CL"], sources=["c"], has_code=True), papers
    )
    assert problems["year_min"] == "the collection has no publication years (none of its 2 papers has one)"
    assert "no categories" in problems["categories"] and "a.txt, b.txt" in problems["sources"]
    assert "no code links" in problems["has_code"]
    assert filter_problems(SearchFilters(sources=["a"], has_code=False), papers) == {}


# ---------------------------------------------------------------- lookup


@pytest.fixture
def named() -> dict[str, Paper]:
    papers = [
        paper("Efficient Training Using Megatron-LM"),
        paper("Pruning Attention Heads"),
        paper("Pruning Convolutional Filters"),
    ]
    return {p.paper_id: p for p in papers}


def test_find_paper_by_id_prefix_and_title(named: dict[str, Paper]) -> None:
    heads = next(p for p in named.values() if "Heads" in p.title)
    assert find_paper(named, heads.paper_id) is heads
    assert find_paper(named, heads.paper_id[:8]) is heads
    assert find_paper(named, "pruning attention heads") is heads
    assert find_paper(named, "megatron").title.endswith("Megatron-LM")


def test_find_paper_refuses_to_guess(named: dict[str, Paper]) -> None:
    with pytest.raises(PaperNotFoundError, match="'pruning' matches 2 papers"):
        find_paper(named, "pruning")
    with pytest.raises(PaperNotFoundError, match="No paper with id or title 'zebra'"):
        find_paper(named, "zebra")


# ---------------------------------------------------------------- snippets


def test_matching_sentence_prefers_the_sentence_with_the_query_words() -> None:
    found = paper(
        "Pruning",
        "Transformers are popular. Our pruned models run 1.8x faster at inference. Code is online.",
    )
    snippet = matching_sentence(found, "how fast are pruned models")
    assert snippet.text == "Our pruned models run 1.8x faster at inference."
    assert {"prune", "model"} <= snippet.matched


def test_matching_sentence_uses_stored_vectors_when_words_do_not_meet() -> None:
    from paperlens.index.sentences import SentenceStore

    found = paper("Compression", "Weights are stored in four bits. Latency halves on phones. Code is online.")
    vectors = {"Weights": [1.0, 0.0], "Latency": [0.0, 1.0], "Code": [0.6, 0.8]}
    store = SentenceStore.build([found], lambda texts: np.array([vectors[t.split()[0]] for t in texts]), None)
    assert (
        matching_sentence(found, "speed on mobile devices", [0.0, 1.0], store).text
        == "Latency halves on phones."
    )
    assert matching_sentence(found, "speed on mobile devices", [1.0, 0.0], store).text.startswith("Weights")
    assert matching_sentence(found, "speed on mobile devices").text.startswith("Weights"), "no vectors: first"
