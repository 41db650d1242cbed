"""Offline extractive answers and summaries on the tiny corpus (hash embedder)."""

from __future__ import annotations

import numpy as np

from paperlens.answering.assistant import Assistant
from paperlens.answering.extractive import Candidate, cite, select
from paperlens.config import Settings, TuningSettings
from paperlens.index.paper_index import PaperIndex
from paperlens.providers import HashEmbedding
from paperlens.types import Answer, Delta


def offline(settings: Settings) -> Assistant:
    settings.tuning.min_relevance = 0.2
    settings.tuning.min_sentence_score = 0.2
    settings.tuning.sentence_margin = 0.5  # hash-embedding scores spread wider than MiniLM's
    return Assistant.from_settings(settings, embed_model=HashEmbedding())


def test_answer_quotes_cited_sentences_under_a_notice(tiny_index: PaperIndex, settings: Settings) -> None:
    answer = offline(settings).ask("How much faster do models with pruned attention heads run?")
    assert answer.mode == "extractive" and answer.model == "extractive" and not answer.refused
    assert answer.notice and answer.answer.startswith(answer.notice)
    assert "no language model is configured" in answer.notice and "PAPERLENS_LLM_PROVIDER" in answer.notice
    assert "1.8x faster" in answer.answer  # the sentence that answers, not just the first one
    pruning = next(c for c in answer.citations if c.title.startswith("Pruning"))
    abstract = tiny_index.papers[pruning.paper_id].abstract
    for check in answer.sentences:
        cited = tiny_index.papers[answer.citations[check.citations[0] - 1].paper_id]
        assert check.text in cited.abstract and check.question == answer.standalone_question
    speed = next(s for s in answer.sentences if "1.8x faster" in s.text)
    assert speed.supported and speed.answers is not None and speed.answers > 0.5
    assert "Our pruned models run 1.8x faster at inference." in pruning.passage
    assert all(sentence in abstract for sentence in pruning.passage.split(". "))


def test_a_quoted_sentence_that_does_not_answer_is_flagged(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    """Quoted verbatim is not enough: support also measures whether the sentence answers."""
    answer = offline(settings).ask("How much faster do models with pruned attention heads run?")
    quoted = {s.text: s for s in answer.sentences}
    speed = next(s for text, s in quoted.items() if "1.8x faster" in text)
    others = [s for text, s in quoted.items() if "Pruning" not in answer.citations[s.citations[0] - 1].title]
    assert others, answer.answer  # the lenient test settings quote a second, unrelated paper
    for other in others:
        assert other.answers is not None and speed.answers is not None and other.answers < speed.answers
        assert not other.supported and other.doubt == "does not clearly answer the question"


def test_stream_matches_answer(tiny_index: PaperIndex, settings: Settings) -> None:
    items = list(offline(settings).stream("Which papers compress language models?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    assert "".join(i.text for i in items if isinstance(i, Delta)) == answer.answer
    assert len(answer.citations) >= 2


def test_named_paper_without_the_detail_is_a_detail_refusal(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    answer = offline(settings).ask("What learning rate does the federated client drift correction use?")
    assert answer.refused and answer.refusal_reason == "detail_not_stated"
    assert answer.retrieved[0].title.startswith("Federated")


def test_select_caps_per_paper_and_skips_duplicates() -> None:
    v = np.array([1.0, 0.0])
    w = np.array([0.0, 1.0])
    u = np.array([0.6, 0.8])
    candidates = [
        Candidate(1, 0, "a", 0.9, v),
        Candidate(1, 1, "b", 0.8, w),
        Candidate(1, 2, "c", 0.7, u),
        Candidate(2, 3, "d", 0.6, v),
        Candidate(3, 0, "e", 0.1, w),
    ]
    chosen = select(
        candidates,
        TuningSettings(min_sentence_score=0.2, max_sentences=5, sentence_margin=1.0, sentences_per_paper=2),
    )
    assert [c.text for c in chosen] == ["a", "b"]  # c: third of paper 1; d: duplicate of a; e: too weak
    close = select(
        candidates,
        TuningSettings(min_sentence_score=0.0, max_sentences=5, sentence_margin=0.25, sentences_per_paper=3),
    )
    assert [c.text for c in close] == ["a", "b", "c"]  # d and e are more than 0.25 behind the best


def test_cite_puts_the_marker_before_the_full_stop() -> None:
    assert cite("It works.", 2) == "It works [2]."
    assert cite("No stop", 1) == "No stop [1]"
    assert cite("As shown in [12, 13], it works.", 3) == "As shown in (12, 13), it works [3]."


def test_paper_summary_has_sections_and_cites_only_the_paper(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    paper = next(p for p in tiny_index.papers.values() if p.title.startswith("Quantization"))
    summary = offline(settings).summarize_paper(paper.paper_id)
    assert "### Problem" in summary.answer and "### Results" in summary.answer
    assert "### Code and resources" in summary.answer and "github.com/example/quant4" in summary.answer
    assert [c.paper_id for c in summary.citations] == [paper.paper_id]
    assert all(s.citations == [1] for s in summary.sentences)


def test_topic_summary_groups_papers_under_headings(tiny_index: PaperIndex, settings: Settings) -> None:
    summary = offline(settings).summarize_topic("language models", k=4)
    assert not summary.refused
    assert summary.answer.count("### ") >= 1
    assert len(summary.citations) >= 2
    for citation in summary.citations:
        assert f"**{citation.title}**" in summary.answer
