"""The catalogue of metrics: one place that names, describes and orders them.

Reports, `eval compare` and the gate read it, so a metric added here shows up everywhere with
the same label and the same notion of which direction is better.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    section: str
    description: str
    higher_is_better: bool = True


CATALOG: tuple[MetricInfo, ...] = (
    MetricInfo("recall_at_1", "recall@1", "Retrieval", "Share of gold papers ranked first."),
    MetricInfo("recall_at_5", "recall@5", "Retrieval", "Share of gold papers in the top 5."),
    MetricInfo("recall_at_10", "recall@10", "Retrieval", "Share of gold papers in the top 10."),
    MetricInfo("mrr_at_10", "MRR@10", "Retrieval", "1/rank of the first gold paper (0 beyond 10)."),
    MetricInfo("ndcg_at_10", "nDCG@10", "Retrieval", "Binary-relevance nDCG of the top 10."),
    MetricInfo(
        "context_recall", "context recall", "Retrieval", "Share of gold papers the answer was built from."
    ),
    MetricInfo("citation_validity", "valid markers", "Citations", "valid / (valid + invalid) [n] markers."),
    MetricInfo(
        "sentence_citation_coverage",
        "sentence coverage",
        "Citations",
        "Share of answer sentences with a citation.",
    ),
    MetricInfo(
        "cited_paper_precision", "cited-paper precision", "Citations", "Share of cited papers that are gold."
    ),
    MetricInfo(
        "cited_paper_recall", "cited-paper recall", "Citations", "Share of gold papers the answer cites."
    ),
    MetricInfo(
        "citation_support_rate",
        "supported sentences",
        "Citations",
        "Share of cited sentences the answer engine judged supported by their sources.",
    ),
    MetricInfo(
        "key_fact_recall", "key-fact recall", "Facts", "Share of key facts in the answer (normalized match)."
    ),
    MetricInfo(
        "refusal_precision",
        "refusal precision",
        "Refusal",
        "Share of refusals that were on unanswerable questions.",
    ),
    MetricInfo("refusal_recall", "refusal recall", "Refusal", "Share of unanswerable questions refused."),
    MetricInfo(
        "refusal_accuracy",
        "refusal accuracy",
        "Refusal",
        "Share of questions refused exactly when unanswerable.",
    ),
    MetricInfo(
        "false_refusal_rate",
        "false refusals",
        "Refusal",
        "Share of answerable questions refused.",
        higher_is_better=False,
    ),
    MetricInfo(
        "leave_out_refusal_recall",
        "leave-out refusal recall",
        "Refusal",
        "Share of answerable questions refused once their gold papers are hidden (--leave-out).",
    ),
    MetricInfo(
        "alce_citation_recall",
        "ALCE citation recall",
        "Judge",
        "Share of sentences their cited passages entail (judge).",
    ),
    MetricInfo(
        "alce_citation_precision",
        "ALCE citation precision",
        "Judge",
        "Share of citations that are not irrelevant (judge).",
    ),
    MetricInfo(
        "judge_correctness",
        "correctness",
        "Judge",
        "Agreement with the reference answer: 1, 0.5 or 0 (judge).",
    ),
    MetricInfo(
        "judge_undetermined_rate",
        "undetermined verdicts",
        "Judge",
        "Share of judge verdicts that stayed undetermined after retries.",
        higher_is_better=False,
    ),
)
BY_NAME = {info.name: info for info in CATALOG}
LATENCY_SUFFIXES = ("p50", "p95")


def info(name: str) -> MetricInfo:
    """Catalogue entry of a metric, including per-type (`fact/ndcg_at_10`) and latency names."""
    base = name.rsplit("/", 1)[-1]
    if base in BY_NAME:
        return BY_NAME[base]
    if base.endswith(LATENCY_SUFFIXES):
        stage = base.rsplit("_", 1)[0]
        return MetricInfo(
            base, base.replace("_", " "), "Latency", f"Milliseconds, {stage}.", higher_is_better=False
        )
    return MetricInfo(base, base, "Other", "")


def ordered(names: list[str]) -> list[str]:
    """Catalogue order first, then latency and anything else alphabetically."""
    rank = {info.name: i for i, info in enumerate(CATALOG)}
    return sorted(names, key=lambda n: (rank.get(n.rsplit("/", 1)[-1], len(rank)), n))
