"""Leave-paper-out questions: each answerable gold question asked again with its gold papers
hidden from every retriever, where the right outcome is a refusal.

Any collection with a gold set gets near-topic negatives this way: the question still matches
the collection's vocabulary and the neighbours of its papers, but the papers that answer it are
gone. Only refusal is scored on them; they have no gold papers to rank or cite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from paperlens.evaluation.dataset import GoldQuestion
from paperlens.types import Answer, SearchFilters

LEAVE_OUT_TYPE = "leave_out"
ID_SUFFIX = "~leave-out"
METRIC = "leave_out_refusal_recall"
REFERENCE = "A refusal: the papers that answer this question are hidden from the index."


@dataclass(frozen=True)
class LeaveOut:
    """One answerable question with its gold papers hidden."""

    gold: GoldQuestion

    @property
    def id(self) -> str:
        return f"{self.gold.id}{ID_SUFFIX}"

    @property
    def question(self) -> str:
        return self.gold.question

    @property
    def hidden(self) -> list[str]:
        return list(self.gold.gold_paper_ids)

    @property
    def filters(self) -> SearchFilters:
        return SearchFilters(exclude_paper_ids=self.hidden)


def leave_out_questions(questions: Iterable[GoldQuestion]) -> list[LeaveOut]:
    """One leave-out question per answerable question, in dataset order."""
    return [LeaveOut(question) for question in questions if question.answerable]


def leaked(answer: Answer, hidden: Iterable[str]) -> list[str]:
    """Hidden papers the answer still retrieved or cited: the filter did not hold somewhere."""
    shown = {hit.paper_id for hit in answer.retrieved} | {c.paper_id for c in answer.citations}
    return sorted(shown & set(hidden))


def leave_out_metrics(refused: bool) -> dict[str, float | None]:
    """A leave-out question's only metric: was it refused."""
    return {METRIC: float(refused)}
