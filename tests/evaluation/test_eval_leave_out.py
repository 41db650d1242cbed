"""`paperlens eval --leave-out`: answerable questions asked again with their gold papers hidden,
scored on refusal only, over the scripted assistant (FAKE papers and answers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_fakes import QUESTIONS, eval_assistant, make_answer, write_questions
from typer.testing import CliRunner

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.evaluation import cli
from paperlens.evaluation.dataset import Dataset, load_dataset
from paperlens.evaluation.leave_out import leave_out_questions
from paperlens.evaluation.runner import RunOptions, run_eval
from paperlens.types import Paper, SearchFilters

# FAKE: two topics with two papers each, so hiding one paper leaves a near-topic neighbour or not.
LEAVE_OUT_PAPERS = {
    pid: Paper(paper_id=pid, title=title, abstract=abstract)
    for pid, title, abstract in [
        ("a1", "Quantized Adapters", "Adapters quantized to four bits keep accuracy."),
        ("a2", "Adapter Merging", "Merging adapters trained on different tasks."),
        ("b1", "Glacier Melt Radar", "Radar soundings measure glacier melt."),
    ]
}
LEAVE_OUT_QUESTIONS = [
    # a1 hidden: a2 still shares "adapters", so the fake assistant answers from it (a wrong answer)
    {"id": "adapters", "question": "Which adapters are quantized?", "type": "fact", "answerable": True,
     "gold_paper_ids": ["a1"], "key_facts": ["four bits"]},
    # b1 hidden: nothing else mentions glaciers, so the fake assistant refuses (the right outcome)
    {"id": "glacier", "question": "How is glacier melt measured?", "type": "paraphrase", "answerable": True,
     "gold_paper_ids": ["b1"], "key_facts": ["radar"]},
    {"id": "none", "question": "What does the collection say about volcanoes?", "type": "unanswerable",
     "answerable": False},
]  # fmt: skip


@pytest.fixture
def leave_out_dataset(tmp_path: Path) -> Dataset:
    return load_dataset(write_questions(tmp_path / "q.jsonl", LEAVE_OUT_QUESTIONS))


def test_one_leave_out_question_per_answerable_question(dataset: Dataset) -> None:
    items = leave_out_questions(dataset.questions)
    answerable = [q for q in QUESTIONS if q["answerable"]]
    assert [item.id for item in items] == [f"{q['id']}~leave-out" for q in answerable]
    assert [item.filters.exclude_paper_ids for item in items] == [q["gold_paper_ids"] for q in answerable]


def test_leave_out_hides_the_gold_papers_and_scores_refusal_only(
    settings: Settings, leave_out_dataset: Dataset
) -> None:
    assistant = ScriptedAssistant(settings, papers=LEAVE_OUT_PAPERS)
    run = run_eval(assistant, leave_out_dataset, RunOptions(leave_out=True))
    results = {r.id: r for r in run.results}
    assert list(results) == ["adapters", "glacier", "none", "adapters~leave-out", "glacier~leave-out"]
    asks = [call for call in assistant.calls if call["kind"] == "ask" and call["filters"] is not None]
    assert [call["filters"].exclude_paper_ids for call in asks] == [["a1"], ["b1"]]
    wrong, right = results["adapters~leave-out"], results["glacier~leave-out"]
    assert (wrong.refused, right.refused) == (False, True)
    assert wrong.metrics == {"leave_out_refusal_recall": 0.0}  # no retrieval, citation or fact metrics
    assert right.metrics == {"leave_out_refusal_recall": 1.0}
    assert wrong.type == right.type == "leave_out" and wrong.hidden_paper_ids == ["a1"]
    assert wrong.context_ids == ["a2"] and wrong.error is None
    summary = run.summary
    assert summary["leave_out_refusal_recall"] == 0.5
    assert summary["leave_out/leave_out_refusal_recall"] == 0.5
    assert summary["meta"]["counts"]["by_type"]["leave_out"] == 2


def test_the_datasets_own_metrics_do_not_change(settings: Settings, leave_out_dataset: Dataset) -> None:
    plain = run_eval(ScriptedAssistant(settings, papers=LEAVE_OUT_PAPERS), leave_out_dataset, RunOptions())
    both = run_eval(
        ScriptedAssistant(settings, papers=LEAVE_OUT_PAPERS), leave_out_dataset, RunOptions(leave_out=True)
    )
    for name, value in plain.summary.items():
        if name != "meta" and not name.endswith(("_p50", "_p95")):
            assert both.summary[name] == value, name
    assert "leave_out_refusal_recall" not in plain.summary


def test_a_hidden_paper_that_comes_back_is_an_error_and_not_a_refusal(
    settings: Settings, dataset: Dataset
) -> None:
    q1 = str(QUESTIONS[0]["question"])
    # This scripted answer ignores the filter and cites the gold paper p1 anyway.
    leaky = make_answer(q1, sources=["p1"], sentences=[("It is 77.33% [1].", [1], True)], retrieved=["p1"])
    assistant = eval_assistant(settings, answers={q1: leaky}, rankings={})
    one = dataset.model_copy(update={"questions": dataset.questions[:1]})
    run = run_eval(assistant, one, RunOptions(leave_out=True))
    item = {r.id: r for r in run.results}["q1~leave-out"]
    assert item.error == "hidden papers came back in the answer: p1"
    assert item.metrics == {"leave_out_refusal_recall": 0.0}
    assert run.summary["meta"]["counts"]["errors"] == 1


def test_fixed_rankings_of_the_fake_still_honour_filters(settings: Settings) -> None:
    question = QUESTIONS[1]["question"]  # scripted ranking: x1, p2, x2, p4, p3
    hits = eval_assistant(settings).search(
        question, k=10, filters=SearchFilters(exclude_paper_ids=["p2", "p3"])
    )
    assert [hit.paper_id for hit in hits] == ["x1", "x2", "p4"]


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERLENS_EVAL_DIR", str(tmp_path / "eval"))
    monkeypatch.setenv("PAPERLENS_PROMPTS_DIR", str(settings.prompts_dir))
    monkeypatch.setattr(cli, "make_assistant", lambda s: ScriptedAssistant(s, papers=LEAVE_OUT_PAPERS))
    (tmp_path / "eval").mkdir()
    write_questions(tmp_path / "eval" / "tune.jsonl", LEAVE_OUT_QUESTIONS)
    return tmp_path


def test_cli_leave_out_prints_its_refusal_recall(env: Path) -> None:
    result = CliRunner().invoke(cli.eval_app, ["--leave-out", "--out", str(env / "run")])
    assert result.exit_code == 0, result.output
    assert "leave-out refusal recall" in result.output
    summary = json.loads((env / "run" / "summary.json").read_text())
    assert summary["leave_out_refusal_recall"] == 0.5 and summary["meta"]["options"]["leave_out"] is True
    assert summary["meta"]["counts"]["questions"] == 5


def test_cli_leave_out_needs_answers(env: Path) -> None:
    result = CliRunner().invoke(cli.eval_app, ["--leave-out", "--retrieval-only"])
    assert result.exit_code == 1 and "--leave-out scores refusals" in result.output
    assert "Traceback" not in result.output


def test_baseline_from_a_leave_out_run_gates_it(env: Path) -> None:
    out = env / "eval" / "baseline-leave-out.json"
    result = CliRunner().invoke(cli.eval_app, ["baseline", "--leave-out", "--out", str(out)])
    assert result.exit_code == 0, result.output
    gated = json.loads(out.read_text())["metrics"]
    assert gated["leave_out_refusal_recall"]["value"] == 0.5
    gate = CliRunner().invoke(
        cli.eval_app, ["--leave-out", "--gate", "--baseline", str(out), "--out", str(env / "r")]
    )
    assert gate.exit_code == 0, gate.output
    without = CliRunner().invoke(cli.eval_app, ["--gate", "--baseline", str(out), "--out", str(env / "s")])
    assert without.exit_code == 1 and "not measured" in without.output
