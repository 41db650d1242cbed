"""The eval suite: gold questions in, metrics and reports out.

    dataset      schema, loading and validation of eval/tune.jsonl
    metrics/     pure metric functions (retrieval, citations, facts, refusal, ALCE, stats)
    scoring      a question's ranking and answer -> named metrics
    judge        LLM verdicts as strict JSON, with retries and an on-disk cache
    runner       runs an assistant over the questions -> results + summary
    summary      flat summary.json (overall, `<type>/<metric>`, latency, `meta`)
    report_md / report_html / plots / writers    the run directory
    compare      paired bootstrap between two runs
    baseline     the regression gate (eval/baseline.json)
    cli          `paperlens eval ...`

Names are imported on first use, so mounting the CLI costs `paperlens --help` nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "Baseline": "baseline",
    "GateReport": "baseline",
    "check_gate": "baseline",
    "load_baseline": "baseline",
    "make_baseline": "baseline",
    "Comparison": "compare",
    "compare_runs": "compare",
    "Dataset": "dataset",
    "GoldQuestion": "dataset",
    "load_dataset": "dataset",
    "validate_dataset": "dataset",
    "Judge": "judge",
    "Verdict": "judge",
    "QuestionResult": "records",
    "EvalRun": "runner",
    "EvalRunner": "runner",
    "RunOptions": "runner",
    "run_eval": "runner",
    "read_run": "writers",
    "write_run": "writers",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
