"""`paperlens eval` through typer's CliRunner, with the fake assistant behind the seam."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from eval_fakes import QUESTIONS, eval_assistant, write_questions
from typer.testing import CliRunner

from fakes import scripted_client
from paperlens.config import Settings
from paperlens.evaluation import cli
from paperlens.evaluation.baseline import Baseline, GatedMetric, load_baseline, save_baseline

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Settings from the environment point at tmp_path; the assistant is the fake one."""
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERLENS_EVAL_DIR", str(tmp_path / "eval"))
    monkeypatch.setenv("PAPERLENS_PROMPTS_DIR", str(settings.prompts_dir))
    monkeypatch.setattr(cli, "make_assistant", lambda s: eval_assistant(s))
    (tmp_path / "eval").mkdir()
    write_questions(tmp_path / "eval" / "tune.jsonl")
    return tmp_path


def test_run_writes_the_run_directory(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["--out", str(env / "run"), "--k", "3"])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output
    summary = json.loads((env / "run" / "summary.json").read_text())
    assert summary["meta"]["k"] == 3 and summary["meta"]["counts"]["questions"] == 4
    assert (env / "run" / "report.html").is_file()


def test_default_out_is_under_eval_runs(env: Path) -> None:
    assert runner.invoke(cli.eval_app, ["--retrieval-only", "--limit", "2"]).exit_code == 0
    (run,) = (env / "eval" / "runs").iterdir()
    assert len((run / "results.jsonl").read_text().splitlines()) == 2


def test_judge_without_an_llm_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["--judge", "--out", str(env / "run")])
    assert result.exit_code == 1
    assert "--judge needs a language model" in result.output
    assert "Traceback" not in result.output


