"""The CI gate: the real Assistant over the real corpus, offline, held to the baseline of each
gold set (the report set's eval/baseline-report.json is the one that counts; the tune set's
eval/baseline.json catches what tuning broke), leave-paper-out questions included; and the
generative path with a scripted model, where citation validity depends on generation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import scripted_client
from paperlens.config import Settings
from paperlens.evaluation.baseline import baseline_path, check_gate, load_baseline
from paperlens.evaluation.dataset import load_dataset
from paperlens.evaluation.runner import RunOptions, run_eval
from paperlens.evaluation.writers import write_run
from paperlens.index.paper_index import PaperIndex

ROOT = Path(__file__).resolve().parents[2]
GATE_OUTPUT = ROOT / "test-output"  # eval-gate-<set>/ kept for CI artifacts (git-ignored)


@pytest.mark.integration
@pytest.mark.parametrize("gold_set", ["report", "tune"])
def test_offline_eval_holds_the_baseline(real_settings: Settings, bundled_embedding, gold_set: str) -> None:  # type: ignore[no-untyped-def]
    from paperlens.answering.assistant import Assistant

    assistant = Assistant.from_settings(real_settings, embed_model=bundled_embedding)
    assert assistant.mode == "extractive"
    dataset_path = ROOT / "eval" / f"{gold_set}.jsonl"
    dataset = load_dataset(dataset_path, set(assistant.index.papers))
    run = run_eval(assistant, dataset, RunOptions(leave_out=True))
    output = GATE_OUTPUT / f"eval-gate-{gold_set}"
    write_run(run, output)  # read only the summary of the report set, never its questions
    report = check_gate(run.summary, load_baseline(baseline_path(ROOT / "eval", dataset_path)))
    failures = [
        f"{r.metric}: {r.value} (baseline {r.baseline}, limit {r.limit:.4f}, {r.status})"
        for r in report.failures
    ]
    assert report.passed, f"Eval of {gold_set} regressed (summary in {output}): " + "; ".join(failures)


def tiny_questions(index: PaperIndex, path: Path) -> Path:
    by_title = {paper.title: pid for pid, paper in index.papers.items()}
    rows = [
        {
            "id": "g1",
            "question": "How many attention heads can be pruned in transformers while keeping GLUE accuracy?",
            "type": "fact",
            "answerable": True,
            "gold_paper_ids": [by_title["Pruning Attention Heads in Transformers"]],
            "key_facts": ["40%", "GLUE"],
            "reference_answer": "Removing 40% of heads keeps accuracy within 1 point on GLUE.",
        },
        {
            "id": "g2",
            "question": "What top-1 accuracy does the distilled MobileNet student reach on ImageNet?",
            "type": "fact",
            "answerable": True,
            "gold_paper_ids": [by_title["Knowledge Distillation for Compact Image Classifiers"]],
            "key_facts": ["74.2%"],
            "reference_answer": "The student reaches 74.2% top-1 accuracy.",
        },
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_generative_path_with_a_scripted_model(
    tiny_index: PaperIndex, settings: Settings, tmp_path: Path
) -> None:
    from paperlens.answering.assistant import Assistant
    from paperlens.providers import HashEmbedding

    client, llm = scripted_client(
        # g1: one marker that exists and one that matches no source (there are 5 sources)
        "Removing 40% of heads keeps accuracy within 1 point on GLUE [1]. It also halves memory [9].",
        "The student reaches 74.2% top-1 accuracy on ImageNet [1].",
    )
    settings.tuning.min_relevance = 0.0  # hashed-word vectors sit far below MiniLM's similarities
    assistant = Assistant.from_settings(settings, embed_model=HashEmbedding(), llm=client)
    dataset = load_dataset(tiny_questions(tiny_index, tmp_path / "q.jsonl"), set(tiny_index.papers))
    run = run_eval(assistant, dataset, RunOptions())
    assert llm.pending == 0, [(r.refusal_reason, r.answer) for r in run.results]
    g1, g2 = run.results
    assert g1.invalid_citations == [9] and g1.metrics["citation_validity"] == 0.5
    assert g2.metrics["citation_validity"] == 1.0
    assert run.summary["citation_validity"] == 0.75
    assert g1.metrics["key_fact_recall"] == 1.0 and g2.metrics["key_fact_recall"] == 1.0
    assert g1.metrics["cited_paper_recall"] == 1.0 and g2.metrics["cited_paper_precision"] == 1.0
    assert run.summary["meta"]["answer_mode"] == "generative"
    assert run.summary["meta"]["llm_model"] == "scripted-llm"
