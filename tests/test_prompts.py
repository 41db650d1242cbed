"""Prompt files are checked for their variables when they load."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperlens.answering.engine import ANSWER_PROMPTS
from paperlens.errors import PromptError
from paperlens.prompts import PromptLibrary

SHIPPED = Path(__file__).resolve().parents[1] / "prompts"


def test_shipped_prompts_load_and_render() -> None:
    library = PromptLibrary.load(SHIPPED, ANSWER_PROMPTS)
    text = library.render("answer", question="Q?", sources='<source n="1">x</source>', cannot_answer="NO.")
    assert "Q?" in text and "NO." in text and "{" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Answer {question}", r"lacks the variable\(s\) sources"),
        ("Answer {question} {sources} {extra}", r"unknown variable\(s\) extra"),
        ("Answer {question} {sources} {", "malformed"),
    ],
)
def test_broken_prompt_fails_at_load_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "answer.md").write_text(content, encoding="utf-8")
    with pytest.raises(PromptError, match=message) as error:
        PromptLibrary.load(tmp_path, {"answer": {"question", "sources"}})
    assert str(tmp_path / "answer.md") in str(error.value)


def test_missing_prompt_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"answer\.md is missing"):
        PromptLibrary.load(tmp_path, {"answer": set()})


def test_literal_braces_survive(tmp_path: Path) -> None:
    (tmp_path / "judge.md").write_text('Reply as JSON: {{"ok": true}} about {x}', encoding="utf-8")
    assert (
        PromptLibrary.load(tmp_path, {"judge": {"x"}}).render("judge", x="it")
        == 'Reply as JSON: {"ok": true} about it'
    )
