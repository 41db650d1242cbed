"""`--format` on `ask`, `summarize` and `search`: only the references, ready for a file."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest
from typer.testing import CliRunner

from paperlens.interfaces.cli import app

from .conftest import TINY_PAPERS

QUESTION = "How much faster do pruned attention head models run?"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "hash")
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_RELEVANCE", "0.2")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TINY_PAPERS)]).exit_code == 0
    return runner


def test_ask_format_bibtex_prints_only_the_references(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", QUESTION, "--format", "bibtex"])
    assert result.exit_code == 0, result.output
    entries = bibtexparser.parse_string(result.stdout).entries
    assert [e.key for e in entries] == ["author202197c498"]
    assert "Extractive answer" not in result.stdout


def test_ask_format_json_and_csl_json(runner: CliRunner) -> None:
    whole = json.loads(runner.invoke(app, ["ask", QUESTION, "--format", "json"]).stdout)
    assert whole["citations"][0]["title"] == "Pruning Attention Heads in Transformers"
    items = json.loads(runner.invoke(app, ["ask", QUESTION, "--format", "csl-json"]).stdout)
    assert [item["id"] for item in items] == ["author202197c498"]


def test_summarize_and_search_export_markdown(runner: CliRunner) -> None:
    topic = runner.invoke(app, ["summarize", "--topic", "language models", "--format", "markdown"])
    assert topic.exit_code == 0 and topic.stdout.startswith("[1] A. Author, B. Writer (")
    found = runner.invoke(app, ["search", "pruning attention heads", "--k", "2", "--format", "markdown"])
    lines = found.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("[1] ") and "Pruning Attention Heads" in lines[0]


def test_a_refusal_has_nothing_to_export(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "Who won the 1998 football world cup?", "--format", "bibtex"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "no references to export" in result.stderr
