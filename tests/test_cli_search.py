"""The `paperlens` command for ingest, papers, show and search, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from paperlens.index.corpus import make_paper_id
from paperlens.interfaces.cli import app

TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
PRUNING = make_paper_id("Pruning Attention Heads in Transformers")
QUANT = make_paper_id("Quantization of Large Language Models to 4 Bits")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose paperlens reads settings from the environment, over a temporary data dir."""
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "hash")
    return CliRunner()


@pytest.fixture
def ingested(runner: CliRunner) -> CliRunner:
    result = runner.invoke(app, ["ingest", str(TINY_PAPERS)])
    assert result.exit_code == 0, result.output
    return runner


def flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


def json_of(result) -> object:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_reports_counts_and_is_idempotent(runner: CliRunner, tmp_path: Path) -> None:
    first = runner.invoke(app, ["ingest", str(TINY_PAPERS)])
    assert first.exit_code == 0, first.output
    assert "Indexed 10 papers (10 chunks)" in flat(first.stdout) and "10 added" in flat(first.stdout)
    assert (tmp_path / "data" / "index" / "sidecar" / "manifest.json").exists()
    again = runner.invoke(app, ["ingest", str(TINY_PAPERS)])
    assert "0 added, 0 updated, 0 removed, 10 unchanged; 0 chunks embedded" in flat(again.stdout)


def test_ingest_reads_the_default_papers_dir(runner: CliRunner, tmp_path: Path) -> None:
    papers = tmp_path / "data" / "papers"
    papers.mkdir(parents=True)
    (papers / "tiny.jsonl").write_text(TINY_PAPERS.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "Indexed 10 papers" in flat(result.stdout)


def test_ingest_of_a_bad_file_is_one_line_and_exit_code_1(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "T", "abstract": ""}\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl, line 1: empty or missing abstract" in flat(result.output)
    assert "Traceback" not in result.output


def test_papers_json_lists_every_paper(ingested: CliRunner) -> None:
    papers = json_of(ingested.invoke(app, ["papers", "--json"]))
    assert isinstance(papers, list) and len(papers) == 10
    assert {"paper_id", "title", "abstract", "sources", "code_urls", "year"} <= set(papers[0])
    by_id = {p["paper_id"]: p for p in papers}
    assert by_id[PRUNING]["title"] == "Pruning Attention Heads in Transformers"
    assert by_id[PRUNING]["sources"] == ["tiny_papers.jsonl"]


def test_papers_table_shows_titles(ingested: CliRunner) -> None:
    result = ingested.invoke(app, ["papers"])
    assert result.exit_code == 0 and PRUNING in result.stdout


def test_show_json_gives_one_paper(ingested: CliRunner) -> None:
    paper = json_of(ingested.invoke(app, ["show", QUANT, "--json"]))
    assert paper["paper_id"] == QUANT
    assert paper["year"] == 2023 and paper["categories"] == ["cs.CL"]
    assert paper["code_urls"] == ["https://github.com/example/quant4"]


def test_show_text_and_unknown_id(ingested: CliRunner) -> None:
    shown = ingested.invoke(app, ["show", QUANT])
    assert shown.exit_code == 0 and "Quantization of Large Language Models" in shown.stdout
    missing = ingested.invoke(app, ["show", "feedfacecafe"])
    assert missing.exit_code == 1
    assert "feedfacecafe" in missing.output and "paperlens papers" in missing.output
    assert "Traceback" not in missing.output


@pytest.mark.parametrize("mode", ["bm25", "hybrid", "dense"])
def test_search_json_ranks_papers_best_first(ingested: CliRunner, mode: str) -> None:
    hits = json_of(ingested.invoke(app, ["search", "pruning attention heads", "--json", "--mode", mode]))
    assert isinstance(hits, list) and hits
    assert {"rank", "paper_id", "title", "snippet", "relative_score", "score", "passages"} <= set(hits[0])
    assert hits[0]["relative_score"] == 1.0 and "pruning" in hits[0]["snippet"].lower()
    assert hits[0]["paper_id"] == PRUNING
    assert hits[0]["title"] == "Pruning Attention Heads in Transformers"
    assert all(isinstance(p, str) and p for p in hits[0]["passages"])
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert len(hits) <= 5  # the default k


def test_search_options_k_and_filters(ingested: CliRunner) -> None:
    hits = json_of(ingested.invoke(app, ["search", "language models", "--json", "--k", "2"]))
    assert len(hits) == 2
    with_code = json_of(ingested.invoke(app, ["search", "language models", "--json", "--has-code"]))
    assert {hit["paper_id"] for hit in with_code} <= {PRUNING, QUANT}
    cv = json_of(ingested.invoke(app, ["search", "models", "--json", "--category", "cs.CV", "--k", "10"]))
    assert len(cv) == 2
    recent = json_of(ingested.invoke(app, ["search", "models", "--json", "--year-min", "2023", "--k", "10"]))
    assert len(recent) == 2
    elsewhere = ingested.invoke(app, ["search", "models", "--json", "--source", "other.txt"])
    assert elsewhere.exit_code == 1 and elsewhere.stdout == ""
    assert "--source cannot be used: no listing file is named other.txt" in flat(elsewhere.output)


def test_search_table_and_no_match(ingested: CliRunner) -> None:
    table = ingested.invoke(app, ["search", "pruning", "--mode", "bm25"])
    assert table.exit_code == 0 and PRUNING in table.stdout
    nothing = ingested.invoke(app, ["search", "zzqx", "--mode", "bm25"])
    assert nothing.exit_code == 0 and "No papers match" in nothing.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["search", "pruning", "--json", "--mode", "bm25"],
        ["search", "pruning", "--json", "--mode", "hybrid"],
        ["papers", "--json"],
        ["show", PRUNING],
    ],
)
def test_missing_index_is_a_message_not_a_traceback(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "paperlens ingest" in flat(result.output)
    assert "Traceback" not in result.output
    assert result.stdout == ""  # nothing half-printed where JSON is expected


def test_model_mismatch_is_a_message(ingested: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "sentence-transformers")
    monkeypatch.setenv("PAPERLENS_EMBEDDING_MODEL", "/nowhere/model")
    result = ingested.invoke(app, ["search", "pruning", "--mode", "bm25"])
    assert result.exit_code == 1
    assert "--rebuild" in result.output and "Traceback" not in result.output


def test_invalid_setting_is_a_message(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_RETRIEVAL_MODE", "telepathy")
    result = runner.invoke(app, ["papers"])
    assert result.exit_code == 1
    assert "retrieval" in result.output and "PAPERLENS_" in result.output


def command_names() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_foundation_commands_exist() -> None:
    assert {"ingest", "papers", "show", "search"} <= set(command_names())


@pytest.mark.parametrize("command", [[], *[[name] for name in command_names()]])
def test_help_works_for_every_command(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
