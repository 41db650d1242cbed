"""The gold question set: its schema, loading and validation.

Every problem is reported with the file and line it is on, and validation collects all of them
before failing, so a broken dataset is fixed in one pass rather than one error at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from paperlens.config import Settings
from paperlens.errors import CorpusError
from paperlens.text import words

QuestionType = Literal["paraphrase", "fact", "multi", "summary", "unanswerable"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("paraphrase", "fact", "multi", "summary", "unanswerable")


class GoldQuestion(BaseModel):
    """One line of the dataset: a question and what a good answer contains."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    type: QuestionType
    answerable: bool
    gold_paper_ids: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    reference_answer: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> GoldQuestion:
        if (self.type == "unanswerable") == self.answerable:
            raise ValueError("type 'unanswerable' goes with answerable=false, every other type with true")
        if self.answerable and not self.gold_paper_ids:
            raise ValueError("an answerable question needs at least one gold_paper_id")
        if not self.answerable and self.gold_paper_ids:
            raise ValueError("an unanswerable question has no gold_paper_ids")
        return self


class Dataset(BaseModel):
    """The loaded questions plus where they came from; `version` changes with any byte."""

    path: str
    version: str
    questions: list[GoldQuestion]


def dataset_version(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:12]


def parse_lines(path: Path) -> tuple[list[tuple[int, GoldQuestion]], list[str]]:
    """Questions with their line numbers, and a message for every line that is not one."""
    if not path.is_file():
        raise CorpusError(str(path), None, "dataset file not found")
    questions: list[tuple[int, GoldQuestion]] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append((number, GoldQuestion.model_validate(json.loads(line))))
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not valid JSON ({error.msg}, column {error.colno})")
        except ValidationError as error:
            problems.extend(f"line {number}: {describe(e)}" for e in error.errors())
    return questions, problems


def describe(error: object) -> str:
    """One pydantic error as 'field: message'."""
    assert isinstance(error, dict)
    field = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def duplicate_problems(questions: list[tuple[int, GoldQuestion]]) -> list[str]:
    """Repeated ids and repeated questions (compared by their words, ignoring case)."""
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_text: dict[str, int] = {}
    for number, question in questions:
        if question.id in seen_ids:
            problems.append(
                f"line {number}: duplicate id {question.id!r} (first on line {seen_ids[question.id]})"
            )
        seen_ids.setdefault(question.id, number)
        text = " ".join(words(question.question))
        if text in seen_text:
            problems.append(f"line {number}: duplicate question (same as line {seen_text[text]})")
        seen_text.setdefault(text, number)
    return problems


def unknown_id_problems(questions: list[tuple[int, GoldQuestion]], known: set[str]) -> list[str]:
    return [
        f"line {number}: gold paper id {paper_id!r} is not in the index"
        for number, question in questions
        for paper_id in question.gold_paper_ids
        if paper_id not in known
    ]


def validate_dataset(path: Path, known_ids: Iterable[str] | None = None) -> list[str]:
    """Every problem in the file: schema, duplicates and, given the index's ids, unknown ids."""
    questions, problems = parse_lines(path)
    problems += duplicate_problems(questions)
    if known_ids is not None:
        problems += unknown_id_problems(questions, set(known_ids))
    if not questions and not problems:
        problems.append("the file holds no questions")
    return problems


def load_dataset(path: Path, known_ids: Iterable[str] | None = None) -> Dataset:
    """Load and validate; any problem fails with all of them listed, by line."""
    problems = validate_dataset(path, known_ids)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise CorpusError(str(path), None, f"{shown}. Run `paperlens eval validate {path}` for the full list")
    questions, _ = parse_lines(path)
    return Dataset(
        path=str(path),
        version=dataset_version(path.read_bytes()),
        questions=[question for _, question in questions],
    )


def indexed_paper_ids(settings: Settings) -> set[str] | None:
    """Paper ids in the built index, or None when there is no index to check against."""
    from paperlens.index.paper_index import SIDECAR, read_papers_file

    return set(read_papers_file(settings.index_path / SIDECAR)) or None
