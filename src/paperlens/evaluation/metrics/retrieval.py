"""Paper-level ranking metrics with binary relevance (a paper is gold or it is not)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence


def recall_at_k(ranking: Sequence[str], gold: Collection[str], k: int) -> float | None:
    """Share of gold papers among the first k results; None without gold papers."""
    if not gold:
        return None
    return len(set(ranking[:k]) & set(gold)) / len(set(gold))


def mrr_at_k(ranking: Sequence[str], gold: Collection[str], k: int) -> float | None:
    """1/rank of the first gold paper within k, 0 when none is there."""
    if not gold:
        return None
    for rank, paper_id in enumerate(ranking[:k], 1):
        if paper_id in gold:
            return 1.0 / rank
    return 0.0


def dcg(relevances: Sequence[float]) -> float:
    """Discounted cumulative gain: rank i (from 1) counts rel_i / log2(i + 1)."""
    return sum(rel / math.log2(rank + 1) for rank, rel in enumerate(relevances, 1))


def ndcg_at_k(ranking: Sequence[str], gold: Collection[str], k: int) -> float | None:
    """DCG of the first k results over the DCG of a perfect ranking of the same depth."""
    if not gold:
        return None
    gains = [1.0 if paper_id in gold else 0.0 for paper_id in dedupe(ranking)[:k]]
    ideal = [1.0] * min(len(set(gold)), k)
    return dcg(gains) / dcg(ideal)


def recall_curve(ranking: Sequence[str], gold: Collection[str], depth: int) -> list[float] | None:
    """recall@1 .. recall@depth, for plotting."""
    if not gold:
        return None
    return [recall_at_k(ranking, gold, k) or 0.0 for k in range(1, depth + 1)]


def dedupe(ranking: Sequence[str]) -> list[str]:
    """A paper listed twice earns its gain once, at its best rank."""
    return list(dict.fromkeys(ranking))
