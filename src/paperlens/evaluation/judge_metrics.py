"""Judge-based metrics of one answer: ALCE citation recall/precision and correctness.

The judge is ALCE's entailment check: "do these cited passages support this sentence?".
Verdicts are memoized per (sentence, set of citations) because the precision checks ask
about the same subsets more than once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from paperlens.answering.citations import strip_markers
from paperlens.evaluation.dataset import GoldQuestion
from paperlens.evaluation.judge import CORRECTNESS_SCORES, Judge, Verdict
from paperlens.evaluation.metrics.alce import alce_scores
from paperlens.evaluation.scoring import Metrics, answer_body
from paperlens.types import Answer


@dataclass
class JudgeOutcome:
    metrics: Metrics
    sentence_support: list[bool | None] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def claim_of(text: str) -> str:
    """A sentence without its [n] markers: the markers are not part of what is claimed."""
    return strip_markers(text)


class VerdictLog:
    """Counts the verdicts one answer needed, and how many stayed undetermined."""

    def __init__(self) -> None:
        self.total = self.undetermined = 0

    def add(self, verdict: Verdict) -> Verdict:
        self.total += 1
        self.undetermined += not verdict.determined
        return verdict

    @property
    def rate(self) -> float | None:
        return self.undetermined / self.total if self.total else None


def judge_answer(answer: Answer, gold: GoldQuestion, judge: Judge) -> JudgeOutcome:
    log = VerdictLog()
    sources = {c.n: f"{c.title}\n{c.passage}" for c in answer.citations}
    claims = [claim_of(s.text) for s in answer.sentences]

    @cache
    def entails(index: int, cites: frozenset[int]) -> bool | None:
        if not cites or any(n not in sources for n in cites):
            return False
        verdict = log.add(judge.support(claims[index], [sources[n] for n in sorted(cites)]))
        return verdict.label == "supported" if verdict.determined else None

    metrics: Metrics = {"alce_citation_recall": None, "alce_citation_precision": None}
    support: list[bool | None] = []
    if not answer.refused and answer.sentences:
        scores = alce_scores([s.citations for s in answer.sentences], entails)
        metrics = {"alce_citation_recall": scores.recall, "alce_citation_precision": scores.precision}
        support = [entails(i, frozenset(s.citations)) for i, s in enumerate(answer.sentences)]
    labels: dict[str, str] = {}
    metrics["judge_correctness"] = None
    if gold.reference_answer:
        correctness = log.add(judge.correctness(gold.question, gold.reference_answer, answer_body(answer)))
        metrics["judge_correctness"] = CORRECTNESS_SCORES.get(correctness.label)
        labels = {"correctness": correctness.label, "correctness_reason": correctness.reason}
    metrics["judge_undetermined_rate"] = log.rate
    return JudgeOutcome(metrics, support, labels)
