"""Key-fact recall by normalized string match.

Normalization makes harmless spelling differences match: case, unicode dashes and spaces,
LaTeX escapes (``2.08\\%``), digit-group commas (``117,702``) and punctuation. Matching is on
whole tokens, so "98%" is not found inside "198%".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
LATEX_MARKUP = re.compile(r"[\\{}$^_]")
DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}\b)")
PERCENT = re.compile(r"%")
NOT_WORD = re.compile(r"[^0-9a-z%]+")


def normalize(text: str) -> str:
    """Lower-cased tokens joined by single spaces; '%' is a token of its own."""
    text = unicodedata.normalize("NFKC", text).translate(DASHES).replace("×", "x").lower()
    text = LATEX_MARKUP.sub("", text)
    text = DIGIT_GROUP.sub("", text)
    text = PERCENT.sub(" % ", text)
    return " ".join(NOT_WORD.sub(" ", text).split())


def contains_fact(text: str, fact: str) -> bool:
    needle = normalize(fact)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "


def key_fact_recall(text: str, facts: Sequence[str]) -> float | None:
    """Share of the key facts found in the text; None when the question lists none."""
    if not facts:
        return None
    return sum(contains_fact(text, fact) for fact in facts) / len(facts)
