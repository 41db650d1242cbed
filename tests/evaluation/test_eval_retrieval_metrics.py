"""Ranking metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from paperlens.evaluation.metrics.retrieval import dcg, mrr_at_k, ndcg_at_k, recall_at_k, recall_curve

# Gold p1..p4; p1 at rank 1, p2 at 3, p3 at 5, p4 at 11 (outside the top 10).
RANKING = ["p1", "x1", "p2", "x2", "p3", "x3", "x4", "x5", "x6", "x7", "p4"]
GOLD = {"p1", "p2", "p3", "p4"}


def test_ndcg_at_10_by_hand() -> None:
    # DCG@10  = 1/log2(2) + 1/log2(4) + 1/log2(6) = 1 + 0.5 + 0.386853 = 1.886853
    # IDCG@10 = 1/log2(2) + 1/log2(3) + 1/log2(4) + 1/log2(5)
    #         = 1 + 0.630930 + 0.5 + 0.430677 = 2.561606
    # nDCG@10 = 1.886853 / 2.561606 = 0.736590
    assert ndcg_at_k(RANKING, GOLD, 10) == pytest.approx(0.736590, abs=1e-6)


def test_ndcg_perfect_and_empty_rankings() -> None:
    assert ndcg_at_k(["p1", "p2"], {"p1", "p2"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x1", "x2"], {"p1"}, 10) == 0.0
    assert ndcg_at_k([], {"p1"}, 10) == 0.0


def test_ndcg_ideal_is_capped_at_k() -> None:
    # 12 gold papers but k=10: a ranking of 10 gold papers is perfect.
    gold = {f"g{i}" for i in range(12)}
    assert ndcg_at_k(sorted(gold)[:10], gold, 10) == pytest.approx(1.0)


def test_ndcg_counts_a_repeated_paper_once() -> None:
    assert ndcg_at_k(["p1", "p1"], {"p1", "p2"}, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_dcg_formula() -> None:
    assert dcg([1, 0, 1]) == pytest.approx(1 + 1 / math.log2(4))


def test_recall_at_k() -> None:
    assert recall_at_k(RANKING, GOLD, 1) == 0.25
    assert recall_at_k(RANKING, GOLD, 5) == 0.75
    assert recall_at_k(RANKING, GOLD, 10) == 0.75
    assert recall_at_k(RANKING, GOLD, 11) == 1.0


def test_mrr_at_k() -> None:
    assert mrr_at_k(["x", "y", "p2"], GOLD, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(RANKING, GOLD, 10) == 1.0
    assert mrr_at_k(["x"] * 10 + ["p1"], GOLD, 10) == 0.0


def test_metrics_without_gold_papers_are_undefined() -> None:
    for metric in (recall_at_k, mrr_at_k, ndcg_at_k):
        assert metric(RANKING, set(), 10) is None
    assert recall_curve(RANKING, set(), 10) is None


def test_recall_curve_is_recall_at_each_depth() -> None:
    assert recall_curve(RANKING, GOLD, 5) == [0.25, 0.25, 0.5, 0.5, 0.75]
