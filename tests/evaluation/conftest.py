"""Fixtures of the eval tests: the four-question dataset and a fake assistant over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_fakes import eval_assistant, write_questions

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.evaluation.dataset import Dataset, load_dataset


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    return write_questions(tmp_path / "questions.jsonl")


@pytest.fixture
def dataset(questions_file: Path) -> Dataset:
    return load_dataset(questions_file)


@pytest.fixture
def fake_assistant(settings: Settings) -> ScriptedAssistant:
    return eval_assistant(settings)
