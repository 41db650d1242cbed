"""The data paperlens passes between its stages: papers, search results and answers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AnswerMode = Literal["extractive", "generative"]
RefusalReason = Literal["nothing_relevant", "detail_not_stated"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paper(Model):
    paper_id: str = Field(description="Stable id: hash of the normalized title.")
    title: str
    abstract: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    date: str | None = Field(default=None, description="Listing date, e.g. 'Mar 14'.")
    url: str | None = None
    arxiv_id: str | None = None
    categories: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list, description="Files (listing pages) the paper came from.")
    code_urls: list[str] = Field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """Changes when anything that is embedded or filtered on changes."""
        payload = self.model_dump_json(exclude={"sources"})
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


class Chunk(Model):
    chunk_id: str
    paper_id: str
    position: int = Field(description="Index of the chunk within its paper.")
    text: str = Field(description="Title plus a window of abstract sentences, as embedded.")


class Passage(Model):
    chunk_id: str
    text: str
    score: float = Field(description="Score of this passage in the retriever that ranked it best.")


class PaperHit(Model):
    paper_id: str
    title: str
    score: float = Field(description="Fused score (hybrid) or the retriever's own score.")
    rank: int
    passages: list[Passage] = Field(default_factory=list)
    dense_similarity: float | None = Field(
        default=None, description="Best cosine similarity of a chunk to the question."
    )
    bm25_score: float | None = None


class SearchFilters(Model):
    sources: list[str] | None = Field(
        default=None, description="Keep papers listed in one of these files (name or stem)."
    )
    has_code: bool | None = None
    year_min: int | None = None
    year_max: int | None = None
    categories: list[str] | None = None
    paper_ids: list[str] | None = Field(default=None, description="Keep only these papers.")
    exclude_paper_ids: list[str] | None = Field(
        default=None, description="Leave these papers out (leave-paper-out evaluation hides gold papers)."
    )

    def is_empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())

    def accepts(self, paper: Paper) -> bool:
        stems = {source.rsplit(".", 1)[0] for source in paper.sources}
        checks = [
            self.sources is None or any(s in paper.sources or s in stems for s in self.sources),
            self.has_code is None or bool(paper.code_urls) == self.has_code,
            self.year_min is None or (paper.year is not None and paper.year >= self.year_min),
            self.year_max is None or (paper.year is not None and paper.year <= self.year_max),
            self.categories is None or bool(set(self.categories) & set(paper.categories)),
            self.paper_ids is None or paper.paper_id in self.paper_ids,
            self.exclude_paper_ids is None or paper.paper_id not in self.exclude_paper_ids,
        ]
        return all(checks)


class Citation(Model):
    n: int = Field(description="Number of the source as shown in the answer.")
    paper_id: str
    title: str
    passage: str = Field(description="The abstract text the answer relies on for this source.")


class SentenceCheck(Model):
    text: str
    citations: list[int] = Field(default_factory=list)
    support: float | None = Field(
        default=None, description="0..1 support by the cited abstracts; None when nothing is cited."
    )
    supported: bool = False
    evidence: str | None = Field(default=None, description="Best supporting abstract sentence.")
    citation_support: dict[int, float] = Field(
        default_factory=dict, description="Support by each cited source alone, by citation number."
    )
    answers: float | None = Field(
        default=None,
        description=(
            "0..1 how well the sentence answers the question it is placed under; None when there "
            "is no question (summaries) or it restates the index record. `support` is the lower of "
            "this and how well the cited abstracts state it."
        ),
    )
    question: str | None = Field(default=None, description="The question the sentence is placed under.")
    method: str = Field(default="lexical+embedding", description="How support was judged.")

    @property
    def doubt(self) -> str:
        """What keeps a cited sentence from counting as supported, in words for a reader."""
        if self.answers is not None and self.support is not None and self.answers <= self.support:
            return "does not clearly answer the question"
        return "is not clearly stated by its cited abstract"


class Answer(Model):
    question: str
    standalone_question: str = Field(description="The question after follow-up condensing.")
    answer: str = Field(description="Displayed text with [n] markers, without the references.")
    notice: str | None = Field(
        default=None, description="First line of `answer` when it is about the mode, e.g. extractive."
    )
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    sentences: list[SentenceCheck] = Field(default_factory=list)
    invalid_citations: list[int] = Field(
        default_factory=list, description="Markers the model wrote that matched no source."
    )
    retrieved: list[PaperHit] = Field(default_factory=list)
    mode: AnswerMode
    model: str = Field(description="LLM name, or 'extractive'.")
    raw_output: str = Field(default="", description="The model's text before citation checks.")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    usage: dict[str, int] = Field(default_factory=dict, description="Token counts where known.")

    @property
    def references(self) -> str:
        return "\n".join(f"[{c.n}] {c.title} ({c.paper_id})" for c in self.citations)

    @property
    def markdown(self) -> str:
        """The answer as a user copies it: text, then the references list."""
        if not self.citations:
            return self.answer
        return f"{self.answer}\n\nReferences\n{self.references}"

    @property
    def unsupported_sentences(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.citations and not s.supported]


class Turn(Model):
    """One exchange of a conversation; later turns resolve 'it' and 'the second one' from it."""

    question: str
    answer: Answer


class Delta(Model):
    """A piece of streamed answer text."""

    text: str


AnswerStream = Iterator[Delta | Answer]


def collect_answer(stream: Iterable[Delta | Answer]) -> Answer:
    """Drain a stream of deltas and return the Answer it ends with."""
    answer = None
    for item in stream:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise RuntimeError("the answer stream ended without a final Answer")
    return answer
