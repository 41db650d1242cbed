"""Hostile papers files (issue 15, defects 4 and 7): one enormous record, records that collide.
Ingest stays bounded, keeps one paper per title and per arXiv id, and says what it changed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paperlens.interfaces.cli import app

from .conftest import TINY_PAPERS

pytestmark = pytest.mark.timeout(300)  # without the cap, the 50 MB record takes many minutes

HUGE_CHARS = 50 * 1024 * 1024
DEFAULT_CAP = 20_000  # ingest.max_record_chars
LONGEST_TITLE = 1_000  # corpus.LONGEST_TITLE


def write_jsonl(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def ingest(*arguments: str) -> Any:
    return CliRunner().invoke(app, ["ingest", *arguments])


@pytest.fixture
def papers(tmp_path: Path, cli_env: Callable[..., None]) -> Path:
    cli_env()
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(TINY_PAPERS, folder / "tiny.jsonl")
    return folder


def test_a_50_mb_abstract_is_capped_and_reported(papers: Path) -> None:
    sentence = "Sparse attention makes long sequences cheaper to model. "
    abstract = sentence * (HUGE_CHARS // len(sentence))
    size = len(abstract)
    write_jsonl(papers / "huge.jsonl", {"title": "An Enormous Abstract", "abstract": abstract})
    del abstract
    result = ingest(str(papers), "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Reading papers from")  # progress before the slow part
    report = json.loads(result.stdout)
    assert report["papers"] == 11 and report["chunks"] < 100
    (note,) = report["notes"]
    assert note["kind"] == "capped" and note["where"] == "huge.jsonl, line 1"
    assert note["detail"].startswith(f"abstract cut from {size:,} to ")
    assert note["detail"].endswith(f"characters (ingest.max_record_chars is {DEFAULT_CAP:,})")
    listed = json.loads(CliRunner().invoke(app, ["papers", "--json"]).stdout)
    (huge,) = [paper for paper in listed if paper["title"] == "An Enormous Abstract"]
    assert 0.9 * DEFAULT_CAP < len(huge["abstract"]) <= DEFAULT_CAP
    summary = " ".join(ingest(str(papers)).stdout.split())
    assert "1 record(s) capped, 0 skipped, 0 duplicate(s) left out: huge.jsonl, line 1" in summary


def test_the_cap_is_a_setting(papers: Path, cli_env: Callable[..., None]) -> None:
    cli_env(ingest_max_record_chars="1000")
    write_jsonl(papers / "long.jsonl", {"title": "Long", "abstract": "word " * 1000})
    report = json.loads(ingest(str(papers), "--json").stdout)
    assert [note["kind"] for note in report["notes"]] == ["capped"]
    assert "(ingest.max_record_chars is 1,000)" in report["notes"][0]["detail"]


def test_a_title_too_long_to_be_one_skips_the_record(papers: Path) -> None:
    write_jsonl(papers / "odd.jsonl", {"title": "x " * LONGEST_TITLE, "abstract": "Some abstract."})
    result = ingest(str(papers))
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Indexed 10 papers" in said and "0 record(s) capped, 1 skipped" in said
    assert "odd.jsonl, line 1" in said and "is the abstract in the title field?" in said


def test_duplicates_are_reported_and_an_arxiv_id_is_one_paper(papers: Path) -> None:
    write_jsonl(
        papers / "a.jsonl",
        {"title": "Sparse Experts", "abstract": "First abstract.", "arxiv_id": "2401.00001"},
        {"title": "Dense Baselines", "abstract": "Kept as it is."},
    )
    write_jsonl(
        papers / "b.jsonl",
        {"title": "Sparse experts!", "abstract": "A different abstract."},  # same title, normalized
        {"title": "Sparse Experts, Revised", "abstract": "Revised.", "arxiv_id": "arXiv:2401.00001v2"},
        {"title": "Dense Baselines", "abstract": "Kept as it is."},  # a plain repeat: not a note
    )
    result = ingest(str(papers), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["papers"] == 12
    notes = {note["kind"]: note for note in report["notes"]}
    assert set(notes) == {"same_title_other_abstract", "same_arxiv_id"} and len(report["notes"]) == 2
    assert notes["same_title_other_abstract"]["where"] == "b.jsonl, line 1"
    assert "same title as a.jsonl, line 1" in notes["same_title_other_abstract"]["detail"]
    assert notes["same_arxiv_id"]["where"] == "b.jsonl, line 2"
    same_id = notes["same_arxiv_id"]["detail"]
    assert "same arXiv id 2401.00001 as 'Sparse Experts' (a.jsonl, line 1)" in same_id
    listed = json.loads(CliRunner().invoke(app, ["papers", "--json"]).stdout)
    sparse = [paper for paper in listed if paper["title"].lower().startswith("sparse experts")]
    assert [(paper["abstract"], paper["sources"]) for paper in sparse] == [
        ("First abstract.", ["a.jsonl", "b.jsonl"])
    ]
    text = " ".join(ingest(str(papers)).stdout.split())
    assert "0 record(s) capped, 0 skipped, 2 duplicate(s) left out:" in text
