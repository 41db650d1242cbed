"""Retrieval benchmark: bm25, dense and hybrid side by side on the gold questions.

    .venv/bin/python bench/retrieval.py [--data-dir DIR] [--json PATH]
    .venv/bin/python bench/retrieval.py --sweep      # grid over the fusion settings

Tune only on eval/tune.jsonl (the default): the report set is scored with `paperlens eval`.

Uses the index built by `paperlens ingest` (settings from PAPERLENS_* variables, so fusion
settings can be varied with e.g. PAPERLENS_RETRIEVAL_BM25_WEIGHT=1.5). Without an index, it builds one
with the configured (by default the bundled) embedding model into a temporary directory.

For the answerable questions it reports recall@1/5/10, MRR@10 and nDCG@10 (binary relevance,
paper level), overall and per question type, and the warm query latency per mode (wall clock and
CPU time: other processes on a shared machine inflate the former).

`--sweep` embeds each question once, then ranks every question under each combination of
SWEEP's values (hybrid mode) and prints the best combinations by nDCG@10 (ties: MRR@10, then
closeness to the middle of the grid) and, per setting, the mean nDCG@10 of each of its values
over all the others, which shows whether a value sits on a plateau or on a spike.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODES = ("bm25", "dense", "hybrid")
K = 10
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
WARMUP_QUERIES = 5
SWEEP: dict[str, tuple[float, ...]] = {
    "bm25_weight": (0.5, 0.75, 1.0, 1.5, 2.0),
    "candidates": (50, 100, 200),
    "sentence_weight": (0.0, 0.5, 1.0, 1.5),
    "title_weight": (0.0, 0.25, 0.5, 1.0),
    "expansion_weight": (0.0, 0.5, 1.0),
}
SWEEP_SHOWN = 15


# ---------------------------------------------------------------- metrics (pure, paper level)


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Share of the gold papers found in the top k."""
    return len(set(ranked[:k]) & gold) / len(gold) if gold else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Reciprocal rank of the first gold paper in the top k (0 when none is)."""
    return next((1.0 / rank for rank, pid in enumerate(ranked[:k], 1) if pid in gold), 0.0)


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Binary-relevance nDCG: DCG of the ranking over the DCG of a perfect one."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, pid in enumerate(ranked[:k], 1) if pid in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def question_metrics(ranked: Sequence[str], gold: set[str]) -> dict[str, float]:
    return {
        "recall@1": recall_at(ranked, gold, 1),
        "recall@5": recall_at(ranked, gold, 5),
        "recall@10": recall_at(ranked, gold, 10),
        "mrr@10": mrr_at(ranked, gold, 10),
        "ndcg@10": ndcg_at(ranked, gold, 10),
    }


def mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.fmean(row[name] for row in rows) for name in METRICS}


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in 0..100."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---------------------------------------------------------------- running


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in questions if q.get("answerable") and q.get("gold_paper_ids")]


def open_index(settings: Any, workdir: Path) -> tuple[Any, Any, str]:
    """The built index, or a fresh one in `workdir` when there is none yet."""
    from paperlens.errors import IndexMissingError
    from paperlens.index.ingest import Ingester
    from paperlens.index.paper_index import PaperIndex
    from paperlens.providers import make_embedding

    embed_model = make_embedding(settings.embedding)
    try:
        return PaperIndex.load(settings), embed_model, str(settings.index_path)
    except IndexMissingError:
        papers = settings.papers_path if settings.papers_path.exists() else ROOT / "data" / "papers"
        settings = settings.model_copy(update={"data_dir": workdir, "papers_dir": papers, "index_dir": None})
        print(f"No index in the data dir: building one from {papers} in {workdir} …", file=sys.stderr)
        report = Ingester(settings, embed_model, progress=True).ingest([papers])
        print(
            f"Built: {report.papers} papers, {report.chunks} chunks in {report.seconds:.0f} s",
            file=sys.stderr,
        )
        return PaperIndex.load(settings), embed_model, f"{settings.index_path} (temporary)"


def run_mode(
    retriever: Any, questions: list[dict[str, Any]], mode: str
) -> tuple[list[list[str]], list[float], list[float]]:
    """Rankings, and wall-clock and CPU milliseconds per question, after a few warm-up queries."""
    for question in questions[:WARMUP_QUERIES]:
        retriever.search(question["question"], k=K, mode=mode)
    rankings, wall, cpu = [], [], []
    for question in questions:
        started, started_cpu = time.perf_counter(), time.process_time()
        hits = retriever.search(question["question"], k=K, mode=mode)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        rankings.append([hit.paper_id for hit in hits])
    return rankings, wall, cpu


def evaluate(retriever: Any, questions: list[dict[str, Any]]) -> dict[str, Any]:
    groups = ["overall", *sorted({q["type"] for q in questions})]
    counts = {g: sum(1 for q in questions if g in ("overall", q["type"])) for g in groups}
    metrics: dict[str, dict[str, dict[str, float]]] = {}
    latency: dict[str, dict[str, float]] = {}
    for mode in MODES:
        rankings, wall, cpu = run_mode(retriever, questions, mode)
        rows = [
            question_metrics(r, set(q["gold_paper_ids"])) for r, q in zip(rankings, questions, strict=True)
        ]
        metrics[mode] = {
            group: mean_metrics(
                [row for row, q in zip(rows, questions, strict=True) if group in ("overall", q["type"])]
            )
            for group in groups
        }
        latency[mode] = {
            "p50": percentile(wall, 50),
            "p95": percentile(wall, 95),
            "cpu_p50": percentile(cpu, 50),
        }
    return {"questions": counts, "metrics": metrics, "latency_ms": latency, "load_average": os.getloadavg()}


def print_table(result: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("group (n)")
    table.add_column("metric")
    for mode in MODES:
        table.add_column(mode, justify="right")
    for group, count in result["questions"].items():
        for i, metric in enumerate(METRICS):
            values = [result["metrics"][mode][group][metric] for mode in MODES]
            best = max(values)
            cells = [f"[bold]{v:.3f}[/]" if v == best else f"{v:.3f}" for v in values]
            table.add_row(
                f"{group} ({count})" if i == 0 else "", metric, *cells, end_section=i == len(METRICS) - 1
            )
    labels = {"p50": "p50 ms", "p95": "p95 ms", "cpu_p50": "CPU p50 ms"}
    for i, (stat, label) in enumerate(labels.items()):
        values = [result["latency_ms"][mode][stat] for mode in MODES]
        table.add_row("latency (warm)" if i == 0 else "", label, *(f"{v:.1f}" for v in values))
    console = Console(width=max(100, Console().width))
    console.print(title, highlight=False)
    console.print(table)
    load = ", ".join(f"{value:.1f}" for value in result["load_average"])
    console.print(
        "Latency: wall clock per search() call, query embedding included; CPU: this process's CPU "
        f"time per call. Load average after the run: {load} on {os.cpu_count()} cores.",
        highlight=False,
    )


def sweep(
    index: Any, embed_model: Any, settings: Any, questions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Mean metrics of hybrid search for every combination of SWEEP's values."""
    import itertools

    from paperlens.index.retriever import Retriever

    vectors = [embed_model.get_query_embedding(q["question"]) for q in questions]
    rows = []
    for values in itertools.product(*SWEEP.values()):
        chosen = dict(zip(SWEEP, values, strict=True))
        fusion = settings.retrieval.model_copy(update={**chosen, "candidates": int(chosen["candidates"])})
        retriever = Retriever(index, embed_model, fusion)
        metrics = mean_metrics(
            [
                question_metrics(
                    [h.paper_id for h in retriever.search(q["question"], k=K, mode="hybrid", vector=v)],
                    set(q["gold_paper_ids"]),
                )
                for q, v in zip(questions, vectors, strict=True)
            ]
        )
        rows.append({"settings": chosen, "metrics": metrics})
    return rows


