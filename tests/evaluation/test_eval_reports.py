"""The run directory: every file written, parseable, and the HTML self-contained and escaped."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from eval_fakes import eval_assistant, make_answer, scripted_answers

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.errors import CorpusError
from paperlens.evaluation.dataset import Dataset
from paperlens.evaluation.ranking import quality, worst
from paperlens.evaluation.runner import EvalRun, RunOptions, run_eval
from paperlens.evaluation.writers import read_run, write_run

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=y>'


@pytest.fixture
def run(settings: Settings, dataset: Dataset) -> EvalRun:
    answers = scripted_answers()
    q1 = dataset.questions[0].question
    answers[q1] = make_answer(
        q1, sources=["p1"], sentences=[(f"{HOSTILE} 77.33% [1].", [1], True)], retrieved=["p1"]
    )
    return run_eval(eval_assistant(settings, answers=answers), dataset, RunOptions())


def test_all_files_are_written_and_parse(run: EvalRun, tmp_path: Path) -> None:
    paths = write_run(run, tmp_path / "run")
    assert sorted(p.name for p in paths.values()) == [
        "report.html",
        "results.jsonl",
        "summary.json",
        "summary.md",
    ]
    lines = paths["results.jsonl"].read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2", "q3", "q4"]
    assert json.loads(paths["summary.json"].read_text())["ndcg_at_10"] == run.summary["ndcg_at_10"]


def test_read_run_round_trips(run: EvalRun, tmp_path: Path) -> None:
    write_run(run, tmp_path)
    again = read_run(tmp_path)
    assert again.results == run.results and again.summary == run.summary


def test_read_run_names_what_is_wrong(tmp_path: Path, run: EvalRun) -> None:
    with pytest.raises(CorpusError, match=r"results\.jsonl: not found"):
        read_run(tmp_path)
    write_run(run, tmp_path)
    (tmp_path / "results.jsonl").write_text('{"id": "q1"}\n')
    with pytest.raises(CorpusError, match="line 1: not a result record"):
        read_run(tmp_path)


def test_summary_md_has_overall_by_type_latency_and_worst(run: EvalRun, tmp_path: Path) -> None:
    text = write_run(run, tmp_path)["summary.md"].read_text()
    for heading in ("## Overall", "## By question type", "## Latency", "## Worst"):
        assert heading in text
    assert "| Retrieval | nDCG@10 |" in text and "fact (1)" in text
    assert f"`{run.summary['meta']['dataset_version']}`" in text


def test_html_is_self_contained_with_inline_plots(run: EvalRun, tmp_path: Path) -> None:
    html = write_run(run, tmp_path)["report.html"].read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4  # recall@k, per type, distributions, latency
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert "<script" not in html.replace("&lt;script", "")
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html


def test_html_escapes_answer_and_title_text(run: EvalRun, tmp_path: Path) -> None:
    html = write_run(run, tmp_path)["report.html"].read_text()
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt;" in html
    assert "Sparse Attention &lt;b&gt;Kernels&lt;/b&gt;" in html  # a paper title with markup
    assert "<b>Kernels</b>" not in html


def test_worst_questions_come_first(run: EvalRun) -> None:
    ordered = worst(run.results, 4)
    assert [quality(r) for r in ordered] == sorted(quality(r) for r in ordered)
    assert ordered[0].id == "q2"


def test_reports_cope_with_a_retrieval_only_run(
    fake_assistant: ScriptedAssistant, dataset: Dataset, tmp_path: Path
) -> None:
    run = run_eval(fake_assistant, dataset, RunOptions(retrieval_only=True))
    paths = write_run(run, tmp_path)
    assert "retrieval only" in paths["summary.md"].read_text()
    assert "data:image/png" in paths["report.html"].read_text()
