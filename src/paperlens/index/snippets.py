"""The sentence of an abstract that best matches a search, for showing beside a search result.

A sentence scores by the share of the query's content words it contains (stemmed, as BM25 sees
them) plus, when the query was embedded, its cosine similarity to the query, read from the
sentence vectors stored at ingest. No model call: the query vector is the one search used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperlens.index.sentences import SentenceStore, abstract_sentences
from paperlens.text import content_stems
from paperlens.types import Paper

MAX_CHARS = 260


@dataclass(frozen=True)
class Snippet:
    text: str
    matched: set[str]  # stems of query words the sentence contains


def clip(sentence: str, limit: int = MAX_CHARS) -> str:
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def matching_sentence(
    paper: Paper,
    query: str,
    vector: Sequence[float] | np.ndarray | None = None,
    store: SentenceStore | None = None,
) -> Snippet:
    sentences = abstract_sentences(paper)
    wanted = content_stems(query)
    overlaps = [wanted & content_stems(s) for s in sentences]
    scores = np.array([len(found) / len(wanted) if wanted else 0.0 for found in overlaps])
    stored = store.lookup(paper) if store is not None and vector is not None else None
    if stored is not None and len(stored) == len(sentences):
        asked = np.asarray(vector, dtype=np.float32)
        scores = scores + stored @ (asked / (np.linalg.norm(asked) or 1.0))
    best = int(np.argmax(scores)) if len(scores) else 0
    return Snippet(clip(sentences[best]), overlaps[best] if overlaps else set())
