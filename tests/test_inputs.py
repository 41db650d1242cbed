"""The one set of input rules (paperlens.inputs): questions, k, mode and filters."""

from __future__ import annotations

from typing import get_args

import pytest

from paperlens.config import RetrievalMode
from paperlens.errors import QuestionError
from paperlens.inputs import (
    MODES,
    validate_filters,
    validate_k,
    validate_mode,
    validate_question,
    validate_request,
)
from paperlens.types import SearchFilters


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        (None, "empty"),
        ("x" * 2001, "limit is 2000"),
        ("what\x00now", "control characters"),
        ("\u202e\u200b", "empty"),  # nothing left once the invisible characters go
    ],
)
def test_bad_questions_get_clear_messages(text: str | None, problem: str) -> None:
    with pytest.raises(QuestionError, match=problem):
        validate_question(text, 2000)


def test_good_question_is_normalized() -> None:
    assert validate_question("  what   about\tpruning?\n", 2000) == "what about pruning?"


@pytest.mark.parametrize(
    "invisible",
    ["\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200b", "\u00ad", "\ufeff", "\u061c"],
)
def test_format_characters_are_removed(invisible: str) -> None:
    assert validate_question(f"prun{invisible}ing heads{invisible}?", 2000) == "pruning heads?"


@pytest.mark.parametrize(("k", "expected"), [(None, None), (1, 1), (100, 100), (5.0, 5)])
def test_k_in_range(k: float | None, expected: int | None) -> None:
    assert validate_k(k) == expected


@pytest.mark.parametrize("k", [0, -3, 101, 10**9, 2.5, float("nan"), float("inf"), True, "5"])
def test_k_out_of_range_is_refused(k: object) -> None:
    with pytest.raises(QuestionError, match="k must"):
        validate_k(k)  # type: ignore[arg-type]


def test_mode() -> None:
    assert validate_mode("") is None and validate_mode(None) is None and validate_mode("bm25") == "bm25"
    assert set(MODES) == set(get_args(RetrievalMode))
    with pytest.raises(QuestionError, match="use one of hybrid, dense, bm25"):
        validate_mode("sparse")


def test_filters() -> None:
    assert validate_filters({}) is None and validate_filters(None) is None
    assert validate_filters({"has_code": True}) == SearchFilters(has_code=True)
    for bad in ({"has_code": "maybe"}, {"colour": "red"}, "has_code", [1]):
        with pytest.raises(QuestionError, match="Invalid filters"):
            validate_filters(bad)
    with pytest.raises(QuestionError, match="year_min 2024 is after year_max 2020"):
        validate_filters({"year_min": 2024, "year_max": 2020})


def test_request_checks_everything() -> None:
    request = validate_request(" pruning\u202e ", 2000, k=3, mode="dense", filters={"year_min": 2020})
    assert (request.question, request.k, request.mode) == ("pruning", 3, "dense")
    assert request.filters == SearchFilters(year_min=2020)
