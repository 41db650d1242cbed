"""Follow-up resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import scripted_client
from paperlens.answering.conversation import Condenser, referenced_papers
from paperlens.prompts import PromptLibrary
from paperlens.types import Answer, Citation, Turn

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


def previous_answer() -> Answer:
    citations = [Citation(n=n, paper_id=f"p{n}", title=f"Paper {n}", passage="...") for n in (1, 2, 3)]
    return Answer(
        question="Which papers compress models?",
        standalone_question="Which papers compress models?",
        answer="A [1]. B [2]. C [3].",
        citations=citations,
        mode="extractive",
        model="extractive",
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what about the second one?", ["p2"]),
        ("Tell me more about [3]", ["p3"]),
        ("and paper 1?", ["p1"]),
        ("what does the last paper report?", ["p3"]),
        ("compare them", ["p1", "p2", "p3"]),
        ("how does it work?", ["p1"]),
        ("Which papers study speech recognition?", []),
    ],
)
def test_references_resolve_to_the_previous_answers_citations(question: str, expected: list[str]) -> None:
    assert referenced_papers(question, previous_answer()) == expected


def test_rule_condensing_keeps_the_topic_for_short_follow_ups() -> None:
    prompts = PromptLibrary.load(PROMPTS, {"system": set(), "condense": {"history", "question"}})
    condenser = Condenser(None, prompts, max_turns=6)
    history = [Turn(question="Which papers compress models?", answer=previous_answer())]
    followup = condenser.condense("what about the second one?", history)
    assert followup.focus == ["p2"]
    assert followup.standalone.startswith("Which papers compress models?")
    fresh = condenser.condense("Which papers study speech recognition with audio encoders?", history)
    assert (
        fresh.focus == [] and fresh.standalone == "Which papers study speech recognition with audio encoders?"
    )


def test_llm_condensing_sends_history_with_references() -> None:
    prompts = PromptLibrary.load(PROMPTS, {"system": set(), "condense": {"history", "question"}})
    client, llm = scripted_client('"What does Paper 2 report about compression?"')
    condenser = Condenser(client, prompts, max_turns=6)
    history = [Turn(question="Which papers compress models?", answer=previous_answer())]
    followup = condenser.condense("what about the second one?", history)
    assert followup.standalone == "What does Paper 2 report about compression?"
    assert followup.focus == ["p2"]
    sent = llm.history[0]
    assert "Which papers compress models?" in sent and "[2] Paper 2 (p2)" in sent
    assert "what about the second one?" in sent


def test_no_history_means_no_condensing_call() -> None:
    prompts = PromptLibrary.load(PROMPTS, {"system": set(), "condense": {"history", "question"}})
    client, llm = scripted_client()
    assert Condenser(client, prompts, 6).condense("a question", []).standalone == "a question"
    assert llm.history == []
