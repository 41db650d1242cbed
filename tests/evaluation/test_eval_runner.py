"""The runner and the summary over the fake assistant, checked against hand-computed values."""

from __future__ import annotations

import math

import pytest
from eval_fakes import QUESTIONS, eval_assistant, make_answer, scripted_answers

from fakes import ScriptedAssistant, scripted_client
from paperlens.config import Settings
from paperlens.errors import QuestionError
from paperlens.evaluation.dataset import Dataset
from paperlens.evaluation.judge import Judge
from paperlens.evaluation.runner import EvalRunner, RunOptions, run_eval
from paperlens.evaluation.summary import metrics_of
from paperlens.types import PaperHit

Q = {row["id"]: row["question"] for row in QUESTIONS}


def by_id(run):  # type: ignore[no-untyped-def]
    return {r.id: r for r in run.results}


def test_per_question_metrics(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    results = by_id(run_eval(fake_assistant, dataset, RunOptions()))
    q1, q2, q3, q4 = (results[i].metrics for i in ("q1", "q2", "q3", "q4"))
    assert q1["ndcg_at_10"] == 1.0 and q1["key_fact_recall"] == 1.0 and q1["citation_validity"] == 1.0
    # q2: gold p2 (rank 2) and p3 (rank 5): DCG = 1/log2(3) + 1/log2(6), IDCG = 1 + 1/log2(3)
    ndcg = (1 / math.log2(3) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert q2["ndcg_at_10"] == pytest.approx(ndcg)
    assert (q2["recall_at_1"], q2["recall_at_5"], q2["mrr_at_10"]) == (0.0, 1.0, 0.5)
    assert (q2["cited_paper_precision"], q2["cited_paper_recall"], q2["context_recall"]) == (0.5, 0.5, 0.5)
    assert (q2["citation_support_rate"], q2["key_fact_recall"]) == (0.5, 0.5)
    assert q3["ndcg_at_10"] is None and q3["refusal_precision"] == 1.0 and q3["refusal_recall"] == 1.0
    assert q3["false_refusal_rate"] is None and q3["key_fact_recall"] is None
    assert (q4["citation_validity"], q4["sentence_citation_coverage"], q4["citation_support_rate"]) == (
        0.5,
        0.5,
        1.0,
    )
    assert q4["mrr_at_10"] == pytest.approx(1 / 6)


def test_summary_is_flat_overall_and_per_type(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    summary = run_eval(fake_assistant, dataset, RunOptions()).summary
    assert summary["recall_at_1"] == pytest.approx(1 / 3, abs=1e-6)
    assert summary["mrr_at_10"] == pytest.approx((1 + 0.5 + 1 / 6) / 3, abs=1e-6)
    assert summary["citation_validity"] == pytest.approx((1 + 1 + 0.5) / 3, abs=1e-6)
    assert summary["key_fact_recall"] == pytest.approx(2.5 / 3, abs=1e-6)
    assert (summary["refusal_precision"], summary["refusal_recall"], summary["false_refusal_rate"]) == (
        1,
        1,
        0,
    )
    assert summary["fact/ndcg_at_10"] == 1.0 and summary["multi/key_fact_recall"] == 0.5
    assert summary["unanswerable/refusal_recall"] == 1.0
    assert "unanswerable/ndcg_at_10" not in summary  # undefined per-type values are left out
    assert summary["total_ms_p50"] == 35.0 and "search_ms_p95" in summary
    assert all(isinstance(v, float | int | None) for v in metrics_of(summary).values())


def test_meta_says_what_was_measured(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    meta = run_eval(fake_assistant, dataset, RunOptions(k=3, mode="bm25")).summary["meta"]
    assert meta["dataset_version"] == dataset.version and meta["corpus_papers"] == 6
    assert meta["answer_mode"] == "extractive" and meta["llm_model"] == "extractive"
    assert meta["embedding_model"] == "hash:hash-512" and meta["retrieval_mode"] == "bm25" and meta["k"] == 3
    assert meta["counts"] == {
        "questions": 4,
        "errors": 0,
        "by_type": {"paraphrase": 1, "fact": 1, "multi": 1, "unanswerable": 1},
    }
    assert len(meta["config_hash"]) == 12 and meta["judge_model"] is None
    assert "git_commit" in meta


def test_config_hash_follows_options_and_settings(settings: Settings, dataset: Dataset) -> None:
    def config(assistant: ScriptedAssistant, options: RunOptions) -> str:
        return run_eval(assistant, dataset, options).summary["meta"]["config_hash"]

    base = config(eval_assistant(settings), RunOptions())
    assert config(eval_assistant(settings), RunOptions()) == base
    assert config(eval_assistant(settings), RunOptions(k=3)) != base
    other = settings.model_copy(update={"data_dir": settings.data_dir / "elsewhere"})
    assert config(eval_assistant(other), RunOptions()) == base  # paths do not change answers
    settings.tuning.min_relevance = 0.5
    assert config(eval_assistant(settings), RunOptions()) != base


def test_search_at_depth_ten_and_ask_with_k(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    run_eval(fake_assistant, dataset, RunOptions(k=3))
    calls = [(c["kind"], c["question"], c["k"]) for c in fake_assistant.calls]
    assert ("search", Q["q1"], 10) in calls
    assert ("ask", Q["q1"], 3) in calls


def test_retrieval_only_never_asks(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    run = run_eval(fake_assistant, dataset, RunOptions(retrieval_only=True))
    assert not [c for c in fake_assistant.calls if c["kind"] == "ask"]
    assert run.summary["ndcg_at_10"] is not None
    assert "key_fact_recall" not in run.summary and run.summary["meta"]["answer_mode"] is None


def test_question_errors_are_recorded_and_the_run_goes_on(settings: Settings, dataset: Dataset) -> None:
    grumpy = eval_assistant(settings).script(Q["q2"], error=QuestionError("The question is too long."))
    run = run_eval(grumpy, dataset, RunOptions())
    results = by_id(run)
    assert results["q2"].error == "The question is too long." and results["q2"].answer is None
    assert results["q1"].answer and run.summary["meta"]["counts"]["errors"] == 1


def test_search_rejections_are_recorded_too(settings: Settings, dataset: Dataset) -> None:
    class Strict(ScriptedAssistant):
        def search(self, query: str, *args: object, **kwargs: object) -> list[PaperHit]:
            raise QuestionError("Empty question.")

    strict = Strict(settings)
    results = run_eval(strict, dataset, RunOptions()).results
    assert all(r.error == "Empty question." and not r.metrics for r in results)


def test_a_refusal_earns_no_key_facts(settings: Settings, dataset: Dataset) -> None:
    q1 = dataset.questions[0].question
    answers = scripted_answers()
    answers[q1] = make_answer(q1, text="Not stated. Closest: ResNet-50 at 77.33%", refused=True)
    result = by_id(run_eval(eval_assistant(settings, answers=answers), dataset, RunOptions()))["q1"]
    assert result.metrics["key_fact_recall"] == 0.0 and result.metrics["false_refusal_rate"] == 1.0


def test_progress_is_reported_per_question(fake_assistant: ScriptedAssistant, dataset: Dataset) -> None:
    seen: list[str] = []
    EvalRunner(fake_assistant, RunOptions()).run(dataset.questions, lambda r: seen.append(r.id))
    assert seen == ["q1", "q2", "q3", "q4"]


def test_results_keep_titles_of_ranked_and_gold_papers(
    fake_assistant: ScriptedAssistant, dataset: Dataset
) -> None:
    q2 = by_id(run_eval(fake_assistant, dataset, RunOptions()))["q2"]
    assert q2.titles["p3"] == "Federated Learning at Scale" and q2.ranking[:2] == ["x1", "p2"]
    assert q2.context_ids == ["p2", "x1"] and [c.paper_id for c in q2.citations] == ["p2", "x1"]


def test_judged_run_adds_judge_metrics(settings: Settings, dataset: Dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    yes, no = '{"verdict": "supported"}', '{"verdict": "not_supported"}'
    correct = '{"verdict": "correct"}'
    client, llm = scripted_client(
        yes, correct,  # q1: one sentence citing [1]; correctness
        yes, no, correct,  # q2: s1 [1] yes, s2 [2] no; correctness
        correct,  # q3: refused, correctness only
        yes, correct,  # q4: s1 [1] yes; s2 has no citation (no call); correctness
    )  # fmt: skip
    judge = Judge.load(client, settings.prompts_dir, tmp_path / "cache", {})
    run = run_eval(eval_assistant(settings, llm=client), dataset, RunOptions(), judge)
    assert llm.pending == 0
    results = by_id(run)
    assert results["q2"].metrics["alce_citation_recall"] == 0.5
    assert results["q2"].sentences[1].judged_supported is False
    assert results["q4"].metrics["alce_citation_recall"] == 0.5  # the uncited sentence scores 0
    assert run.summary["judge_correctness"] == 1.0 and run.summary["judge_undetermined_rate"] == 0.0
    assert run.summary["meta"]["judge_model"] == "scripted-llm"
    assert run.summary["meta"]["judge_stats"]["calls"] == 8
