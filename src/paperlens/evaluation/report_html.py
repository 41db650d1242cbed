"""report.html: one self-contained file (inline CSS, PNG plots as data URIs, no scripts, no
CDN), so it opens offline and can be attached to a CI run as is.

Every piece of text that comes from answers, papers or the dataset goes through
`html.escape`: an abstract containing "<script>" must show as text, never run.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from typing import Any

from paperlens.evaluation.catalog import info
from paperlens.evaluation.ranking import quality, worst
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.report_md import fmt
from paperlens.evaluation.summary import metrics_of

WORST_SHOWN = 15
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
body{padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta td:first-child{color:#666}.muted{color:#777;font-size:.85rem}
.q{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;margin:1rem 0}
.q h3{margin:.1rem 0 .4rem;font-size:1rem}.answer{background:#fafafa;padding:.5rem;white-space:pre-wrap}
.ok{color:#1a7f37}.bad{color:#cf222e}img{max-width:100%}
"""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def image(data: bytes | None, alt: str) -> str:
    if data is None:
        return f'<p class="muted">{e(alt)}: nothing to plot.</p>'
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{e(alt)}" src="data:image/png;base64,{encoded}">'


def rows_html(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def num(value: float | None, name: str = "") -> str:
    return f'<td class="num">{e(fmt(value, name))}</td>'


def meta_table(meta: dict[str, Any]) -> str:
    keys = [k for k in meta if k not in {"counts", "options", "judge_stats"}]
    rows = [[f"<td>{e(k)}</td>", f"<td>{e(meta[k])}</td>"] for k in keys]
    counts = meta.get("counts", {})
    by_type = ", ".join(f"{t} {n}" for t, n in counts.get("by_type", {}).items())
    described = f"{counts.get('questions')} questions ({by_type}), {counts.get('errors')} errors"
    rows.append(["<td>counts</td>", f"<td>{e(described)}</td>"])
    return '<table class="meta">' + "".join("<tr>" + "".join(r) + "</tr>" for r in rows) + "</table>"


def plain_names(metrics: dict[str, float | None]) -> list[str]:
    return [n for n in metrics if "/" not in n and not n.endswith(("_p50", "_p95"))]


def metrics_table(metrics: dict[str, float | None], types: dict[str, int]) -> str:
    header = ["area", "metric", "all", *(f"{t} ({c})" for t, c in types.items())]
    rows = [
        [
            f"<td>{e(info(n).section)}</td>",
            f'<td title="{e(info(n).description)}">{e(info(n).label)}</td>',
            num(metrics[n]),
            *(num(metrics.get(f"{t}/{n}")) for t in types),
        ]
        for n in plain_names(metrics)
    ]
    return rows_html(rows, header)


def latency_table(metrics: dict[str, float | None]) -> str:
    stages = [n.removesuffix("_p50") for n in metrics if "/" not in n and n.endswith("_p50")]
    rows = [
        [f"<td>{e(s)}</td>", num(metrics[f"{s}_p50"], "_p50"), num(metrics.get(f"{s}_p95"), "_p95")]
        for s in stages
    ]
    return rows_html(rows, ["stage", "p50 ms", "p95 ms"])


def paper_list(ids: Sequence[str], result: QuestionResult) -> str:
    gold = set(result.gold_paper_ids)
    items = [
        f'<li class="{"ok" if pid in gold else ""}">{"✓ " if pid in gold else ""}'
        f"{e(result.titles.get(pid, pid))} "
        f'<span class="muted">{e(pid)}</span></li>'
        for pid in ids
    ]
    return f"<ol>{''.join(items)}</ol>" if items else '<p class="muted">none</p>'


def sentences_html(result: QuestionResult) -> str:
    items = []
    for s in result.sentences:
        mark = '<span class="ok">supported</span>' if s.supported else '<span class="bad">unsupported</span>'
        judged = "" if s.judged_supported is None else f" · judge: {'yes' if s.judged_supported else 'no'}"
        support = "–" if s.support is None else f"{s.support:.2f}"
        items.append(
            f"<li>{e(s.text)} <span class='muted'>[{mark}, support {e(support)}{e(judged)}]</span></li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def question_card(result: QuestionResult) -> str:
    shown = {k: v for k, v in result.metrics.items() if v is not None}
    metric_text = " · ".join(f"{info(k).label} {fmt(v)}" for k, v in shown.items())
    missing = [pid for pid in result.gold_paper_ids if pid not in result.ranking]
    answer = result.error or result.answer or ""
    refused = f" · refused ({e(result.refusal_reason)})" if result.refused else ""
    cited = [
        f"[{c.n}] {c.title} ({c.paper_id})" + (" ✓" if c.paper_id in result.gold_paper_ids else "")
        for c in result.citations
    ]
    missing_list = f"<p>Gold papers not retrieved:</p>{paper_list(missing, result)}" if missing else ""
    title = f"{e(result.id)} · {e(result.type)} · quality {quality(result):.2f}{refused}"
    return f"""<div class="q"><h3>{title}</h3>
<p><b>Question:</b> {e(result.question)}</p>
<p class="muted">{e(metric_text)}</p>
<div class="answer">{e(answer)}</div>{sentences_html(result)}
<p><b>Cited:</b> {e("; ".join(cited) or "nothing")}</p>
<p><b>Key facts:</b> {e(", ".join(result.key_facts) or "none")}</p>
<p><b>Reference:</b> {e(result.reference_answer)}</p>
<details><summary>Search ranking (✓ = gold); gold papers not in the top 10: {len(missing)}</summary>
{paper_list(result.ranking, result)}{missing_list}</details></div>"""


def render_html(summary: dict[str, Any], results: Sequence[QuestionResult]) -> str:
    from paperlens.evaluation import plots  # matplotlib loads only when a report is drawn

    meta, metrics = summary.get("meta", {}), metrics_of(summary)
    types = meta.get("counts", {}).get("by_type", {})
    cards = "".join(question_card(r) for r in worst(results, WORST_SHOWN))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>paperlens eval report</title><style>{STYLE}</style></head>
<body><h1>paperlens eval report</h1>
<p class="muted">{e(meta.get("created_at"))} · {e(meta.get("counts", {}).get("questions"))} questions</p>
{meta_table(meta)}
<h2>Metrics, overall and per question type</h2>
<p class="muted">Means over the questions each metric applies to; hover a metric for its meaning.</p>
{metrics_table(metrics, types)}
<h2>Recall@k</h2>{image(plots.recall_at_k_plot(results, list(types)), "recall@k curves")}
<h2>Per question type</h2>{image(plots.type_bars_plot(metrics, list(types)), "metrics per question type")}
<h2>Per-question distributions</h2>{image(plots.distributions_plot(results), "per-question distributions")}
<h2>Latency</h2>{latency_table(metrics)}{image(plots.latency_plot(results), "latency per stage")}
<h2>Worst {min(WORST_SHOWN, len(results))} questions</h2>{cards}
</body></html>
"""
