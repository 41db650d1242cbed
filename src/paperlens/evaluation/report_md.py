"""summary.md: the run in a form that reads well in a terminal and in a pull request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperlens.evaluation.catalog import info
from paperlens.evaluation.ranking import quality, worst
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.summary import metrics_of

WORST_SHOWN = 10


def fmt(value: float | None, name: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if name.endswith(("_p50", "_p95")) else f"{value:.3f}"


def cell(text: str, limit: int = 140) -> str:
    """Text made safe for one Markdown table cell."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def headline(meta: dict[str, Any]) -> list[str]:
    counts = meta.get("counts", {})
    mode = meta.get("answer_mode") or "retrieval only"
    model = f" ({meta['llm_model']})" if meta.get("llm_model") and meta["llm_model"] != mode else ""
    judge = f" · judge {meta['judge_model']}" if meta.get("judge_model") else ""
    return [
        "# paperlens eval",
        "",
        f"{counts.get('questions', '?')} questions ({counts.get('errors', 0)} errors)"
        f" · answers: {mode}{model}"
        f" · retrieval: {meta.get('retrieval_mode')}, k={meta.get('k')}{judge} · {meta.get('duration_s')} s",
        "",
        f"dataset `{meta.get('dataset')}` version `{meta.get('dataset_version')}` · corpus "
        f"{meta.get('corpus_papers')} papers version `{meta.get('corpus_version')}` · embedding "
        f"`{meta.get('embedding_model')}` · config `{meta.get('config_hash')}` · commit "
        f"`{meta.get('git_commit')}` · {meta.get('created_at')}",
    ]


def overall(metrics: dict[str, float | None]) -> list[str]:
    names = [n for n in metrics if "/" not in n and not n.endswith(("_p50", "_p95"))]
    rows = [[info(n).section, info(n).label, fmt(metrics[n]), info(n).description] for n in names]
    return ["## Overall", "", *table(["area", "metric", "value", "meaning"], rows)]


def by_type(metrics: dict[str, float | None], types: dict[str, int]) -> list[str]:
    names = [n for n in metrics if "/" not in n and not n.endswith(("_p50", "_p95"))]
    header = ["metric", "all", *(f"{t} ({count})" for t, count in types.items())]
    rows = [[info(n).label, fmt(metrics[n]), *(fmt(metrics.get(f"{t}/{n}")) for t in types)] for n in names]
    return ["## By question type", "", *table(header, rows)]


def latency(metrics: dict[str, float | None]) -> list[str]:
    stages = [n.removesuffix("_p50") for n in metrics if "/" not in n and n.endswith("_p50")]
    rows = [
        [stage, fmt(metrics[f"{stage}_p50"], "_p50"), fmt(metrics.get(f"{stage}_p95"), "_p95")]
        for stage in stages
    ]
    return ["## Latency (ms per question)", "", *table(["stage", "p50", "p95"], rows)]


def worst_table(results: Sequence[QuestionResult]) -> list[str]:
    rows = [
        [
            r.id,
            r.type,
            f"{quality(r):.2f}",
            cell(r.question, 90),
            f"refused ({r.refusal_reason})" if r.refused else cell(r.error or r.body, 120),
        ]
        for r in worst(results, WORST_SHOWN)
    ]
    return [
        f"## Worst {len(rows)} questions",
        "",
        "Quality is the mean of the question's nDCG@10, key-fact recall, cited-paper recall, supported "
        "sentences, refusal accuracy and judge scores, where they apply.",
        "",
        *table(["id", "type", "quality", "question", "answer"], rows),
    ]


def render_markdown(summary: dict[str, Any], results: Sequence[QuestionResult]) -> str:
    meta, metrics = summary.get("meta", {}), metrics_of(summary)
    types = meta.get("counts", {}).get("by_type", {})
    sections = [
        headline(meta),
        overall(metrics),
        by_type(metrics, types),
        latency(metrics),
        worst_table(results),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"
