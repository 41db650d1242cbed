"""Compares two runs question by question, with paired bootstrap confidence intervals.

Pairing matters: both runs answered the same questions, so resampling questions (not each
run's values separately) cancels question difficulty and gives much tighter intervals. The
resampling is seeded: the same two runs always give the same intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from paperlens.evaluation.catalog import info, ordered
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.runner import EvalRun

Statistic = Callable[[np.ndarray], np.ndarray]  # reduces axis -1
Extract = Callable[[QuestionResult], float | None]


@dataclass(frozen=True)
class Delta:
    metric: str
    a: float
    b: float
    delta: float
    low: float
    high: float
    pairs: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def verdict(self) -> str:
        """'better' or 'worse' when the interval excludes 0, else 'same'."""
        if not self.significant:
            return "same"
        improved = (self.delta > 0) == info(self.metric).higher_is_better
        return "better" if improved else "worse"


@dataclass
class Comparison:
    deltas: list[Delta]
    warnings: list[str] = field(default_factory=list)
    resamples: int = 0
    seed: int = 0


def paired(
    a: Sequence[QuestionResult], b: Sequence[QuestionResult], extract: Extract
) -> tuple[np.ndarray, np.ndarray]:
    """Values of questions present and defined in both runs, aligned by question id."""
    by_id = {r.id: r for r in b}
    pairs = [
        (x, y)
        for r in a
        if r.id in by_id and (x := extract(r)) is not None and (y := extract(by_id[r.id])) is not None
    ]
    return np.array([x for x, _ in pairs], dtype=float), np.array([y for _, y in pairs], dtype=float)


def bootstrap_delta(
    a: np.ndarray, b: np.ndarray, statistic: Statistic, resamples: int, seed: int
) -> tuple[float, float, float]:
    """statistic(b) - statistic(a) and its 95% percentile interval over resampled questions."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    deltas = statistic(b[picks]) - statistic(a[picks])
    low, high = np.percentile(deltas, [2.5, 97.5])
    observed = float(statistic(b[None, :])[0] - statistic(a[None, :])[0])
    return observed, float(low), float(high)


def mean_statistic(values: np.ndarray) -> np.ndarray:
    return np.asarray(values.mean(axis=-1))


def percentile_statistic(q: float) -> Statistic:
    def statistic(values: np.ndarray) -> np.ndarray:
        return np.asarray(np.percentile(values, q, axis=-1))

    return statistic


def metric_of(name: str) -> Extract:
    return lambda result: result.metrics.get(name)


def timing_of(stage: str) -> Extract:
    return lambda result: result.timings.get(stage)


def measures(
    a: Sequence[QuestionResult], b: Sequence[QuestionResult]
) -> list[tuple[str, Extract, Statistic]]:
    """Every per-question metric (mean) and every latency stage (p50, p95) the runs share."""
    names = ordered(sorted({n for r in a for n in r.metrics} & {n for r in b for n in r.metrics}))
    stages = sorted({s for r in a for s in r.timings} & {s for r in b for s in r.timings})
    found: list[tuple[str, Extract, Statistic]] = [(name, metric_of(name), mean_statistic) for name in names]
    for stage in stages:
        for q in (50, 95):
            found.append((f"{stage}_p{q}", timing_of(stage), percentile_statistic(q)))
    return found


def run_warnings(run_a: EvalRun, run_b: EvalRun) -> list[str]:
    meta_a, meta_b = run_a.summary.get("meta", {}), run_b.summary.get("meta", {})
    warnings = [
        f"{label} differs: {meta_a.get(key)} vs {meta_b.get(key)}"
        for key, label in (("dataset_version", "dataset version"), ("corpus_version", "corpus version"))
        if meta_a.get(key) != meta_b.get(key)
    ]
    ids_a, ids_b = {r.id for r in run_a.results}, {r.id for r in run_b.results}
    if ids_a != ids_b:
        warnings.append(
            f"{len(ids_a & ids_b)} questions in both runs; {len(ids_a - ids_b)} only in A, "
            f"{len(ids_b - ids_a)} only in B (compared on the shared ones)"
        )
    return warnings


def compare_runs(
    run_a: EvalRun, run_b: EvalRun, resamples: int = 2000, seed: int = 0, question_type: str | None = None
) -> Comparison:
    a = [r for r in run_a.results if question_type in (None, r.type)]
    b = [r for r in run_b.results if question_type in (None, r.type)]
    deltas = []
    for name, extract, statistic in measures(a, b):
        values_a, values_b = paired(a, b, extract)
        if len(values_a) == 0:
            continue
        delta, low, high = bootstrap_delta(values_a, values_b, statistic, resamples, seed)
        mean_a, mean_b = (float(statistic(v[None, :])[0]) for v in (values_a, values_b))
        deltas.append(Delta(name, mean_a, mean_b, delta, low, high, len(values_a)))
    return Comparison(deltas, run_warnings(run_a, run_b), resamples, seed)


def render_comparison(comparison: Comparison, label_a: str, label_b: str) -> str:
    """The comparison as a Markdown table (also what `eval compare --out` writes)."""
    lines = [
        f"# paperlens eval compare\n\nA = `{label_a}`, B = `{label_b}`; delta = B - A with a paired "
        f"bootstrap 95% interval ({comparison.resamples} resamples, seed {comparison.seed}).",
        *(f"\n> warning: {w}" for w in comparison.warnings),
        "",
        "| metric | A | B | delta | 95% CI | pairs | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in comparison.deltas:
        lines.append(
            f"| {info(d.metric).label} | {d.a:.3f} | {d.b:.3f} | {d.delta:+.3f} | "
            f"[{d.low:+.3f}, {d.high:+.3f}] | {d.pairs} | {d.verdict} |"
        )
    return "\n".join(lines) + "\n"
