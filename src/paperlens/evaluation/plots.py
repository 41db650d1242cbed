"""The report's plots as PNG bytes, drawn with matplotlib's Agg canvas.

Figures are built with the object API (no pyplot), so nothing touches a global backend or
opens a window, and the bytes are embedded in report.html as data URIs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from paperlens.evaluation.catalog import info
from paperlens.evaluation.metrics.retrieval import recall_curve
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.scoring import RANK_DEPTH

TYPE_BAR_METRICS = (
    "recall_at_5",
    "ndcg_at_10",
    "key_fact_recall",
    "cited_paper_recall",
    "citation_support_rate",
    "refusal_accuracy",
    "judge_correctness",
)
DISTRIBUTION_METRICS = (
    "ndcg_at_10",
    "key_fact_recall",
    "cited_paper_precision",
    "cited_paper_recall",
    "sentence_citation_coverage",
    "citation_support_rate",
    "alce_citation_recall",
    "alce_citation_precision",
)


def png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def mean_curve(results: Sequence[QuestionResult]) -> list[float] | None:
    curves = [c for r in results if (c := recall_curve(r.ranking, r.gold_paper_ids, RANK_DEPTH))]
    return np.mean(curves, axis=0).tolist() if curves else None


def recall_at_k_plot(results: Sequence[QuestionResult], types: Sequence[str]) -> bytes:
    """Mean recall@k for k = 1..10, overall and per question type."""
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    ks = list(range(1, RANK_DEPTH + 1))
    for label, subset, style in [
        ("all", results, "k-"),
        *((t, [r for r in results if r.type == t], "-") for t in types),
    ]:
        if curve := mean_curve(subset):
            axes.plot(
                ks, curve, style, marker="o", markersize=3, label=label, linewidth=2 if label == "all" else 1
            )
    axes.set(xlabel="k (papers retrieved)", ylabel="mean recall@k", ylim=(0, 1.02), xticks=ks)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    return png(figure)


def type_bars_plot(metrics: dict[str, float | None], types: Sequence[str]) -> bytes:
    """Grouped bars: one group per metric, one bar per question type."""
    names = [n for n in TYPE_BAR_METRICS if any(metrics.get(f"{t}/{n}") is not None for t in types)]
    figure = Figure(figsize=(9, 4))
    axes = figure.add_subplot()
    width = 0.8 / max(len(types), 1)
    for i, question_type in enumerate(types):
        values = [metrics.get(f"{question_type}/{n}") for n in names]
        positions = [j + i * width for j in range(len(names))]
        axes.bar(positions, [v if v is not None else 0 for v in values], width, label=question_type)
    axes.set_xticks([j + width * (len(types) - 1) / 2 for j in range(len(names))])
    axes.set_xticklabels([info(n).label for n in names], rotation=20, ha="right", fontsize=8)
    axes.set(ylim=(0, 1.05), ylabel="mean over questions")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, ncol=min(len(types), 5), loc="upper center", bbox_to_anchor=(0.5, 1.15))
    return png(figure)


def distributions_plot(results: Sequence[QuestionResult]) -> bytes | None:
    """Histograms of per-question values, one panel per metric that was measured."""
    series = {n: [v for r in results if (v := r.metrics.get(n)) is not None] for n in DISTRIBUTION_METRICS}
    series = {n: values for n, values in series.items() if values}
    if not series:
        return None
    columns = min(len(series), 4)
    rows = -(-len(series) // columns)
    figure = Figure(figsize=(3 * columns, 2.4 * rows))
    for position, (name, values) in enumerate(series.items(), 1):
        axes = figure.add_subplot(rows, columns, position)
        axes.hist(values, bins=[i / 10 for i in range(11)], color="#4c72b0", edgecolor="white")
        axes.set_title(f"{info(name).label} (n={len(values)})", fontsize=9)
        axes.tick_params(labelsize=7)
    figure.tight_layout()
    return png(figure)


def latency_plot(results: Sequence[QuestionResult]) -> bytes | None:
    """Box plots of milliseconds per stage."""
    stages = sorted({stage for r in results for stage in r.timings})
    data = [[r.timings[s] for r in results if s in r.timings] for s in stages]
    if not stages:
        return None
    figure = Figure(figsize=(7, 0.5 + 0.5 * len(stages)))
    axes = figure.add_subplot()
    axes.boxplot(data, orientation="horizontal", tick_labels=stages)
    axes.set(xlabel="milliseconds")
    axes.grid(axis="x", alpha=0.3)
    return png(figure)
