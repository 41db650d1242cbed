"""Runs an assistant over gold questions and scores every answer.

Retrieval metrics come from `assistant.search` at depth 10, so recall@10 means the same
whatever k the answers use; the answer's own `retrieved` papers give `context_recall`. With
`leave_out`, every answerable question is asked once more with its gold papers hidden and only
its refusal is scored (see leave_out.py). The runner only knows the `AssistantProtocol`
interface, never how answers are made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import paperlens
from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import RetrievalMode
from paperlens.errors import QuestionError
from paperlens.evaluation.dataset import Dataset, GoldQuestion
from paperlens.evaluation.judge import Judge
from paperlens.evaluation.judge_metrics import judge_answer
from paperlens.evaluation.leave_out import (
    LEAVE_OUT_TYPE,
    REFERENCE,
    LeaveOut,
    leaked,
    leave_out_metrics,
    leave_out_questions,
)
from paperlens.evaluation.meta import config_hash, corpus_version, git_commit, now
from paperlens.evaluation.records import QuestionResult
from paperlens.evaluation.scoring import RANK_DEPTH, answer_metrics, retrieval_metrics
from paperlens.types import Answer, PaperHit

Progress = Callable[[QuestionResult], None]


@dataclass(frozen=True)
class RunOptions:
    k: int | None = None
    mode: RetrievalMode | None = None
    retrieval_only: bool = False
    depth: int = RANK_DEPTH
    leave_out: bool = False


def planned(dataset: Dataset, options: RunOptions) -> int:
    """How many results a run of `dataset` makes (for progress bars)."""
    extra = len(leave_out_questions(dataset.questions)) if options.leave_out else 0
    return len(dataset.questions) + extra


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class EvalRunner:
    def __init__(self, assistant: AssistantProtocol, options: RunOptions, judge: Judge | None = None) -> None:
        self.assistant, self.options, self.judge = assistant, options, judge

    def run(
        self, questions: Sequence[GoldQuestion], progress: Progress | None = None
    ) -> list[QuestionResult]:
        results = []
        for gold in questions:
            results.append(self.evaluate(gold))
            if progress:
                progress(results[-1])
        for item in leave_out_questions(questions) if self.options.leave_out else []:
            results.append(self.evaluate_leave_out(item))
            if progress:
                progress(results[-1])
        return results

    def evaluate(self, gold: GoldQuestion) -> QuestionResult:
        """One question; a question the assistant rejects is recorded as an error, not fatal."""
        result = QuestionResult.start(gold)
        try:
            self.rank(gold, result)
            if not self.options.retrieval_only:
                answer = self.assistant.ask(gold.question, k=self.options.k, mode=self.options.mode)
                self.score_answer(gold, answer, result)
        except QuestionError as error:
            result.error = str(error)
        return result

    def evaluate_leave_out(self, item: LeaveOut) -> QuestionResult:
        """The question with its gold papers hidden: refused or not; a hidden paper that comes
        back is an error (the filter failed) and counts as not refused."""
        result = QuestionResult(
            id=item.id,
            question=item.question,
            type=LEAVE_OUT_TYPE,
            answerable=False,
            hidden_paper_ids=item.hidden,
            reference_answer=REFERENCE,
        )
        try:
            answer = self.assistant.ask(
                item.question, filters=item.filters, k=self.options.k, mode=self.options.mode
            )
        except QuestionError as error:
            result.error = str(error)
            return result
        result.record_answer(answer)
        result.titles = self.titles(answer.retrieved, item.gold)
        leaks = leaked(answer, item.hidden)
        if leaks:
            result.error = f"hidden papers came back in the answer: {', '.join(leaks)}"
        result.metrics.update(leave_out_metrics(answer.refused and not leaks))
        return result

    def rank(self, gold: GoldQuestion, result: QuestionResult) -> None:
        started = time.perf_counter()
        hits = self.assistant.search(gold.question, k=self.options.depth, mode=self.options.mode)
        result.timings["search_ms"] = elapsed_ms(started)
        result.ranking = [hit.paper_id for hit in hits]
        result.titles = self.titles(hits, gold)
        result.metrics.update(retrieval_metrics(result.ranking, gold.gold_paper_ids))

    def score_answer(self, gold: GoldQuestion, answer: Answer, result: QuestionResult) -> None:
        result.record_answer(answer)
        result.titles |= self.titles(answer.retrieved, gold)
        result.metrics.update(answer_metrics(answer, gold))
        if self.judge is None:
            return
        outcome = judge_answer(answer, gold, self.judge)
        result.metrics.update(outcome.metrics)
        result.judge = outcome.labels
        for sentence, supported in zip(result.sentences, outcome.sentence_support, strict=False):
            sentence.judged_supported = supported

    def titles(self, hits: Sequence[PaperHit], gold: GoldQuestion) -> dict[str, str]:
        papers = self.assistant.index.papers
        titles = {hit.paper_id: hit.title for hit in hits}
        return titles | {pid: papers[pid].title for pid in gold.gold_paper_ids if pid in papers}

    def meta(self, dataset: Dataset, seconds: float) -> dict[str, Any]:
        """What this run measured; goes into summary.json's `meta`."""
        from paperlens.providers import embedding_signature

        settings, options = self.assistant.settings, asdict(self.options)
        return {
            "created_at": now(),
            "dataset": dataset.path,
            "dataset_version": dataset.version,
            "corpus_papers": len(self.assistant.index.papers),
            "corpus_version": corpus_version(dict(self.assistant.index.papers)),
            "config_hash": config_hash(settings, options | {"judge": self.judge is not None}),
            "options": options,
            "answer_mode": None if self.options.retrieval_only else self.assistant.mode,
            "llm_model": None if self.options.retrieval_only else self.assistant.model_name,
            "embedding_model": embedding_signature(settings.embedding),
            "retrieval_mode": self.options.mode or settings.retrieval.mode,
            "k": self.options.k or settings.retrieval.k,
            "judge_model": self.judge.model_name if self.judge else None,
            "judge_stats": asdict(self.judge.stats) if self.judge else None,
            "git_commit": git_commit(),
            "paperlens_version": paperlens.__version__,
            "duration_s": round(seconds, 2),
        }


@dataclass
class EvalRun:
    """A finished run: one result per question and the summary built from them."""

    results: list[QuestionResult]
    summary: dict[str, Any]


def run_eval(
    assistant: AssistantProtocol,
    dataset: Dataset,
    options: RunOptions,
    judge: Judge | None = None,
    progress: Progress | None = None,
) -> EvalRun:
    from paperlens.evaluation.summary import summarize

    started = time.perf_counter()
    runner = EvalRunner(assistant, options, judge)
    results = runner.run(dataset.questions, progress)
    return EvalRun(results, summarize(results, runner.meta(dataset, time.perf_counter() - started)))
