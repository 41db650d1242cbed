"""Finds the latest eval run for the app's Eval tab.

The eval writes one directory per run under `<eval_dir>/runs/<run>/` with summary.md, summary.json,
report.html and maybe PNG plots. The app only reads them; any of them may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

NO_RUN = "No eval run yet; run `paperlens eval` to measure answer quality, then refresh this tab."
RUN_MARKERS = ("summary.md", "summary.json", "report.html")


@dataclass(frozen=True)
class EvalRun:
    directory: Path
    summary: str
    plots: list[Path] = field(default_factory=list)
    report: Path | None = None


def runs_dir(eval_dir: Path) -> Path:
    return eval_dir / "runs"


def latest_run_dir(eval_dir: Path) -> Path | None:
    """The most recently written run directory that holds at least one report file."""
    root = runs_dir(eval_dir)
    if not root.is_dir():
        return None
    runs = [d for d in root.iterdir() if d.is_dir() and any((d / m).exists() for m in RUN_MARKERS)]
    if not runs:
        return None
    return max(runs, key=lambda d: (newest_mtime(d), d.name))


def newest_mtime(directory: Path) -> float:
    times = [(directory / m).stat().st_mtime for m in RUN_MARKERS if (directory / m).exists()]
    return max(times, default=directory.stat().st_mtime)


def load_latest_run(eval_dir: Path) -> EvalRun | None:
    directory = latest_run_dir(eval_dir)
    if directory is None:
        return None
    summary_path = directory / "summary.md"
    if summary_path.exists():
        summary = summary_path.read_text(encoding="utf-8", errors="replace")
    else:
        summary = f"Run `{directory.name}` has no summary.md."
    report = directory / "report.html"
    return EvalRun(
        directory=directory,
        summary=summary,
        plots=sorted(directory.glob("*.png")),
        report=report if report.exists() else None,
    )
