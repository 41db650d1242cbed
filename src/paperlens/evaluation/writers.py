"""Writes a run directory and reads it back: results.jsonl, summary.json, summary.md, report.html."""

from __future__ import annotations

import json
from pathlib import Path

from paperlens.errors import CorpusError
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.report_html import render_html
from paperlens.evaluation.report_md import render_markdown
from paperlens.evaluation.runner import EvalRun

RESULTS, SUMMARY, MARKDOWN, HTML = "results.jsonl", "summary.json", "summary.md", "report.html"


def write_run(run: EvalRun, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / name for name in (RESULTS, SUMMARY, MARKDOWN, HTML)}
    with paths[RESULTS].open("w", encoding="utf-8") as stream:
        stream.writelines(result.model_dump_json() + "\n" for result in run.results)
    paths[SUMMARY].write_text(json.dumps(run.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[MARKDOWN].write_text(render_markdown(run.summary, run.results), encoding="utf-8")
    paths[HTML].write_text(render_html(run.summary, run.results), encoding="utf-8")
    return paths


def read_run(directory: Path) -> EvalRun:
    """A run written by `write_run`; errors name the file that is missing or broken."""
    results_path, summary_path = directory / RESULTS, directory / SUMMARY
    for path in (results_path, summary_path):
        if not path.is_file():
            raise CorpusError(str(path), None, "not found; is this a directory written by `paperlens eval`?")
    results = []
    for number, line in enumerate(results_path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                results.append(QuestionResult.model_validate_json(line))
            except ValueError as error:
                raise CorpusError(
                    str(results_path), f"line {number}", f"not a result record ({error})"
                ) from None
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise CorpusError(str(summary_path), None, f"not valid JSON ({error})") from None
    return EvalRun(results, summary)
