"""The regression gate: eval/baseline.json holds gated metrics with their tolerances.

Each gold set has its own baseline (`baseline_path`): eval/baseline.json for the tune set and
eval/baseline-report.json for the report set, which is what CI holds the code to. A run fails
the gate when a gated metric is worse than its baseline value by more than the
tolerance (below for higher-is-better metrics, above for the others, like false refusals), or
when it was not measured at all. Tolerances are absolute and live in the file, next to the
values they apply to. The file changes only through `paperlens eval baseline`, which keeps
the tolerances already there and takes the values from a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from paperlens.errors import CorpusError
from paperlens.evaluation.catalog import info

# Gated by default, with absolute tolerances. One question moves an overall rate by about 0.01
# (0.045 for the 22 unanswerable ones), so these allow one to three questions to flip, as
# floating-point ties between machines can; latency and judge metrics are never gated.
DEFAULT_GATED: dict[str, float] = {
    "recall_at_5": 0.02,
    "recall_at_10": 0.02,
    "mrr_at_10": 0.02,
    "ndcg_at_10": 0.02,
    "context_recall": 0.02,
    "citation_validity": 0.02,
    "sentence_citation_coverage": 0.03,
    "cited_paper_precision": 0.03,
    "cited_paper_recall": 0.03,
    "citation_support_rate": 0.03,
    "key_fact_recall": 0.03,
    "refusal_recall": 0.05,
    "refusal_accuracy": 0.03,
    "false_refusal_rate": 0.03,
    "leave_out_refusal_recall": 0.03,
}
SOURCE_KEYS = (
    "created_at",
    "dataset_version",
    "corpus_version",
    "config_hash",
    "answer_mode",
    "llm_model",
    "embedding_model",
    "retrieval_mode",
    "k",
    "git_commit",
)
NOTE = "Written by `paperlens eval baseline`; edit tolerances by hand, values only through the command."
SLACK = 1e-9


class GatedMetric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    tolerance: float
    higher_is_better: bool = True


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = NOTE
    source: dict[str, Any]
    metrics: dict[str, GatedMetric]


@dataclass(frozen=True)
class GateRow:
    metric: str
    baseline: float
    tolerance: float
    higher_is_better: bool
    value: float | None
    status: Literal["pass", "fail", "missing"]

    @property
    def limit(self) -> float:
        return self.baseline - self.tolerance if self.higher_is_better else self.baseline + self.tolerance


@dataclass
class GateReport:
    rows: list[GateRow]
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(row.status == "pass" for row in self.rows)

    @property
    def failures(self) -> list[GateRow]:
        return [row for row in self.rows if row.status != "pass"]


def gate_row(name: str, gated: GatedMetric, value: float | None) -> GateRow:
    if value is None:
        status: Literal["pass", "fail", "missing"] = "missing"
    elif gated.higher_is_better:
        status = "pass" if value >= gated.value - gated.tolerance - SLACK else "fail"
    else:
        status = "pass" if value <= gated.value + gated.tolerance + SLACK else "fail"
    return GateRow(name, gated.value, gated.tolerance, gated.higher_is_better, value, status)


def check_gate(summary: dict[str, Any], baseline: Baseline) -> GateReport:
    """Each gated metric of the run against the baseline, plus notes on what differs."""
    rows = [gate_row(name, gated, summary.get(name)) for name, gated in baseline.metrics.items()]
    meta = summary.get("meta", {})
    warnings = [
        f"{key} differs from the baseline's ({meta.get(key)} vs {baseline.source.get(key)})"
        for key in ("dataset_version", "corpus_version", "config_hash", "answer_mode")
        if key in baseline.source and meta.get(key) != baseline.source.get(key)
    ]
    return GateReport(rows, warnings)


def make_baseline(summary: dict[str, Any], previous: Baseline | None = None) -> tuple[Baseline, list[str]]:
    """A baseline with this run's values; the gated set and tolerances of `previous` are kept."""
    tolerances = {n: m.tolerance for n, m in previous.metrics.items()} if previous else DEFAULT_GATED
    metrics, skipped = {}, []
    for name, tolerance in tolerances.items():
        value = summary.get(name)
        if value is None:
            skipped.append(f"{name} was not measured in this run and is not gated")
            continue
        metrics[name] = GatedMetric(
            value=round(float(value), 6), tolerance=tolerance, higher_is_better=info(name).higher_is_better
        )
    source = {key: summary.get("meta", {}).get(key) for key in SOURCE_KEYS}
    return Baseline(source=source, metrics=metrics), skipped


def baseline_path(eval_dir: Path, dataset: Path) -> Path:
    """Where a dataset's baseline lives: eval/baseline.json for the tune set (the default
    dataset), eval/baseline-<name>.json for any other (eval/baseline-report.json)."""
    name = Path(dataset).stem
    return eval_dir / ("baseline.json" if name == "tune" else f"baseline-{name}.json")


def load_baseline(path: Path) -> Baseline:
    if not path.is_file():
        raise CorpusError(str(path), None, "no baseline here; create one with `paperlens eval baseline`")
    try:
        return Baseline.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as error:
        raise CorpusError(str(path), None, f"not a baseline file ({error})") from None


def save_baseline(baseline: Baseline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(baseline.model_dump_json(indent=2) + "\n", encoding="utf-8")
