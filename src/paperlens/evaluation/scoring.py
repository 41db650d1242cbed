"""Turns one question's ranking and answer into its deterministic metrics, by name.

Names here are the names everywhere else: results.jsonl, summary.json, reports and the gate.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperlens.evaluation.dataset import GoldQuestion
from paperlens.evaluation.metrics import citations as cite
from paperlens.evaluation.metrics.facts import key_fact_recall
from paperlens.evaluation.metrics.refusal import refusal_metrics
from paperlens.evaluation.metrics.retrieval import mrr_at_k, ndcg_at_k, recall_at_k
from paperlens.types import Answer

RANK_DEPTH = 10
RECALL_KS = (1, 5, 10)

Metrics = dict[str, float | None]


def retrieval_metrics(ranking: Sequence[str], gold: Sequence[str]) -> Metrics:
    """recall@1/5/10, MRR@10 and nDCG@10 of the search ranking."""
    metrics: Metrics = {f"recall_at_{k}": recall_at_k(ranking, gold, k) for k in RECALL_KS}
    metrics["mrr_at_10"] = mrr_at_k(ranking, gold, RANK_DEPTH)
    metrics["ndcg_at_10"] = ndcg_at_k(ranking, gold, RANK_DEPTH)
    return metrics


def answer_body(answer: Answer) -> str:
    """The answer without its mode notice, which says nothing about the question."""
    text = answer.answer
    if answer.notice and text.startswith(answer.notice):
        text = text[len(answer.notice) :]
    return text.strip()


def fact_recall(answer: Answer, gold: GoldQuestion) -> float | None:
    """Key-fact recall; a refusal scores 0 even when the titles it lists happen to match."""
    if answer.refused and gold.key_facts:
        return 0.0
    return key_fact_recall(answer_body(answer), gold.key_facts)


def answer_metrics(answer: Answer, gold: GoldQuestion) -> Metrics:
    """Citation, fact and refusal metrics of one answer."""
    context = [hit.paper_id for hit in answer.retrieved]
    return {
        "context_recall": recall_at_k(context, gold.gold_paper_ids, len(context) or 1),
        "citation_validity": cite.citation_validity(answer),
        "sentence_citation_coverage": cite.sentence_citation_coverage(answer),
        "cited_paper_precision": cite.cited_paper_precision(answer, gold.gold_paper_ids),
        "cited_paper_recall": cite.cited_paper_recall(answer, gold.gold_paper_ids),
        "citation_support_rate": cite.citation_support_rate(answer),
        "key_fact_recall": fact_recall(answer, gold),
        **refusal_metrics(answer.refused, gold.answerable),
    }
