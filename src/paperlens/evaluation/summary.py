"""Aggregates per-question results into summary.json's flat metrics.

Layout: overall metrics at the top level under their plain names (`ndcg_at_10`), the same
metrics per question type as `<type>/<name>` (`fact/ndcg_at_10`), latency per stage as
`<stage>_p50` / `<stage>_p95` (`retrieve_ms_p50`), and one nested object, `meta`, with what
the run measured (dataset version, config hash, models, git commit, counts). Every rate is a
macro mean over the questions it applies to; undefined overall values are null, undefined
per-type values are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperlens.evaluation.catalog import ordered
from paperlens.evaluation.dataset import QUESTION_TYPES
from paperlens.evaluation.metrics.stats import mean, percentile
from paperlens.evaluation.records import QuestionResult

Flat = dict[str, float | None]


def metric_names(results: Sequence[QuestionResult]) -> list[str]:
    return ordered(sorted({name for r in results for name in r.metrics}))


def latency(results: Sequence[QuestionResult]) -> Flat:
    stages = sorted({stage for r in results for stage in r.timings})
    flat: Flat = {}
    for stage in stages:
        values = [r.timings.get(stage) for r in results]
        flat[f"{stage}_p50"] = rounded(percentile(values, 50))
        flat[f"{stage}_p95"] = rounded(percentile(values, 95))
    return flat


def aggregate(results: Sequence[QuestionResult]) -> Flat:
    """Macro means of every metric, then latency percentiles."""
    flat: Flat = {name: rounded(mean(r.metrics.get(name) for r in results)) for name in metric_names(results)}
    return flat | latency(results)


def types_in(results: Sequence[QuestionResult]) -> list[str]:
    present = {r.type for r in results}
    return [t for t in QUESTION_TYPES if t in present] + sorted(present - set(QUESTION_TYPES))


def counts(results: Sequence[QuestionResult]) -> dict[str, Any]:
    return {
        "questions": len(results),
        "errors": sum(r.error is not None for r in results),
        "by_type": {t: sum(r.type == t for r in results) for t in types_in(results)},
    }


def summarize(results: Sequence[QuestionResult], meta: dict[str, Any]) -> dict[str, Any]:
    """summary.json: flat overall and per-type metrics, plus `meta`."""
    summary: dict[str, Any] = dict(aggregate(results))
    for question_type in types_in(results):
        subset = [r for r in results if r.type == question_type]
        summary.update({f"{question_type}/{k}": v for k, v in aggregate(subset).items() if v is not None})
    summary["meta"] = {**meta, "counts": counts(results)}
    return summary


def metrics_of(summary: dict[str, Any]) -> Flat:
    """The metric part of a summary (everything but `meta`)."""
    return {k: v for k, v in summary.items() if k != "meta"}


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
