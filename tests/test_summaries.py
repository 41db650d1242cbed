"""Offline summaries alone: sections of one paper, sub-themes of a topic, their names and citations.
(Hash embeddings: FAKE vectors from hashed words, which still rank texts that share words.)"""

from __future__ import annotations

import numpy as np

from paperlens.answering.sentence_bank import SentenceBank
from paperlens.answering.summaries import (
    group_papers,
    paper_sections_text,
    section_of,
    theme_name,
    topic_sections_text,
)
from paperlens.config import TuningSettings
from paperlens.providers import HashEmbedding
from paperlens.types import Paper


def paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(paper_id=pid, title=title, abstract=abstract)


PAPERS = [
    paper(
        "a1",
        "Pruning Attention Heads",
        "We prune attention heads in transformers. Pruned models run 2x faster.",
    ),
    paper(
        "a2",
        "Structured Pruning of Attention",
        "Attention heads are pruned by importance. Accuracy drops 1 point.",
    ),
    paper(
        "b1",
        "Federated Learning with Drift Correction",
        "Clients train locally. We propose drift correction.",
    ),
    paper(
        "b2", "Federated Learning under Non-IID Data", "Non-IID data slows federated training across clients."
    ),
]


def test_sentences_go_under_their_section() -> None:
    assert section_of("Code is available at https://github.com/x/y.", False) == "Code and resources"
    assert section_of("We propose a new pruning method.", False) == "Approach"
    assert section_of("It outperforms the baseline by 3%.", True) == "Results"
    assert section_of("Large models are costly to serve.", False) == "Problem"
    assert section_of("The method then merges heads.", True) == "Approach"


def test_a_paper_summary_cites_every_sentence_once_under_headings() -> None:
    text = paper_sections_text(
        [
            "Large models are costly to serve.",
            "We propose head pruning.",
            "It runs 2x faster.",
            "Code is at https://github.com/x/y.",
        ]
    )
    assert text.splitlines()[0] == "### Problem"
    assert [line for line in text.splitlines() if line.startswith("###")] == [
        "### Problem",
        "### Approach",
        "### Results",
        "### Code and resources",
    ]
    assert text.count("[1]") == 4 and "- It runs 2x faster [1]." in text


def test_papers_group_by_closeness_deterministically() -> None:
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.95, 0.05], [0.05, 0.95]])
    groups = group_papers(vectors, max_groups=4)
    assert groups == group_papers(vectors, max_groups=4)
    assert sorted(map(sorted, groups)) == [[0, 1, 4], [2, 3, 5]]
    assert len(group_papers(np.eye(12), max_groups=3)) <= 3


def test_a_theme_is_named_by_the_title_words_its_papers_share() -> None:
    name = theme_name(PAPERS[:2], PAPERS[2:], topic="efficient transformers")
    assert name.split(", ")[0] in {"Pruning", "Attention"}
    assert "Transformers" not in name  # the topic's own words are left out
    assert theme_name([], [], topic="x") == "Other work"


def test_a_topic_summary_cites_each_paper_with_its_own_number() -> None:
    bank = SentenceBank(HashEmbedding())
    query = bank.embed_query("pruning and federated learning")
    text = topic_sections_text("pruning and federated learning", query, PAPERS, bank, TuningSettings())
    assert text.count("### ") == 1  # about three papers per sub-theme: four papers make one
    for number, item in enumerate(PAPERS, 1):
        line = next(line for line in text.splitlines() if item.title in line)
        assert f"[{number}]" in line
