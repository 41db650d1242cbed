"""What one evaluated question leaves behind: a line of results.jsonl.

It keeps everything the reports and `eval compare` need (rankings, the answer, every metric),
so reports can be rebuilt and runs compared without rerunning the assistant.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from paperlens.evaluation.dataset import GoldQuestion
from paperlens.types import Answer


class CitedSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int
    paper_id: str
    title: str
    passage: str = ""


class SentenceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    citations: list[int] = Field(default_factory=list)
    support: float | None = None
    supported: bool = False
    judged_supported: bool | None = Field(default=None, description="The judge's joint entailment verdict.")


class QuestionResult(BaseModel):
    """A gold question, what the assistant did with it, and its metrics."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    type: str
    answerable: bool
    gold_paper_ids: list[str] = Field(default_factory=list)
    hidden_paper_ids: list[str] = Field(
        default_factory=list, description="Papers hidden from retrieval (leave-paper-out questions)."
    )
    key_facts: list[str] = Field(default_factory=list)
    reference_answer: str = ""
    ranking: list[str] = Field(default_factory=list, description="Paper ids from search, best first.")
    context_ids: list[str] = Field(default_factory=list, description="Papers the answer was built from.")
    titles: dict[str, str] = Field(default_factory=dict, description="Titles of ranked and gold papers.")
    answer: str | None = None
    notice: str | None = Field(default=None, description="The mode notice the answer starts with.")
    refused: bool | None = None
    refusal_reason: str | None = None
    citations: list[CitedSource] = Field(default_factory=list)
    sentences: list[SentenceRecord] = Field(default_factory=list)
    invalid_citations: list[int] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    judge: dict[str, str] = Field(default_factory=dict, description="Verdict labels, e.g. correctness.")
    error: str | None = None

    @property
    def body(self) -> str:
        """The answer without its mode notice: what the question got."""
        text = self.answer or ""
        if self.notice and text.startswith(self.notice):
            text = text[len(self.notice) :]
        return text.strip()

    @classmethod
    def start(cls, gold: GoldQuestion) -> QuestionResult:
        return cls(**gold.model_dump())

    def record_answer(self, answer: Answer) -> None:
        self.context_ids = [hit.paper_id for hit in answer.retrieved]
        self.answer = answer.answer
        self.notice = answer.notice
        self.refused = answer.refused
        self.refusal_reason = answer.refusal_reason
        self.citations = [CitedSource(**c.model_dump()) for c in answer.citations]
        self.sentences = [
            SentenceRecord(text=s.text, citations=s.citations, support=s.support, supported=s.supported)
            for s in answer.sentences
        ]
        self.invalid_citations = list(answer.invalid_citations)
        self.timings.update(answer.timings)
