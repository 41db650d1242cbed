"""Small text utilities shared by chunking, extractive answers and citation checks."""

from __future__ import annotations

import re
import threading

import Stemmer

# Abbreviations that end with a period but not a sentence (lower-cased, without the period).
ABBREVIATIONS = {
    "e.g",
    "i.e",
    "et al",
    "al",
    "etc",
    "vs",
    "fig",
    "figs",
    "eq",
    "eqs",
    "sec",
    "no",
    "approx",
    "cf",
    "resp",
    "ref",
    "refs",
    "tab",
    "dr",
    "mr",
    "ms",
    "prof",
    "st",
    "ca",
    "incl",
    "w.r.t",
}
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
# A Snowball stemmer keeps state between calls, so each thread (the web app serves several
# people at once) gets its own.
_LOCAL = threading.local()
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-+.%]*[A-Za-z0-9%+]|[A-Za-z0-9]")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours else paper papers propose proposed proposes present presents
    show shows study studies approach method methods work works use used using based new
    novel also however which many much may might one two three well via thus further""".split()
)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations and decimals intact."""
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def words(text: str) -> list[str]:
    return [w.lower().rstrip(".") for w in WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Lower-cased words without stop words: what overlap and relevance are measured on."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """Snowball English stem, the same one BM25 uses, so 'pruning' and 'pruned' meet."""
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}
