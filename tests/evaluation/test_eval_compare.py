"""`eval compare`: paired bootstrap deltas, deterministic under a seed."""

from __future__ import annotations

import numpy as np
import pytest

from paperlens.evaluation.compare import bootstrap_delta, compare_runs, mean_statistic, render_comparison
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.runner import EvalRun


def make_run(values: list[float], ids: list[str] | None = None, version: str = "v1") -> EvalRun:
    ids = ids or [f"q{i}" for i in range(len(values))]
    results = [
        QuestionResult(
            id=qid,
            question=f"question {qid}",
            type="fact",
            answerable=True,
            metrics={"ndcg_at_10": v, "false_refusal_rate": 0.0},
            timings={"total_ms": 100 * v},
        )
        for qid, v in zip(ids, values, strict=True)
    ]
    return EvalRun(results, {"meta": {"dataset_version": version, "corpus_version": "c"}})


def test_bootstrap_is_deterministic_and_brackets_the_delta() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(60)
    b = a + 0.1 + rng.normal(0, 0.01, 60)
    first = bootstrap_delta(a, b, mean_statistic, 1000, seed=0)
    assert first == bootstrap_delta(a, b, mean_statistic, 1000, seed=0)
    delta, low, high = first
    assert delta == pytest.approx(float(np.mean(b - a)))
    assert low < delta < high and low > 0.09 and high < 0.11


def test_identical_runs_have_a_zero_interval() -> None:
    run = make_run([0.2, 0.5, 0.9])
    (delta,) = [d for d in compare_runs(run, run).deltas if d.metric == "ndcg_at_10"]
    assert (delta.delta, delta.low, delta.high, delta.verdict) == (0.0, 0.0, 0.0, "same")


def test_clear_improvement_and_regression() -> None:
    a = make_run([0.1 * (i % 5) for i in range(50)])
    b = make_run([0.1 * (i % 5) + 0.2 for i in range(50)])
    better = {d.metric: d for d in compare_runs(a, b).deltas}["ndcg_at_10"]
    assert better.delta == pytest.approx(0.2) and better.verdict == "better" and better.pairs == 50
    worse = {d.metric: d for d in compare_runs(b, a).deltas}["ndcg_at_10"]
    assert worse.verdict == "worse"


def test_lower_is_better_metrics_flip_the_verdict() -> None:
    a, b = make_run([0.5] * 30), make_run([0.5] * 30)
    for result in b.results:
        result.timings["total_ms"] = 10.0  # faster
    deltas = {d.metric: d for d in compare_runs(a, b).deltas}
    assert deltas["total_ms_p50"].delta == -40.0 and deltas["total_ms_p50"].verdict == "better"


def test_noisy_small_difference_is_not_significant() -> None:
    rng = np.random.default_rng(3)
    values = rng.random(40).tolist()
    shuffled = rng.permutation(values).tolist()
    delta = {d.metric: d for d in compare_runs(make_run(values), make_run(shuffled)).deltas}["ndcg_at_10"]
    assert delta.low < 0 < delta.high and delta.verdict == "same"


def test_pairs_by_question_id_and_warns_about_differences() -> None:
    a = make_run([0.0, 1.0, 0.5], ["q1", "q2", "q3"])
    b = make_run([1.0, 0.0, 0.5], ["q2", "q1", "q9"], version="v2")
    comparison = compare_runs(a, b)
    ndcg = {d.metric: d for d in comparison.deltas}["ndcg_at_10"]
    assert ndcg.pairs == 2 and ndcg.delta == 0.0  # q1 and q2 paired by id, not by position
    assert any("dataset version differs" in w for w in comparison.warnings)
    assert any("2 questions in both runs" in w for w in comparison.warnings)


def test_type_filter_and_markdown() -> None:
    a, b = make_run([0.1, 0.2]), make_run([0.3, 0.4])
    assert compare_runs(a, b, question_type="multi").deltas == []
    text = render_comparison(compare_runs(a, b, resamples=200, seed=7), "runA", "runB")
    assert "| nDCG@10 | 0.150 | 0.350 | +0.200 |" in text and "seed 7" in text
