"""Dataset schema, loading and validation: every problem found, each named by its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_fakes import QUESTIONS, write_questions

from paperlens.errors import CorpusError
from paperlens.evaluation.dataset import load_dataset, validate_dataset

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_gold_questions_are_valid() -> None:
    assert validate_dataset(ROOT / "eval" / "tune.jsonl") == []
    dataset = load_dataset(ROOT / "eval" / "tune.jsonl")
    assert len(dataset.questions) == 111
    assert {q.type for q in dataset.questions} == {"paraphrase", "fact", "multi", "summary", "unanswerable"}


def test_load_gives_questions_and_a_content_version(questions_file: Path) -> None:
    dataset = load_dataset(questions_file)
    assert [q.id for q in dataset.questions] == ["q1", "q2", "q3", "q4"]
    assert len(dataset.version) == 12
    questions_file.write_text(questions_file.read_text() + "\n", encoding="utf-8")
    assert load_dataset(questions_file).version != dataset.version


def test_schema_problems_name_their_lines(tmp_path: Path) -> None:
    rows = [
        QUESTIONS[0],
        {**QUESTIONS[1], "type": "trivia"},
        {**QUESTIONS[2], "answerable": True},
        {key: value for key, value in QUESTIONS[3].items() if key != "question"},
        {**QUESTIONS[0], "id": "q9", "question": "Another?", "extra": 1},
    ]
    path = write_questions(tmp_path / "bad.jsonl", rows)
    with path.open("a") as stream:
        stream.write("{not json\n")
    problems = validate_dataset(path)
    assert any(p.startswith("line 2: type:") for p in problems)
    assert any(p.startswith("line 3:") and "unanswerable" in p for p in problems)
    assert any(p.startswith("line 4: question:") for p in problems)
    assert any(p.startswith("line 5: extra:") for p in problems)
    assert any(p.startswith("line 6: not valid JSON") for p in problems)
    assert not any(p.startswith("line 1:") for p in problems)


def test_duplicate_ids_and_questions(tmp_path: Path) -> None:
    rows = [*QUESTIONS, {**QUESTIONS[0], "question": "Something new?"}, {**QUESTIONS[1], "id": "q7"}]
    rows[-1]["question"] = rows[1]["question"].upper()  # same words, different case
    problems = validate_dataset(write_questions(tmp_path / "dup.jsonl", rows))
    assert "line 5: duplicate id 'q1' (first on line 1)" in problems
    assert "line 6: duplicate question (same as line 2)" in problems


def test_gold_ids_are_checked_against_the_index(questions_file: Path) -> None:
    problems = validate_dataset(questions_file, known_ids={"p1", "p2", "p4"})
    assert problems == ["line 2: gold paper id 'p3' is not in the index"]


def test_answerable_question_needs_gold_papers(tmp_path: Path) -> None:
    path = write_questions(tmp_path / "q.jsonl", [{**QUESTIONS[0], "gold_paper_ids": []}])
    assert validate_dataset(path) == ["line 1: an answerable question needs at least one gold_paper_id"]


def test_load_fails_with_all_problems_listed(tmp_path: Path) -> None:
    path = write_questions(tmp_path / "bad.jsonl", [{**QUESTIONS[0], "type": "x"}, {"id": "q2"}])
    with pytest.raises(CorpusError, match=r"bad\.jsonl.*line 1: type.*line 2"):
        load_dataset(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        validate_dataset(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    assert validate_dataset(tmp_path / "empty.jsonl") == ["the file holds no questions"]


def test_blank_lines_are_skipped_but_line_numbers_kept(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n" + json.dumps(QUESTIONS[0]) + "\n\n" + json.dumps({**QUESTIONS[1], "type": "?"}) + "\n"
    )
    assert validate_dataset(path)[0].startswith("line 4: type:")
