"""Citation markers: parse `[n]`, drop numbers that match no source, renumber by first citation.

The same `CitationRewriter` runs on a stream and on a finished text, so what a user watched
stream in is exactly the final answer: markers are rewritten as soon as they close, and text
that might still turn into a marker (a trailing `[1, ` or blank) is held back until it resolves.
It also defuses HTML tags (`<script>` becomes `‹script>`): answers are Markdown, never HTML.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from paperlens.text import content_words, split_sentences

MARKER = re.compile(r"(\s*)\[([^\[\]]{1,40})\]")
MARKER_BODY = re.compile(r"^\s*\d+(?:\s*(?:,|;|-|–)\s*\d+)*\s*$")
OPEN_MARKER = re.compile(r"\s*\[[\d\s,;\-–]{0,40}$")
TRAILING_SPACE = re.compile(r"\s+$")
TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
MAX_RANGE = 20


def parse_marker(body: str) -> list[int] | None:
    """'1, 3-5' -> [1, 3, 4, 5]; None when the brackets hold something else."""
    if not MARKER_BODY.match(body):
        return None
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body.strip()):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
        low, high = bounds[0], bounds[-1]
        if high < low or high - low > MAX_RANGE:
            high = low
        numbers.extend(range(low, high + 1))
    return numbers


def cited_numbers(text: str) -> list[int]:
    """Every number cited in `text`, in order of first appearance."""
    found: list[int] = []
    for match in MARKER.finditer(text):
        for number in parse_marker(match.group(2)) or []:
            if number not in found:
                found.append(number)
    return found


def strip_markers(text: str) -> str:
    def drop(match: re.Match[str]) -> str:
        return "" if parse_marker(match.group(2)) is not None else match.group(0)

    return MARKER.sub(drop, text).strip()


class CitationRewriter:
    """Rewrites source numbers into display numbers (1, 2, ... in order of first citation).

    `valid` are the source numbers the model was shown; others are dropped and reported.
    """

    def __init__(self, valid: Collection[int]) -> None:
        self.valid = set(valid)
        self.mapping: dict[int, int] = {}
        self.invalid: list[int] = []
        self._pending = ""

    def feed(self, text: str) -> str:
        """Take more model text; return the part that is final."""
        self._pending += text
        ready, self._pending = split_ready(self._pending)
        return self._rewrite(ready)

    def close(self) -> str:
        ready, self._pending = self._pending, ""
        return self._rewrite(ready)

    @property
    def order(self) -> list[int]:
        """Source numbers in display order."""
        return sorted(self.mapping, key=self.mapping.__getitem__)

    def _rewrite(self, text: str) -> str:
        return TAG_START.sub("‹", MARKER.sub(self._marker, text))

    def _marker(self, match: re.Match[str]) -> str:
        numbers = parse_marker(match.group(2))
        if numbers is None:
            return match.group(0)
        shown: list[int] = []
        for number in numbers:
            if number not in self.valid:
                if number not in self.invalid:
                    self.invalid.append(number)
                continue
            display = self.mapping.setdefault(number, len(self.mapping) + 1)
            if display not in shown:
                shown.append(display)
        if not shown:
            return ""
        return match.group(1) + "".join(f"[{n}]" for n in shown)


def split_ready(text: str) -> tuple[str, str]:
    """Split into text that cannot change any more and a tail that may still become a marker."""
    hold = OPEN_MARKER.search(text) or TRAILING_SPACE.search(text)
    cut = hold.start() if hold else len(text)
    if text[:cut].endswith("<"):  # might open a tag: wait for the next character
        cut -= 1
    return text[:cut], text[cut:]


def renumber(text: str, valid: Collection[int]) -> tuple[str, CitationRewriter]:
    """The whole-text form of the rewriter: (display text, rewriter with mapping and invalid)."""
    rewriter = CitationRewriter(valid)
    return rewriter.feed(text) + rewriter.close(), rewriter


# ---------------------------------------------------------------- answer sentences

HEADING = re.compile(r"^\s*(#{1,6}\s+.*|\*\*[^*]+\*\*:?|[A-Z][^.!?]{0,60}:)\s*$")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
LEADING_MARKERS = re.compile(r"^((?:\s*\[\d+\])+)\s*")
MIN_CLAIM_WORDS = 2  # "Yes." or "In short:" states nothing to check


@dataclass
class AnswerSentence:
    text: str  # without markers
    citations: list[int]  # display numbers
    question: str | None = None  # the question it is placed under, when not the answer's own
    record: str | None = None  # the index record it restates (code links, dates), not an abstract


def answer_sentences(text: str) -> list[AnswerSentence]:
    """The claims of an answer with the numbers each cites; headings and one-word lines are not.

    A marker that opens a sentence ('... results. [2] Next') belongs to the sentence before.
    """
    sentences: list[AnswerSentence] = []
    for line in text.splitlines():
        if not line.strip() or HEADING.match(line):
            continue
        for raw in split_sentences(BULLET.sub("", line)):
            leading = LEADING_MARKERS.match(raw)
            if leading and sentences:
                for number in cited_numbers(leading.group(1)):
                    if number not in sentences[-1].citations:
                        sentences[-1].citations.append(number)
                raw = raw[leading.end() :]
            claim = strip_markers(raw)
            if len(content_words(claim)) >= MIN_CLAIM_WORDS:
                sentences.append(AnswerSentence(claim, cited_numbers(raw)))
    return sentences
