"""FAKE eval data: hand-made papers, questions, rankings and answers, and the scripted assistant
(tests/fakes.py) set up with them, so the eval suite is tested without an index, a model or the
real answer engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.providers import LLMClient
from paperlens.types import Answer, Citation, Paper, PaperHit, SentenceCheck

PAPERS = {
    pid: Paper(paper_id=pid, title=title, abstract=f"Abstract of {title}.")
    for pid, title in [
        ("p1", "Residual Networks Revisited"),
        ("p2", "Sparse Attention <b>Kernels</b>"),
        ("p3", "Federated Learning at Scale"),
        ("p4", "Pruning Heads"),
        ("x1", "Unrelated One"),
        ("x2", "Unrelated Two"),
    ]
}

QUESTIONS = [
    {
        "id": "q1",
        "question": "What top-1 accuracy does the ResNet-50 revisit reach?",
        "type": "fact",
        "answerable": True,
        "gold_paper_ids": ["p1"],
        "key_facts": ["77.33%", "ResNet-50"],
        "reference_answer": "ResNet-50 reaches 77.33% top-1.",
    },
    {
        "id": "q2",
        "question": "Which papers study sparse attention or federated learning?",
        "type": "multi",
        "answerable": True,
        "gold_paper_ids": ["p2", "p3"],
        "key_facts": ["sparse attention", "federated"],
        "reference_answer": "Sparse Attention Kernels and Federated Learning at Scale.",
    },
    {
        "id": "q3",
        "question": "What learning rate did the pruning paper use?",
        "type": "unanswerable",
        "answerable": False,
        "gold_paper_ids": [],
        "key_facts": [],
        "reference_answer": "The collection does not state it.",
    },
    {
        "id": "q4",
        "question": "Is there work on removing attention heads?",
        "type": "paraphrase",
        "answerable": True,
        "gold_paper_ids": ["p4"],
        "key_facts": ["heads"],
        "reference_answer": "Yes, Pruning Heads.",
    },
]


def write_questions(path: Path, rows: Sequence[dict[str, Any]] = QUESTIONS) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def hits(ids: Sequence[str]) -> list[PaperHit]:
    return [
        PaperHit(paper_id=pid, title=PAPERS[pid].title, score=1.0 / rank, rank=rank)
        for rank, pid in enumerate(ids, 1)
    ]


def make_answer(
    question: str,
    text: str = "",
    sources: Sequence[str] = (),
    sentences: Sequence[tuple[str, Sequence[int], bool]] = (),
    refused: bool = False,
    invalid: Sequence[int] = (),
    retrieved: Sequence[str] = (),
    timings: dict[str, float] | None = None,
) -> Answer:
    """An Answer citing `sources` as [1], [2], ... with (text, markers, supported) sentences."""
    return Answer(
        question=question,
        standalone_question=question,
        answer=text or " ".join(s for s, _, _ in sentences),
        citations=[
            Citation(n=n, paper_id=pid, title=PAPERS[pid].title, passage=PAPERS[pid].abstract)
            for n, pid in enumerate(sources, 1)
        ],
        refused=refused,
        refusal_reason="nothing_relevant" if refused else None,
        sentences=[
            SentenceCheck(text=s, citations=list(c), support=0.9 if ok else 0.1, supported=ok)
            for s, c, ok in sentences
        ],
        invalid_citations=list(invalid),
        retrieved=hits(retrieved),
        mode="extractive",
        model="extractive",
        timings=timings or {"retrieve_ms": 10.0, "generate_ms": 20.0, "check_ms": 5.0, "total_ms": 35.0},
    )


def scripted_answers() -> dict[str, Answer]:
    """One answer per test question: q1 good, q2 half right, q3 refused, q4 hallucinated marker."""
    q = {row["id"]: row["question"] for row in QUESTIONS}
    return {
        q["q1"]: make_answer(
            q["q1"],
            sources=["p1"],
            sentences=[("ResNet-50 reaches 77.33% top-1 [1].", [1], True)],
            retrieved=["p1", "x1"],
        ),
        q["q2"]: make_answer(
            q["q2"],
            sources=["p2", "x1"],
            sentences=[("Sparse attention is studied [1].", [1], True), ("Also this [2].", [2], False)],
            retrieved=["p2", "x1"],
        ),
        q["q3"]: make_answer(q["q3"], text="The collection does not say.", refused=True, retrieved=["p4"]),
        q["q4"]: make_answer(
            q["q4"],
            sources=["p4"],
            sentences=[("Heads can be pruned [1].", [1], True), ("It is 9x faster [3].", [], False)],
            invalid=[3],
            retrieved=["p4"],
        ),
    }


RANKINGS = {
    QUESTIONS[0]["question"]: ["p1", "x1", "x2"],
    QUESTIONS[1]["question"]: ["x1", "p2", "x2", "p4", "p3"],
    QUESTIONS[2]["question"]: ["p4", "x1"],
    QUESTIONS[3]["question"]: ["x1", "x2", "p1", "p2", "p3", "p4"],
}


def eval_assistant(
    settings: Settings,
    answers: dict[str, Answer] | None = None,
    rankings: dict[str, list[str]] | None = None,
    llm: LLMClient | None = None,
) -> ScriptedAssistant:
    """The scripted assistant (tests/fakes.py) over PAPERS, with these answers and rankings."""
    assistant = ScriptedAssistant(settings, papers=PAPERS, llm=llm)
    answers = scripted_answers() if answers is None else answers
    rankings = RANKINGS if rankings is None else rankings
    for question in {*answers, *rankings}:
        assistant.script(question, answer=answers.get(question), ranking=rankings.get(question))
    return assistant