def test_judged_run_is_free_the_second_time(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, llm = scripted_client('{"verdict": "supported"}', '{"verdict": "correct"}')
    monkeypatch.setattr(cli, "make_assistant", lambda s: eval_assistant(s, llm=client))
    args = ["--judge", "--limit", "1", "--judge-cache", str(env / "cache")]
    first = runner.invoke(cli.eval_app, [*args, "--out", str(env / "one")])
    assert first.exit_code == 0, first.output
    assert llm.pending == 0 and len(llm.history) == 2
    second = runner.invoke(cli.eval_app, [*args, "--out", str(env / "two")])  # nothing queued now
    assert second.exit_code == 0, second.output
    one, two = (json.loads((env / d / "summary.json").read_text()) for d in ("one", "two"))
    assert one["judge_correctness"] == two["judge_correctness"] == 1.0
    assert one["alce_citation_recall"] == two["alce_citation_recall"] == 1.0
    assert two["meta"]["judge_stats"]["calls"] == 0 and two["meta"]["judge_stats"]["cache_hits"] == 2


def test_judge_and_retrieval_only_exclude_each_other(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["--judge", "--retrieval-only"])
    assert result.exit_code == 1 and "use one or the other" in result.output


def test_unknown_gold_ids_stop_the_run(env: Path) -> None:
    write_questions(env / "eval" / "tune.jsonl", [{**QUESTIONS[0], "gold_paper_ids": ["nope"]}])
    result = runner.invoke(cli.eval_app, [])
    assert result.exit_code == 1 and "gold paper id 'nope' is not in the index" in result.output


def test_validate_reports_problems_by_line(env: Path) -> None:
    bad = write_questions(env / "bad.jsonl", [QUESTIONS[0], QUESTIONS[0]])
    result = runner.invoke(cli.eval_app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "line 2: duplicate id 'q1' (first on line 1)" in result.output


def test_validate_ok_without_an_index(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["validate", str(env / "eval" / "tune.jsonl")])
    assert result.exit_code == 0, result.output
    assert "4 questions, no problems; gold ids not checked (no index found)" in " ".join(
        result.output.split()
    )


def test_compare_two_runs(env: Path) -> None:
    for name in ("a", "b"):
        assert runner.invoke(cli.eval_app, ["--out", str(env / name)]).exit_code == 0
    result = runner.invoke(
        cli.eval_app, ["compare", str(env / "a"), str(env / "b"), "--out", str(env / "c.md")]
    )
    assert result.exit_code == 0, result.output
    assert "95% CI" in result.output and "nDCG@10" in result.output
    assert "| nDCG@10 |" in (env / "c.md").read_text()


def test_compare_of_a_missing_run_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["compare", str(env / "x"), str(env / "y")])
    assert result.exit_code == 1 and "not found" in result.output


def test_baseline_then_gate(env: Path) -> None:
    result = runner.invoke(cli.eval_app, ["baseline"])
    assert result.exit_code == 0, result.output
    written = load_baseline(env / "eval" / "baseline.json")
    assert written.metrics["ndcg_at_10"].value > 0
    passed = runner.invoke(cli.eval_app, ["--gate", "--out", str(env / "run")])
    assert passed.exit_code == 0, passed.output
    assert "Baseline gate" in passed.output


def test_gate_fails_on_a_regression(env: Path) -> None:
    save_baseline(
        Baseline(source={}, metrics={"ndcg_at_10": GatedMetric(value=0.99, tolerance=0.01)}),
        env / "eval" / "baseline.json",
    )
    result = runner.invoke(cli.eval_app, ["--gate", "--out", str(env / "run")])
    assert result.exit_code == 1
    assert "fail" in result.output


def test_baseline_from_an_existing_run(env: Path) -> None:
    assert runner.invoke(cli.eval_app, ["--out", str(env / "run")]).exit_code == 0
    out = env / "elsewhere.json"
    result = runner.invoke(cli.eval_app, ["baseline", str(env / "run"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((env / "run" / "summary.json").read_text())["recall_at_5"] == pytest.approx(
        load_baseline(out).metrics["recall_at_5"].value
    )


def test_mounts_under_a_parent_app_like_the_main_cli(env: Path) -> None:
    parent = typer.Typer()

    @parent.command()
    def ingest() -> None:
        """A stand-in for the main CLI's other commands."""

    parent.add_typer(cli.eval_app, name="eval")
    validated = runner.invoke(parent, ["eval", "validate", str(env / "eval" / "tune.jsonl")])
    assert validated.exit_code == 0, validated.output
    ran = runner.invoke(parent, ["eval", "--retrieval-only", "--out", str(env / "run")])
    assert ran.exit_code == 0, ran.output
    assert (env / "run" / "summary.json").is_file()


def test_importing_the_cli_loads_no_heavy_modules() -> None:
    code = (
        "import sys, paperlens.evaluation.cli; "
        "print([m for m in ('numpy', 'matplotlib', 'llama_index.core') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_api_resolves() -> None:
    import paperlens.evaluation as evaluation

    assert all(getattr(evaluation, name) for name in evaluation.__all__)
    with pytest.raises(AttributeError):
        _ = evaluation.nothing_here


def test_each_gold_set_has_its_own_baseline(env: Path) -> None:
    """The report set's baseline is eval/baseline-report.json, found by --gate on that set."""
    report = write_questions(env / "eval" / "report.jsonl", QUESTIONS[:2])
    written = runner.invoke(cli.eval_app, ["baseline", "--dataset", str(report)])
    assert written.exit_code == 0, written.output
    assert (env / "eval" / "baseline-report.json").is_file() and not (env / "eval" / "baseline.json").exists()
    gated = runner.invoke(cli.eval_app, ["--dataset", str(report), "--gate", "--out", str(env / "run")])
    assert gated.exit_code == 0 and "Baseline gate" in gated.output
    from_run = runner.invoke(cli.eval_app, ["baseline", str(env / "run")])  # the run's own set
    assert from_run.exit_code == 0, from_run.output
    assert not (env / "eval" / "baseline.json").exists()
    tune = runner.invoke(cli.eval_app, ["--gate", "--out", str(env / "tune-run")])
    assert tune.exit_code == 1 and "no baseline here" in " ".join(tune.output.split())
