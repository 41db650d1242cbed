"""The gate: a run fails when a gated metric falls below baseline minus tolerance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperlens.errors import CorpusError
from paperlens.evaluation.baseline import (
    DEFAULT_GATED,
    Baseline,
    GatedMetric,
    baseline_path,
    check_gate,
    load_baseline,
    make_baseline,
    save_baseline,
)

ROOT = Path(__file__).resolve().parents[2]


def baseline(**metrics: GatedMetric) -> Baseline:
    return Baseline(source={"dataset_version": "v1", "answer_mode": "extractive"}, metrics=metrics)


GATE = baseline(
    ndcg_at_10=GatedMetric(value=0.70, tolerance=0.02),
    false_refusal_rate=GatedMetric(value=0.10, tolerance=0.03, higher_is_better=False),
)


def summary(**values: float | None) -> dict[str, object]:
    return {**values, "meta": {"dataset_version": "v1", "answer_mode": "extractive"}}


def test_within_tolerance_passes() -> None:
    report = check_gate(summary(ndcg_at_10=0.68, false_refusal_rate=0.13), GATE)
    assert report.passed and report.warnings == []


def test_drop_beyond_tolerance_fails() -> None:
    report = check_gate(summary(ndcg_at_10=0.6799, false_refusal_rate=0.10), GATE)
    assert not report.passed
    assert [(r.metric, r.status) for r in report.failures] == [("ndcg_at_10", "fail")]
    assert report.failures[0].limit == pytest.approx(0.68)


def test_lower_is_better_fails_when_it_rises() -> None:
    report = check_gate(summary(ndcg_at_10=0.9, false_refusal_rate=0.1301), GATE)
    assert [r.metric for r in report.failures] == ["false_refusal_rate"]


def test_a_metric_that_was_not_measured_fails() -> None:
    report = check_gate(summary(ndcg_at_10=None, false_refusal_rate=0.0), GATE)
    assert [(r.metric, r.status) for r in report.failures] == [("ndcg_at_10", "missing")]


def test_differences_in_what_was_measured_are_noted() -> None:
    run = {
        "ndcg_at_10": 0.7,
        "false_refusal_rate": 0.1,
        "meta": {"dataset_version": "v2", "answer_mode": "x"},
    }
    report = check_gate(run, GATE)
    assert report.passed and len(report.warnings) == 2


def test_new_baseline_keeps_gated_set_and_tolerances() -> None:
    new, skipped = make_baseline(summary(ndcg_at_10=0.75, false_refusal_rate=0.05, recall_at_5=0.9), GATE)
    assert set(new.metrics) == {"ndcg_at_10", "false_refusal_rate"}
    assert new.metrics["ndcg_at_10"] == GatedMetric(value=0.75, tolerance=0.02)
    assert new.metrics["false_refusal_rate"].higher_is_better is False
    assert new.source["dataset_version"] == "v1" and skipped == []


def test_first_baseline_uses_default_gates_and_skips_unmeasured() -> None:
    new, skipped = make_baseline(summary(ndcg_at_10=0.75))
    assert list(new.metrics) == ["ndcg_at_10"]
    assert new.metrics["ndcg_at_10"].tolerance == DEFAULT_GATED["ndcg_at_10"]
    assert len(skipped) == len(DEFAULT_GATED) - 1


def test_save_and_load(tmp_path: Path) -> None:
    save_baseline(GATE, tmp_path / "b.json")
    assert load_baseline(tmp_path / "b.json") == GATE
    with pytest.raises(CorpusError, match="paperlens eval baseline"):
        load_baseline(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text(json.dumps({"metrics": {"x": {"value": "high"}}}))
    with pytest.raises(CorpusError, match="not a baseline file"):
        load_baseline(tmp_path / "bad.json")


def test_committed_baseline_is_valid_and_gates_the_defaults() -> None:
    committed = load_baseline(ROOT / "eval" / "baseline.json")
    assert set(committed.metrics) <= set(DEFAULT_GATED)
    assert {"recall_at_10", "ndcg_at_10", "citation_validity", "key_fact_recall"} <= set(committed.metrics)
    assert all(0 < m.tolerance <= 0.05 for m in committed.metrics.values())


def test_baseline_path_per_gold_set(tmp_path: Path) -> None:
    assert baseline_path(tmp_path, Path("eval/tune.jsonl")) == tmp_path / "baseline.json"
    assert baseline_path(tmp_path, Path("eval/report.jsonl")) == tmp_path / "baseline-report.json"
    assert baseline_path(tmp_path, Path("/data/mine.jsonl")) == tmp_path / "baseline-mine.json"
