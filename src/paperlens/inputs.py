"""The rules for what a user may ask, in one place: the CLI, the web app and its /ask API, and
the Assistant all check questions, k, the retrieval mode and filters here, so every surface
accepts and refuses the same things with the same message.

These checks need no model and no index, so callers run them before loading either.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from paperlens.config import MAX_K, MIN_K, RetrievalMode
from paperlens.errors import QuestionError, validation_problems
from paperlens.types import SearchFilters

MODES: tuple[RetrievalMode, ...] = ("hybrid", "dense", "bm25")  # in the order the app offers them
ALLOWED_CONTROLS = "\n\t\r"  # line breaks and tabs are whitespace, folded into single spaces


def strip_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf): bidirectional overrides such as
    U+202E, which make displayed text read differently from what it is, zero-width spaces and
    joiners, soft hyphens. They are invisible and carry nothing a search can use."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def validate_question(text: str | None, max_chars: int) -> str:
    """A clean question (format characters removed, whitespace folded) or a QuestionError
    saying what to change."""
    text = strip_format_characters(text or "")
    if not text.strip():
        raise QuestionError("The question is empty. Type a question about the papers.")
    if len(text) > max_chars:
        raise QuestionError(
            f"The question is {len(text)} characters long; the limit is {max_chars}. Shorten it."
        )
    control = [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS]
    if control:
        raise QuestionError(
            f"The question contains control characters ({', '.join(repr(c) for c in control[:3])}); "
            "remove them and ask again."
        )
    return " ".join(text.split())


def validate_k(k: float | None) -> int | None:
    """Papers to retrieve: None for the configured default, else a whole number in 1..100."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k) or k != int(k):
        raise QuestionError(f"k must be a whole number of papers from {MIN_K} to {MAX_K}; got {k!r}.")
    if not MIN_K <= k <= MAX_K:
        raise QuestionError(f"k must be from {MIN_K} to {MAX_K} papers; got {int(k)}.")
    return int(k)


def validate_mode(mode: str | None) -> RetrievalMode | None:
    """A retrieval mode, or None (also for '') for the configured default."""
    if not mode:
        return None
    for known in MODES:
        if mode == known:
            return known
    raise QuestionError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")


def validate_filters(filters: Any) -> SearchFilters | None:
    """Filters as a SearchFilters (or a dict of its fields); None when they filter nothing."""
    if isinstance(filters, SearchFilters):
        parsed = filters
    else:
        try:
            parsed = SearchFilters.model_validate(filters or {})
        except ValidationError as error:
            raise QuestionError(f"Invalid filters ({validation_problems(error)}).") from None
    if parsed.year_min is not None and parsed.year_max is not None and parsed.year_min > parsed.year_max:
        raise QuestionError(
            f"Invalid filters: year_min {parsed.year_min} is after year_max {parsed.year_max}."
        )
    return None if parsed.is_empty() else parsed


@dataclass(frozen=True)
class Request:
    """A question with its options, checked."""

    question: str
    k: int | None = None
    mode: RetrievalMode | None = None
    filters: SearchFilters | None = None


def validate_request(
    question: str | None, max_chars: int, k: float | None = None, mode: str | None = None, filters: Any = None
) -> Request:
    """Every input of a question at once: the one check the CLI and the web API both run."""
    return Request(
        validate_question(question, max_chars), validate_k(k), validate_mode(mode), validate_filters(filters)
    )
