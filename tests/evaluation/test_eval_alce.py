"""ALCE citation recall and precision, including the paper's worked example."""

from __future__ import annotations

import pytest

from paperlens.evaluation.metrics.alce import alce_scores


def oracle(supporting: dict[int, list[set[int]]]):  # type: ignore[no-untyped-def]
    """Entailment from a table: sentence i is entailed by a set of passages that contains one of
    its minimal supporting sets."""

    def entails(index: int, cites: frozenset[int]) -> bool:
        return any(minimal <= cites for minimal in supporting.get(index, []))

    return entails


def test_alce_worked_example() -> None:
    # Three sentences citing [1][2], [3] and [2][4][5] (ALCE, Gao et al. 2023):
    # s1: [1] alone supports it, [2] does not, so [2] is irrelevant (it alone does not support
    #     s1 and [1] without it still does) -> recall 1, precise citations: [1].
    # s2: [3] does not support it -> recall 0, [3] imprecise.
    # s3: only [2][4][5] together support it, so none can be dropped -> recall 1, all precise.
    entails = oracle({0: [{1}], 1: [], 2: [{2, 4, 5}]})
    scores = alce_scores([[1, 2], [3], [2, 4, 5]], entails)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.precision == pytest.approx(4 / 6)
    assert scores.undetermined == 0


def test_citation_that_helps_jointly_is_not_irrelevant() -> None:
    # Neither [1] nor [2] alone supports the sentence, together they do: both precise.
    scores = alce_scores([[1, 2]], oracle({0: [{1, 2}]}))
    assert (scores.recall, scores.precision) == (1.0, 1.0)


def test_redundant_citations_both_count_as_precise() -> None:
    # [1] and [2] each support it alone: condition A holds for both, neither is irrelevant.
    scores = alce_scores([[1, 2]], oracle({0: [{1}, {2}]}))
    assert scores.precision == 1.0


def test_sentence_without_citations_has_recall_zero() -> None:
    scores = alce_scores([[1], []], oracle({0: [{1}], 1: [{1}]}))
    assert scores.recall == 0.5
    assert scores.precision == 1.0


def test_no_citations_at_all_leave_precision_undefined() -> None:
    scores = alce_scores([[]], oracle({}))
    assert scores.recall == 0.0
    assert scores.precision is None


def test_undetermined_verdicts_are_left_out_not_guessed() -> None:
    def entails(index: int, cites: frozenset[int]) -> bool | None:
        return None if index == 1 else True

    scores = alce_scores([[1], [2], [3]], entails)
    assert scores.recall == 1.0  # 2 of 2 determined sentences
    assert scores.precision == 1.0
    assert scores.undetermined == 1


def test_undetermined_precision_check_skips_that_citation() -> None:
    def entails(index: int, cites: frozenset[int]) -> bool | None:
        if cites == frozenset({1, 2}):
            return True
        return None if cites == frozenset({2}) else False

    # joint yes; [1] alone no, rest {2} undetermined -> [1] skipped; [2] alone undetermined -> skipped
    scores = alce_scores([[1, 2]], entails)
    assert scores.recall == 1.0
    assert scores.precision is None
    assert scores.undetermined == 2
