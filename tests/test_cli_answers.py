"""`paperlens ask`, `chat` and `summarize` through typer's runner, on the tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperlens.interfaces.cli import app

TINY = Path(__file__).parent / "data" / "tiny_papers.jsonl"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "hash")
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_RELEVANCE", "0.2")
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_SENTENCE_SCORE", "0.2")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TINY)]).exit_code == 0
    return runner


def test_ask_json_is_the_answer(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "How much faster do pruned attention head models run?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"answer", "citations", "refused", "mode", "references", "sentences"} <= set(data)
    assert data["mode"] == "extractive" and not data["refused"]
    assert {"n", "paper_id", "title"} <= set(data["citations"][0])


def test_ask_prints_references_and_the_mode(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "Which papers compress language models?"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Extractive mode") == 1 and "References" in result.stdout
    assert "[1] " in result.stdout and "Extractive answer:" not in result.stdout, "the banner, not the notice"


def test_bad_question_is_a_message_not_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "   "])
    assert result.exit_code == 1
    assert "question is empty" in result.output and "Traceback" not in result.output


def test_summarize_paper_and_topic(runner: CliRunner) -> None:
    papers = json.loads(runner.invoke(app, ["papers", "--json"]).stdout)
    paper_id = next(p["paper_id"] for p in papers if p["title"].startswith("Quantization"))
    result = runner.invoke(app, ["summarize", paper_id, "--json"])
    data = json.loads(result.stdout)
    assert [c["paper_id"] for c in data["citations"]] == [paper_id] and "### " in data["answer"]
    topic = runner.invoke(app, ["summarize", "--topic", "language models"])
    assert topic.exit_code == 0 and "References" in topic.stdout
    assert "### " not in topic.stdout and "**" not in topic.stdout, "Markdown is rendered, not printed"
    both = runner.invoke(app, ["summarize", paper_id, "--topic", "x"])
    assert both.exit_code == 1 and "either" in both.output


def test_chat_keeps_the_conversation_and_survives_a_bad_question(runner: CliRunner) -> None:
    session = "Which papers compress language models?\n\x01bad\nwhat about the second one?\n/clear\n/quit\n"
    result = runner.invoke(app, ["chat"], input=session)
    assert result.exit_code == 0, result.output
    assert result.output.count("References") == 2
    assert "control characters" in result.output
    assert "Conversation cleared" in result.output


def test_chat_shows_how_a_follow_up_was_understood(runner: CliRunner) -> None:
    session = "Which papers compress language models?\nWhich of them has code?\nWhat is Mixtral?\n/quit\n"
    result = runner.invoke(app, ["chat"], input=session)
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    assert shown.count("Understood as: ") == 1  # the follow-up only; new questions are as typed
    assert "Understood as: Which of " in shown and "has code?" in shown
    assert "code at https://github.com/example/" in shown


def test_ask_json_has_the_question_each_sentence_answers(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "How much faster do pruned attention head models run?", "--json"])
    data = json.loads(result.stdout)
    assert data["standalone_question"] == data["question"]
    assert all(s["question"] == data["question"] and s["answers"] is not None for s in data["sentences"])