def centrality(chosen: dict[str, float]) -> float:
    """How far a combination sits from the middle of the grid (0 = in the middle)."""
    return sum(
        abs(grid.index(chosen[name]) - (len(grid) - 1) / 2) / len(grid) for name, grid in SWEEP.items()
    )


def print_sweep(rows: list[dict[str, Any]], current: dict[str, Any], count: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(100, Console().width))
    best = sorted(
        rows, key=lambda r: (-r["metrics"]["ndcg@10"], -r["metrics"]["mrr@10"], centrality(r["settings"]))
    )
    table = Table(
        *SWEEP,
        "nDCG@10",
        "MRR@10",
        "recall@10",
        title=f"Best of {len(rows)} combinations ({count} questions)",
    )
    for row in best[:SWEEP_SHOWN]:
        chosen, m = row["settings"], row["metrics"]
        marker = " (current)" if all(current[n] == chosen[n] for n in SWEEP) else ""
        table.add_row(
            *(f"{chosen[n]:g}" for n in SWEEP),
            f"{m['ndcg@10']:.4f}{marker}",
            f"{m['mrr@10']:.4f}",
            f"{m['recall@10']:.4f}",
        )
    console.print(table)
    margins = Table("setting", "value: mean nDCG@10 over every other combination", title="Plateaus")
    for name, grid in SWEEP.items():
        means = [
            statistics.fmean(r["metrics"]["ndcg@10"] for r in rows if r["settings"][name] == value)
            for value in grid
        ]
        margins.add_row(
            name, "   ".join(f"{value:g}: {mean:.4f}" for value, mean in zip(grid, means, strict=True))
        )
    console.print(margins)
    now = (
        next(r for r in rows if all(current[n] == r["settings"][n] for n in SWEEP))
        if all(current[n] in SWEEP[n] for n in SWEEP)
        else None
    )
    if now:
        console.print(f"Current settings: nDCG@10 {now['metrics']['ndcg@10']:.4f}", highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="Data directory holding index/ (default: settings).")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "tune.jsonl")
    parser.add_argument("--json", type=Path, dest="json_path", help="Also write the numbers to this file.")
    parser.add_argument("--sweep", action="store_true", help="Grid-search the fusion settings instead.")
    args = parser.parse_args(argv)

    from paperlens.config import Settings
    from paperlens.errors import PaperlensError
    from paperlens.index.retriever import Retriever

    settings = Settings()
    if args.data_dir:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="paperlens-bench-") as workdir:
        try:
            index, embed_model, where = open_index(settings, Path(workdir))
        except PaperlensError as error:
            print(f"Error: {error}", file=sys.stderr)
            return 1
        if args.sweep:
            rows = sweep(index, embed_model, settings, questions)
            print_sweep(rows, settings.retrieval.model_dump(), len(questions))
            if args.json_path:
                args.json_path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
            return 0
        retriever = Retriever(index, embed_model, settings.retrieval)
        result = evaluate(retriever, questions)
    result["index"] = {"path": where, "embedding_model": index.embedding_model, "papers": len(index.papers)}
    result["retrieval_settings"] = settings.retrieval.model_dump()
    fusion = settings.retrieval
    print_table(
        result,
        f"Retrieval on {len(questions)} answerable questions, {len(index.papers)} papers, "
        f"{index.embedding_model}\nhybrid = normalized scores weighted dense={fusion.dense_weight} "
        f"bm25={fusion.bm25_weight}; candidates={fusion.candidates}, sentence_weight="
        f"{fusion.sentence_weight}, title_weight={fusion.title_weight}, "
        f"expansion_weight={fusion.expansion_weight}",
    )
    if args.json_path:
        args.json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"Wrote {args.json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
