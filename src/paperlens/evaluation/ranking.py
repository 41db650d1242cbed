"""Which questions went worst: what both reports show first to whoever reads them."""

from __future__ import annotations

from collections.abc import Sequence

from paperlens.evaluation.metrics.stats import mean
from paperlens.evaluation.records import QuestionResult

# Per-question signals of a good outcome; each question is judged on those that apply to it.
QUALITY_METRICS = (
    "ndcg_at_10",
    "key_fact_recall",
    "cited_paper_recall",
    "citation_support_rate",
    "refusal_accuracy",
    "leave_out_refusal_recall",
    "alce_citation_recall",
    "judge_correctness",
)


def quality(result: QuestionResult) -> float:
    """Mean of the quality signals that apply; errors count as the worst outcome."""
    if result.error:
        return -1.0
    score = mean(result.metrics.get(name) for name in QUALITY_METRICS)
    return 1.0 if score is None else score


def worst(results: Sequence[QuestionResult], count: int) -> list[QuestionResult]:
    """The `count` lowest-quality questions, ties broken by id so reports are stable."""
    return sorted(results, key=lambda r: (quality(r), r.id))[:count]
