"""Citation, key-fact, refusal and aggregation metrics on hand-built answers."""

from __future__ import annotations

import pytest
from eval_fakes import make_answer

from paperlens.evaluation.metrics import citations as cite
from paperlens.evaluation.metrics.facts import contains_fact, key_fact_recall, normalize
from paperlens.evaluation.metrics.refusal import refusal_metrics
from paperlens.evaluation.metrics.stats import mean, percentile


def mixed_answer():  # type: ignore[no-untyped-def]
    """Three sentences: one cites gold p1 (supported), one cites x1 (unsupported), one nothing;
    the model also wrote a marker [7] that matched no source."""
    return make_answer(
        "q",
        sources=["p1", "x1", "p2"],
        sentences=[("A [1].", [1], True), ("B [2].", [2], False), ("C.", [], False)],
        invalid=[7],
    )


def test_citation_validity_counts_distinct_valid_and_invalid_markers() -> None:
    # valid markers {1, 2}, invalid {7}: 2 / (2 + 1)
    assert cite.citation_validity(mixed_answer()) == pytest.approx(2 / 3)
    assert cite.citation_validity(make_answer("q", text="No markers.")) is None


def test_sentence_citation_coverage() -> None:
    assert cite.sentence_citation_coverage(mixed_answer()) == pytest.approx(2 / 3)
    assert cite.sentence_citation_coverage(make_answer("q", text="x")) is None


def test_cited_paper_precision_and_recall_use_markers_in_the_text() -> None:
    answer = mixed_answer()  # p2 is listed as source [3] but never cited in the text
    assert cite.cited_papers(answer) == {"p1", "x1"}
    assert cite.cited_paper_precision(answer, ["p1", "p2"]) == 0.5
    assert cite.cited_paper_recall(answer, ["p1", "p2"]) == 0.5
    assert cite.cited_paper_precision(answer, []) is None
    assert cite.cited_paper_recall(answer, []) is None


def test_cited_paper_recall_is_zero_when_nothing_is_cited() -> None:
    answer = make_answer("q", text="I cannot tell.", refused=True)
    assert cite.cited_paper_recall(answer, ["p1"]) == 0.0
    assert cite.cited_paper_precision(answer, ["p1"]) is None


def test_citation_support_rate_counts_only_cited_sentences() -> None:
    assert cite.citation_support_rate(mixed_answer()) == 0.5


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("It reaches 2.08\\% error.", "2.08%"),
        ("It reaches 2.08 % error.", "2.08%"),
        ("Uses the S\u2013KAN layer", "S-KAN"),
        ("Uses the S\u2011KAN layer", "s-kan"),
        ("Trained on 117,702 cells", "117,702"),
        ("Trained on 117702 cells", "117,702"),
        ("RESNET-50   backbone", "ResNet-50"),
        ("a 3.6\u00d7 speed-up", "3.6x"),
        ("the \u2113_1-norm", "l_1-norm"),
        ("the fully\u00a0connected layer", "fully connected"),
        ("(split, broadcast and partial-value)", "split, broadcast and partial-value"),
    ],
)
def test_key_facts_match_after_normalization(text: str, fact: str) -> None:
    assert contains_fact(text, fact), (normalize(text), normalize(fact))


@pytest.mark.parametrize(
    ("text", "fact"),
    [("accuracy of 198% oddly", "98%"), ("S-KANs", "S-KAN"), ("2.081", "2.08"), ("", "x"), ("anything", "")],
)
def test_key_facts_match_whole_tokens_only(text: str, fact: str) -> None:
    assert not contains_fact(text, fact)


def test_normalize_by_hand() -> None:
    assert normalize("  Top-1: 77.33\\% (ResNet\u201450)!") == "top 1 77 33 % resnet 50"


def test_key_fact_recall() -> None:
    assert key_fact_recall("FlashKAT and AF-KAN", ["FlashKAT", "S-KAN", "AF-KAN"]) == pytest.approx(2 / 3)
    assert key_fact_recall("anything", []) is None


def test_refusal_contributions_give_set_level_rates() -> None:
    # 2 unanswerable (one refused), 3 answerable (one refused).
    outcomes = [(True, False), (False, False), (True, True), (False, True), (False, True)]
    rows = [refusal_metrics(refused, answerable) for refused, answerable in outcomes]
    rate = {name: mean(row[name] for row in rows) for name in rows[0]}
    assert rate["refusal_precision"] == 0.5  # 1 of 2 refusals was on an unanswerable question
    assert rate["refusal_recall"] == 0.5  # 1 of 2 unanswerable refused
    assert rate["false_refusal_rate"] == pytest.approx(1 / 3)  # 1 of 3 answerable refused
    assert rate["refusal_accuracy"] == pytest.approx(3 / 5)  # right on q1, q4, q5


def test_mean_skips_undefined_and_percentile_interpolates() -> None:
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) is None
