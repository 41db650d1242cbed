"""The extractive answer engine with the real bundled model over the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperlens.answering.assistant import Assistant
from paperlens.answering.citations import AnswerSentence, answer_sentences
from paperlens.config import Settings
from paperlens.types import Turn

pytestmark = pytest.mark.integration
QUESTIONS = [json.loads(line) for line in (Path(__file__).parents[1] / "eval" / "tune.jsonl").open()]


@pytest.fixture(scope="module")
def assistant(real_settings: Settings, bundled_embedding) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.from_settings(real_settings, embed_model=bundled_embedding)


def first(kind: str, count: int) -> list[dict]:
    return [q for q in QUESTIONS if q["type"] == kind][:count]


@pytest.mark.parametrize("question", first("fact", 4), ids=lambda q: q["id"])
def test_fact_questions_cite_the_gold_paper_and_state_the_fact(assistant: Assistant, question: dict) -> None:
    answer = assistant.ask(question["question"])
    assert not answer.refused, answer.answer
    assert set(question["gold_paper_ids"]) & {c.paper_id for c in answer.citations}
    assert any(fact.lower() in answer.answer.lower() for fact in question["key_facts"]), answer.answer
    assert answer.mode == "extractive" and answer.notice and answer.answer.startswith(answer.notice)


@pytest.mark.parametrize(
    "text",
    [
        "Who wrote the novel Pride and Prejudice?",
        "What rank do LoRA adapters use when fine-tuning GPT-3 175B?",
    ],
)
def test_off_collection_questions_are_refused(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    assert answer.refused and answer.refusal_reason == "nothing_relevant"
    assert answer.retrieved and not answer.citations


def test_multi_paper_question_cites_several_gold_papers(assistant: Assistant) -> None:
    question = next(q for q in QUESTIONS if q["type"] == "multi" and len(q["gold_paper_ids"]) >= 3)
    answer = assistant.ask(question["question"])
    assert len(set(question["gold_paper_ids"]) & {c.paper_id for c in answer.citations}) >= 2


def test_follow_up_keeps_citations_on_the_named_paper(assistant: Assistant) -> None:
    turn1 = assistant.ask("Which papers use Hessian information to choose per-layer quantization precision?")
    assert len(turn1.citations) >= 2
    turn2 = assistant.ask("what about the second one?", history=[Turn(question="q", answer=turn1)])
    assert [c.paper_id for c in turn2.citations] == [turn1.citations[1].paper_id]
    assert not turn2.refused


def test_support_scores_separate_the_right_paper_from_its_nearest_neighbour(assistant: Assistant) -> None:
    """Reference answers (paraphrases of the gold abstract) cited to the gold paper are supported;
    the same sentences cited to the most similar other paper are not."""
    checker, papers = assistant.engine.checker, assistant.index.papers
    right, wrong = [], []
    for question in [q for q in QUESTIONS if q["type"] in ("fact", "paraphrase")][:30]:
        gold = papers[question["gold_paper_ids"][0]]
        near = next(
            h
            for h in assistant.search(question["reference_answer"][:500], k=5)
            if h.paper_id != gold.paper_id
        )
        claims = [AnswerSentence(s.text, [1]) for s in answer_sentences(question["reference_answer"])]
        right += [c.supported for c in checker.check(claims, {1: gold})]
        wrong += [c.supported for c in checker.check(claims, {1: papers[near.paper_id]})]
    assert sum(right) / len(right) >= 0.9
    assert sum(wrong) / len(wrong) <= 0.1


def test_topic_summary_is_structured_and_cited(assistant: Assistant) -> None:
    summary = assistant.summarize_topic("pruning neural networks")
    assert not summary.refused and summary.answer.count("### ") >= 2
    assert len(summary.citations) >= 4
    assert all(s.citations for s in summary.sentences)
