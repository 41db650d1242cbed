"""Keyword terms and the collection's acronyms: what BM25 indexes and how a query is read.

Writers spell the same thing several ways: 'pre-training', 'pretraining' and 'pre training';
'8-bit', '8 bit' and '8bit'; 'ViT' and 'vision transformer'. `terms` makes the spellings meet:
a hyphenated word counts as the joined word and as each of its parts, a number directly
followed by a word also counts as the two joined, and a query's neighbouring words are also
tried as one word. Acronyms are learned from the collection
itself, where abstracts define them as 'long form (ACRONYM)' (Schwartz & Hearst, 2003), so a
query naming either side also searches for the other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from paperlens.text import STOPWORDS, stem, words

NUMBER = re.compile(r"\d+(?:\.\d+)?")
DEFINITION = re.compile(r"\(([^()]{2,12})\)")
CLAUSE_END = re.compile(r"[.;:?!]\s|[()\[\]]")
EDGE_PUNCTUATION = "\"'`~,;:.!?*"
LONG_FORMS_KEPT = 2  # an acronym defined several ways keeps its most common long forms


def keep(word: str) -> bool:
    return len(word) > 1 and word not in STOPWORDS


def terms(text: str) -> list[str]:
    """Stemmed keyword terms of `text`, with hyphenated and number-unit spellings joined."""
    found: list[str] = []
    tokens = words(text)
    for i, word in enumerate(tokens):
        if "-" in word:
            parts = [part for part in word.split("-") if part]
            joined = "".join(parts)
            found += [stem(joined)] if keep(joined) else []
            found += [stem(part) for part in parts if keep(part)]
        elif keep(word):
            found.append(stem(word))
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if NUMBER.fullmatch(word) and after[:1].isalpha() and after not in STOPWORDS:
            found.append(stem(word + after.replace("-", "")))
    return found


def joined_pairs(text: str) -> list[str]:
    """Each two neighbouring words written as one ('pre training' -> 'pretrain'): a query may
    split what the abstracts write as one word. Only terms the index holds will count."""
    tokens = [word for word in words(text) if "-" not in word]
    return [stem(first + second) for first, second in pairwise(tokens)]


# ---------------------------------------------------------------- acronyms


def acronym_key(short: str) -> str | None:
    """'LLMs' -> 'llm': the lookup form of something that looks like an acronym, else None."""
    short = short.strip()
    if short.endswith("s") and sum(c.isupper() for c in short[:-1]) >= 2:
        short = short[:-1]
    if not 2 <= len(short) <= 10 or " " in short or not short[0].isalnum():
        return None
    if sum(c.isupper() for c in short) < 2 or not any(c.isalpha() for c in short):
        return None
    return short.lower()


def long_form(short: str, before: str) -> str | None:
    """The words before '(short)' that spell `short` (Schwartz & Hearst's algorithm), or None.

    Every letter or digit of the acronym must occur in the long form in order, right to left,
    and its first character must start a word of it.
    """
    clause = CLAUSE_END.split(before)[-1]  # a long form never crosses a sentence or a bracket
    candidate = " ".join(clause.split()[-min(len(short) + 5, 2 * len(short)) :])
    s, position = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while position >= 0 and (
            candidate[position].lower() != char
            or (s == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return None
        position -= 1
        s -= 1
    found = candidate[candidate.rfind(" ", 0, position + 1) + 1 :].strip(EDGE_PUNCTUATION)
    return found if len(found.split()) >= 2 and len(found) > len(short) else None


def find_acronyms(texts: Iterable[str]) -> dict[str, list[str]]:
    """Acronym (lookup form) -> its long forms as defined in `texts`, most common first."""
    seen: dict[str, Counter[str]] = {}
    for text in texts:
        for match in DEFINITION.finditer(text):
            short = match.group(1).strip()
            key = acronym_key(short)
            if key is None:
                continue
            found = long_form(short[: len(key)], text[: match.start()])
            if found:
                seen.setdefault(key, Counter())[found.lower()] += 1
    return {
        key: [form for form, _ in counts.most_common(LONG_FORMS_KEPT)] for key, counts in sorted(seen.items())
    }


class Acronyms:
    """Query expansion with the collection's acronyms, both ways."""

    def __init__(self, long_forms: dict[str, list[str]]) -> None:
        self.long_forms = long_forms
        # Each long form as a tuple of terms, to find it inside a query's terms.
        self.by_terms = {
            tuple(terms(form)): key for key, forms in long_forms.items() for form in forms if terms(form)
        }

    def expand(self, query: str) -> list[str]:
        """Terms to add to the query: long forms of the acronyms it names, acronyms of the long
        forms it spells out. An acronym counts only as written with two capitals or more
        ('ViT', 'LLMs'), so ordinary lower-case words are never read as acronyms."""
        extra: list[str] = []
        for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", query):
            key = acronym_key(token)
            if key in self.long_forms:
                extra += [term for form in self.long_forms[key] for term in terms(form)]
        present = terms(query)
        for sequence, key in self.by_terms.items():
            if contains(present, sequence):
                extra += terms(key)
        return list(dict.fromkeys(term for term in extra if term not in present))


def contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(tuple(haystack[i : i + size]) == needle for i in range(len(haystack) - size + 1))
