"""Does the collection answer this at all? Signals used before and after picking sentences.

Three signals, each cheap and explainable:
- closeness: the best chunk's cosine similarity to the question (`answer.min_relevance`);
- unknown names: a name in the question (LoRA, Chinchilla, AlphaFold2) that no paper in the
  collection mentions means the collection has nothing on it, however close the topic;
- missing detail: when the question names a paper (shares a rare title word with it) but the
  rest of what it asks (the learning rate, the GPU hours) appears nowhere in that abstract,
  the paper is about the topic but does not state the detail.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from paperlens.config import TuningSettings
from paperlens.text import STOPWORDS, content_stems, stem
from paperlens.types import Paper

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-–]*[A-Za-z0-9]")
NAME_LIKE = re.compile(
    r"^(?=.*[A-Za-z].*[A-Za-z])(?:[A-Z][a-z]+|.*[a-z][A-Z].*|[A-Z0-9\-]{2,}|.*[A-Za-z]\d.*)$"
)
DETAIL_QUESTION = re.compile(
    r"^\s*(what|how (many|much|large|big|long|fast|high|low|well|accurate)|when|who|"
    r"which (value|values|dataset|datasets|benchmark|benchmarks|optimizer|hyperparameters?))\b",
    re.IGNORECASE,
)


class Vocabulary:
    """The collection's content words (stemmed) and how many chunks hold each."""

    def __init__(self, chunk_counts: dict[str, int], total_chunks: int, rare_share: float = 0.01) -> None:
        self.counts, self.total, self.rare_share = chunk_counts, max(total_chunks, 1), rare_share
        self.parts = {part for term in chunk_counts for part in re.split(r"[-–]", term) if part}

    @classmethod
    def from_texts(cls, texts: Sequence[str], rare_share: float = 0.01) -> Vocabulary:
        """Counts of each content stem over `texts` (the index's chunks)."""
        counts = Counter(term for text in texts for term in content_stems(text))
        return cls(dict(counts), len(texts), rare_share)

    def knows(self, word: str) -> bool:
        word = word.lower()
        if stem(word) in self.counts or word in self.counts or word in self.parts:
            return True  # 'ImageNet' is known when the papers only say 'ImageNet-1k'

        parts = [p for p in re.split(r"[-–]", word) if p]
        return len(parts) > 1 and all(p in self.parts or stem(p) in self.parts for p in parts)

    def is_rare(self, term: str) -> bool:
        return 0 < self.counts.get(term, 0) <= max(3, math.ceil(self.rare_share * self.total))


def unknown_names(question: str, vocabulary: Vocabulary) -> list[str]:
    """Names in the question (not its first word) that no paper in the collection contains."""
    names = [
        m.group(0)
        for m in TOKEN.finditer(question)
        if m.start() > 0 and NAME_LIKE.match(m.group(0)) and m.group(0).lower() not in STOPWORDS
    ]
    return list(dict.fromkeys(name for name in names if not vocabulary.knows(name)))


def missing_detail(
    question: str, papers: list[Paper], vocabulary: Vocabulary, tuning: TuningSettings | None = None
) -> bool:
    """True when a question asking for a detail names one of the papers (shares a rare word
    with it) but the rest of what it asks appears nowhere in that paper's abstract.

    The named paper is the first one, in retrieval order, that shares a rare word with the
    question; it need not be the top hit ("Megatron-LM's learning rate" may rank an optimizer
    paper about learning rates first).
    """
    tuning = tuning or TuningSettings()
    form = DETAIL_QUESTION.match(question)
    if not form:
        return False  # "which papers ...", "summarize ...": not a request for one detail
    asked = loose_stems(question[form.end() :])  # "How large" asks; it is not the detail
    for paper in papers:
        text = loose_stems(f"{paper.title} {paper.abstract}")
        naming = {term for term in asked & text if vocabulary.is_rare(term)}
        if naming:
            # Compounds count through their parts ('trillion-parameter' -> trillion, parameter).
            asking = {stem(verb) for verb in tuning.asking_verbs}
            detail = {t for t in asked - naming - loose_stems(paper.title) if "-" not in t} - asking
            return bool(detail) and len(detail & text) / len(detail) < tuning.min_detail_coverage
    return False


def loose_stems(text: str) -> set[str]:
    """Content stems plus the parts of hyphenated words, so 'ImageNet' meets 'ImageNet-1k'."""
    stems = content_stems(text)
    return stems | {stem(part) for term in stems for part in term.split("-") if len(part) > 1}
