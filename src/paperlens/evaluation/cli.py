"""`paperlens eval`: run the gold questions, compare runs, validate a dataset, set the baseline.

Mounted in the main CLI with `app.add_typer(eval_app, name="eval")`; errors become messages
through the same `terminal.friendly` edge as every other command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paperlens.config import RetrievalMode, Settings, load_settings
from paperlens.errors import ConfigError
from paperlens.interfaces.terminal import console, errors, friendly

if TYPE_CHECKING:  # the eval modules load when a command runs, keeping `paperlens --help` fast
    from paperlens.answering.protocol import AssistantProtocol
    from paperlens.evaluation.baseline import GateReport
    from paperlens.evaluation.runner import EvalRun, RunOptions

eval_app = typer.Typer(
    help=(
        "Measure paperlens on gold questions: retrieval, citations, facts, refusals, latency. "
        "`paperlens eval [OPTIONS]` runs them and writes a run directory; the commands compare "
        "two runs, validate a dataset and set the baseline."
    ),
    add_completion=False,
    pretty_exceptions_enable=False,
)


def make_assistant(settings: Settings) -> AssistantProtocol:
    """The seam tests replace; the real Assistant is imported only when a run needs it."""
    from paperlens.answering.assistant import Assistant

    return Assistant.from_settings(settings)


# ---------------------------------------------------------------- running


def build_judge(assistant: AssistantProtocol, settings: Settings, cache_dir: Path | None) -> Any:
    from paperlens.evaluation.judge import Judge

    if assistant.llm is None:
        raise ConfigError(
            "--judge needs a language model to act as the judge: set PAPERLENS_LLM_PROVIDER "
            "(and PAPERLENS_LLM_MODEL / PAPERLENS_LLM_BASE_URL), or drop --judge for the offline metrics."
        )
    parameters = {"temperature": settings.llm.temperature, "max_tokens": settings.llm.max_tokens}
    return Judge.load(assistant.llm, settings.prompts_dir, cache_dir, parameters)


def execute(
    settings: Settings,
    dataset_path: Path,
    options: RunOptions,
    judge: bool = False,
    cache_dir: Path | None = None,
    limit: int | None = None,
) -> EvalRun:
    """Load everything, then run the questions under a progress bar."""
    from paperlens.evaluation.dataset import load_dataset
    from paperlens.evaluation.runner import planned, run_eval

    if judge and options.retrieval_only:
        raise ConfigError("--judge grades answers, and --retrieval-only makes none; use one or the other.")
    if options.leave_out and options.retrieval_only:
        raise ConfigError(
            "--leave-out scores refusals, and --retrieval-only makes no answers; use one or the other."
        )
    with errors.status("Loading the index and models…"):
        assistant = make_assistant(settings)
    dataset = load_dataset(dataset_path, set(assistant.index.papers))
    if limit:
        dataset = dataset.model_copy(update={"questions": dataset.questions[:limit]})
    the_judge = build_judge(assistant, settings, cache_dir) if judge else None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("Evaluating", total=planned(dataset, options))
        run = run_eval(
            assistant,
            dataset,
            options,
            the_judge,
            lambda r: progress.update(task, advance=1, description=f"Evaluating {r.id}"),
        )
    return run


def print_overview(run: EvalRun) -> None:
    from paperlens.evaluation.catalog import info
    from paperlens.evaluation.report_md import fmt

    table = Table("metric", "value", title="Overall")
    for name, value in run.summary.items():
        if name == "meta" or "/" in name or name.endswith("_p95"):
            continue
        table.add_row(info(name).label, fmt(value, name))
    console.print(table)


def print_gate(report: GateReport) -> None:
    from paperlens.evaluation.catalog import info

    table = Table("metric", "baseline", "tolerance", "limit", "this run", "status", title="Baseline gate")
    for row in report.rows:
        value = "not measured" if row.value is None else f"{row.value:.3f}"
        style = "green" if row.status == "pass" else "bold red"
        table.add_row(
            info(row.metric).label,
            f"{row.baseline:.3f}",
            f"{row.tolerance:.3f}",
            f"{row.limit:.3f}",
            value,
            f"[{style}]{row.status}",
        )
    console.print(table)
    for warning in report.warnings:
        errors.print(f"[yellow]Note:[/] {warning}", highlight=False)


DatasetOption = Annotated[
    Path | None, typer.Option("--dataset", help="Gold questions (JSONL); default: eval/tune.jsonl.")
]
LeaveOutOption = Annotated[
    bool,
    typer.Option(
        "--leave-out",
        help="Also ask every answerable question with its gold papers hidden, expecting a refusal.",
    ),
]


@eval_app.callback(invoke_without_command=True)
@friendly
def run(
    ctx: typer.Context,
    dataset: DatasetOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run directory; default: eval/runs/<time>.")
    ] = None,
    mode: Annotated[
        RetrievalMode | None, typer.Option("--mode", help="Retrieval mode: bm25, dense or hybrid.")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, max=100, help="Papers each answer uses.")] = None,
    judge: Annotated[bool, typer.Option("--judge", help="Also grade with the configured LLM.")] = False,
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Only rank papers; no answers.")
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N questions.")] = None,
    judge_cache: Annotated[
        Path | None, typer.Option("--judge-cache", help="Verdict cache; default: eval/cache/judge.")
    ] = None,
    gate: Annotated[
        bool, typer.Option("--gate", help="Fail (exit 1) when a gated metric falls below the baseline.")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Baseline for --gate; default: the dataset's (eval/baseline.json for the tune set, "
            "eval/baseline-report.json for eval/report.jsonl).",
        ),
    ] = None,
    leave_out: LeaveOutOption = False,
) -> None:
    """Run the assistant over the gold questions and write results, summary and report to --out."""
    if ctx.invoked_subcommand is not None:
        return
    from paperlens.evaluation.baseline import baseline_path, check_gate, load_baseline
    from paperlens.evaluation.runner import RunOptions
    from paperlens.evaluation.writers import write_run

    settings = load_settings()
    options = RunOptions(k=k, mode=mode, retrieval_only=retrieval_only, leave_out=leave_out)
    cache_dir = judge_cache or settings.eval_dir / "cache" / "judge"
    dataset = dataset or settings.eval_dir / "tune.jsonl"
    finished = execute(settings, dataset, options, judge, cache_dir, limit)
    directory = out or settings.eval_dir / "runs" / time.strftime("%Y%m%d-%H%M%S")
    paths = write_run(finished, directory)
    print_overview(finished)
    console.print(f"Wrote {', '.join(str(p) for p in paths.values())}", highlight=False)
    if gate:
        gated = baseline or baseline_path(settings.eval_dir, dataset)
        report = check_gate(finished.summary, load_baseline(gated))
        print_gate(report)
        if not report.passed:
            raise typer.Exit(1)


# ---------------------------------------------------------------- other commands


@eval_app.command()
@friendly
def compare(
    run_a: Annotated[Path, typer.Argument(help="Run directory A (the reference).")],
    run_b: Annotated[Path, typer.Argument(help="Run directory B (the candidate).")],
    resamples: Annotated[int, typer.Option(min=100, help="Bootstrap resamples.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the resampling (same seed, same intervals).")] = 0,
    question_type: Annotated[str | None, typer.Option("--type", help="Only questions of this type.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the table as Markdown here.")] = None,
) -> None:
    """Metric deltas B - A with paired bootstrap 95% confidence intervals."""
    from paperlens.evaluation.catalog import info
    from paperlens.evaluation.compare import compare_runs, render_comparison
    from paperlens.evaluation.writers import read_run

    comparison = compare_runs(read_run(run_a), read_run(run_b), resamples, seed, question_type)
    table = Table("metric", "A", "B", "delta", "95% CI", "pairs", "verdict")
    colors = {"better": "green", "worse": "bold red", "same": "dim"}
    for d in comparison.deltas:
        table.add_row(
            info(d.metric).label,
            f"{d.a:.3f}",
            f"{d.b:.3f}",
            f"{d.delta:+.3f}",
            f"[{d.low:+.3f}, {d.high:+.3f}]",
            str(d.pairs),
            f"[{colors[d.verdict]}]{d.verdict}",
        )
    console.print(table)
    for warning in comparison.warnings:
        errors.print(f"[yellow]Note:[/] {warning}", highlight=False)
    if out:
        out.write_text(render_comparison(comparison, str(run_a), str(run_b)), encoding="utf-8")


@eval_app.command()
@friendly
def validate(
    dataset: Annotated[Path, typer.Argument(help="A gold questions file (JSONL).")],
    check_index: Annotated[
        bool, typer.Option("--index/--no-index", help="Check gold paper ids against the built index.")
    ] = True,
) -> None:
    """Check a dataset: schema, gold ids that exist in the index, duplicate ids and questions."""
    from paperlens.evaluation.dataset import indexed_paper_ids, parse_lines, validate_dataset

    known = indexed_paper_ids(load_settings()) if check_index else None
    problems = validate_dataset(dataset, known)
    for problem in problems:
        errors.print(f"{dataset}, {problem}", highlight=False, soft_wrap=True)
    if problems:
        errors.print(f"[bold red]{len(problems)} problem(s).[/]")
        raise typer.Exit(1)
    questions, _ = parse_lines(dataset)
    ids_note = (
        "gold ids not checked (no index found)"
        if known is None
        else f"gold ids found among {len(known)} indexed papers"
    )
    console.print(f"{dataset}: {len(questions)} questions, no problems; {ids_note}.", highlight=False)


@eval_app.command("baseline")
@friendly
def set_baseline(
    from_run: Annotated[
        Path | None,
        typer.Argument(help="A run directory to take the values from; default: run the offline eval now."),
    ] = None,
    dataset: DatasetOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Baseline file; default: the dataset's (eval/baseline.json for the tune set, "
            "eval/baseline-report.json for eval/report.jsonl).",
        ),
    ] = None,
    leave_out: LeaveOutOption = False,
) -> None:
    """Write the baseline (gated metrics and tolerances) from a run; the only way it changes."""
    from paperlens.evaluation.baseline import baseline_path, load_baseline, make_baseline, save_baseline
    from paperlens.evaluation.runner import RunOptions
    from paperlens.evaluation.writers import read_run

    settings = load_settings()
    if from_run:
        finished = read_run(from_run)
        dataset = Path(finished.summary.get("meta", {}).get("dataset") or "tune.jsonl")
    else:
        dataset = dataset or settings.eval_dir / "tune.jsonl"
        finished = execute(settings, dataset, RunOptions(leave_out=leave_out))
    path = out or baseline_path(settings.eval_dir, dataset)
    previous = load_baseline(path) if path.is_file() else None
    new, skipped = make_baseline(finished.summary, previous)
    save_baseline(new, path)
    for note in skipped:
        errors.print(f"[yellow]Note:[/] {note}", highlight=False)
    console.print(f"Wrote {path} with {len(new.metrics)} gated metrics.", highlight=False)
