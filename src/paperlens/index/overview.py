"""What a collection covers: how many papers, the themes they fall into, and which metadata fields
exist. The CLI (`paperlens collection`) and the web app's collection panel both show it, and
search rejects filters on fields the collection does not have (`filter_problems`).

Themes are found by spherical k-means (numpy) over one vector per paper, the mean of its abstract
sentence vectors stored at ingest; each theme is named by the words that set its papers apart
from the rest (a class-based TF-IDF over titles and abstracts).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from paperlens.index.sentences import SentenceStore, unit_rows
from paperlens.text import STOPWORDS, stem, words
from paperlens.types import Paper, SearchFilters

# Words common in abstracts of every field: they would name every theme and so name none.
GENERIC_WORDS = frozenset(
    """able achieve achieves across art available code com complex different effective efficient
    existing experiments extensive github http https improve improved improves large learning
    model models network networks neural performance problem problems provide results significant
    significantly state task tasks training trained various demonstrate demonstrates experimental
    first however including key make often outperforms recent recently small specific techniques
    terms time without allows enables leads popular growing""".split()
)
NOT_THEMES = STOPWORDS | GENERIC_WORDS
EXAMPLES_PER_THEME = 3
LABEL_WORDS = 3
BIGRAM_BOOST = 1.5
PHRASE_BREAK = re.compile(r"[()\[\]{},;:!?\"]|\.\s")  # word pairs never span these


@dataclass(frozen=True)
class FieldCoverage:
    """One metadata field: how many papers have it, and a short description of its values."""

    name: str
    label: str
    papers: int
    values: str = ""


@dataclass(frozen=True)
class Theme:
    label: str
    papers: int
    examples: list[tuple[str, str]]  # (paper_id, title), the papers closest to the theme's centre


@dataclass(frozen=True)
class CollectionOverview:
    papers: int
    fields: list[FieldCoverage]
    themes: list[Theme] = field(default_factory=list)
    themes_note: str = ""  # why there are no themes, when there are none

    def coverage(self, name: str) -> FieldCoverage:
        return next(f for f in self.fields if f.name == name)

    @property
    def present(self) -> list[FieldCoverage]:
        return [f for f in self.fields if f.papers]

    @property
    def absent(self) -> list[FieldCoverage]:
        return [f for f in self.fields if not f.papers]


# ---------------------------------------------------------------- metadata fields


def distinct(values: list[str], shown: int = 5) -> str:
    counts = Counter(values)
    names = [name for name, _ in counts.most_common(shown)]
    more = len(counts) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def year_range(papers: list[Paper]) -> str:
    years = [p.year for p in papers if p.year is not None]
    return f"{min(years)}–{max(years)}" if years else ""


FIELDS: list[tuple[str, str, Callable[[list[Paper]], str]]] = [
    ("year", "publication year", year_range),
    ("date", "listing date", lambda ps: distinct([p.date for p in ps if p.date])),
    ("authors", "authors", lambda ps: ""),
    ("categories", "arXiv categories", lambda ps: distinct([c for p in ps for c in p.categories])),
    ("code_urls", "code links", lambda ps: ""),
    ("url", "paper link", lambda ps: ""),
    ("arxiv_id", "arXiv id", lambda ps: ""),
    ("sources", "listing file", lambda ps: distinct([s for p in ps for s in p.sources], shown=3)),
]


def field_coverage(papers: Mapping[str, Paper]) -> list[FieldCoverage]:
    coverage = []
    for name, label, describe in FIELDS:
        having = [p for p in papers.values() if getattr(p, name)]
        coverage.append(FieldCoverage(name, label, len(having), describe(having) if having else ""))
    return coverage


# ---------------------------------------------------------------- filters


def filter_problems(filters: SearchFilters, papers: Mapping[str, Paper]) -> dict[str, str]:
    """Filters the collection cannot honour, by filter field, each with the reason."""
    count = len(papers)
    problems: dict[str, str] = {}
    years_wanted = filters.year_min is not None or filters.year_max is not None
    if years_wanted and not any(p.year for p in papers.values()):
        reason = f"the collection has no publication years (none of its {count} papers has one)"
        for name in ("year_min", "year_max"):
            if getattr(filters, name) is not None:
                problems[name] = reason
    if filters.categories:
        known = {c for p in papers.values() for c in p.categories}
        if not known:
            problems["categories"] = f"the collection has no categories (none of its {count} papers has one)"
        elif unknown := [c for c in filters.categories if c not in known]:
            problems["categories"] = (
                f"no paper is in {', '.join(unknown)}; the categories are {', '.join(sorted(known))}"
            )
    if filters.sources:
        known_files = {s for p in papers.values() for s in p.sources}
        stems = {s.rsplit(".", 1)[0] for s in known_files}
        if unknown := [s for s in filters.sources if s not in known_files and s not in stems]:
            problems["sources"] = (
                f"no listing file is named {', '.join(unknown)}; "
                f"the listing files are {', '.join(sorted(known_files))}"
            )
    if filters.has_code and not any(p.code_urls for p in papers.values()):
        problems["has_code"] = f"the collection has no code links (none of its {count} papers has one)"
    return problems


# ---------------------------------------------------------------- themes


def theme_count(papers: int) -> int:
    """About one theme per 30 papers, between 2 and 12 (fewer than 4 papers: no themes)."""
    return 0 if papers < 4 else max(2, min(12, round(math.sqrt(papers / 3))))


def paper_vectors(papers: list[Paper], store: SentenceStore) -> tuple[list[Paper], np.ndarray]:
    """One unit vector per paper (the mean of its sentence vectors); papers without stored
    vectors are left out."""
    kept, rows = [], []
    for paper in papers:
        vectors = store.lookup(paper)
        if vectors is not None and len(vectors):
            kept.append(paper)
            rows.append(np.asarray(vectors, dtype=np.float64).mean(axis=0))
    matrix = unit_rows(np.vstack(rows)) if rows else np.zeros((0, 1))
    return kept, matrix


def kmeans(vectors: np.ndarray, k: int, seed: int = 0, rounds: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (cosine) with k-means++ seeding; returns (labels, unit centroids).
    Deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    centroids = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = 1 - np.max(vectors @ np.array(centroids).T, axis=1)
        weights = np.clip(distance, 0, None) ** 2
        total = weights.sum()
        pick = rng.choice(len(vectors), p=weights / total) if total > 0 else rng.integers(len(vectors))
        centroids.append(vectors[pick])
    centres = np.array(centroids)
    labels = np.full(len(vectors), -1)
    for _ in range(rounds):
        new = np.argmax(vectors @ centres.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = vectors[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
        centres = unit_rows(centres)
    return labels, centres


def terms(paper: Paper) -> set[str]:
    """The words and adjacent word pairs of a paper's title and abstract that can name a theme."""
    found: set[str] = set()
    for phrase in PHRASE_BREAK.split(f"{paper.title}. {paper.abstract}"):
        sequence = words(phrase)
        useful = [w.isalpha() and len(w) > 2 and w not in NOT_THEMES for w in sequence]
        found.update(w for w, ok in zip(sequence, useful, strict=True) if ok)
        for i in range(len(sequence) - 1):
            if useful[i] and useful[i + 1] and sequence[i] != sequence[i + 1]:
                found.add(f"{sequence[i]} {sequence[i + 1]}")
    return found


def stems(term: str) -> set[str]:
    return {stem(word) for word in term.split()}


def theme_labels(groups: list[list[Paper]], total: int) -> list[str]:
    """Name each group by its most distinctive terms: the share of the group's papers using a
    term, times the log of how much more often the group uses it than the collection does."""
    paper_terms = [[terms(p) for p in group] for group in groups]
    document_frequency: Counter[str] = Counter(t for group in paper_terms for ts in group for t in ts)
    labels = []
    for group in paper_terms:
        in_group: Counter[str] = Counter(t for ts in group for t in ts)
        minimum = max(2, math.ceil(len(group) * 0.1)) if len(group) > 2 else 1
        scored = []
        for term, count in in_group.items():
            if count < minimum:
                continue
            share, overall = count / len(group), document_frequency[term] / total
            boost = BIGRAM_BOOST if " " in term else 1.0  # 'knowledge distillation' over 'knowledge'
            scored.append((boost * share * math.log(share / overall), term))
        chosen: list[str] = []
        for _, term in sorted(scored, reverse=True):
            if any(stems(term) & stems(c) for c in chosen):
                continue  # 'pruning' beside 'structured pruning' says nothing new
            chosen.append(term)
            if len(chosen) == LABEL_WORDS:
                break
        labels.append(" · ".join(chosen) or "miscellaneous")
    return labels


def find_themes(papers: list[Paper], store: SentenceStore | None, k: int | None = None) -> list[Theme]:
    if store is None:
        return []
    kept, vectors = paper_vectors(papers, store)
    k = min(k or theme_count(len(kept)), len(kept))
    if k < 2:
        return []
    labels, centres = kmeans(vectors, k)
    groups, examples = [], []
    for j in range(k):
        members = np.flatnonzero(labels == j)
        if not len(members):
            continue
        closest = members[np.argsort(-(vectors[members] @ centres[j]))]
        groups.append([kept[i] for i in members])
        examples.append([(kept[i].paper_id, kept[i].title) for i in closest[:EXAMPLES_PER_THEME]])
    names = theme_labels(groups, len(kept))
    themes = [Theme(name, len(group), ex) for name, group, ex in zip(names, groups, examples, strict=True)]
    return sorted(themes, key=lambda theme: (-theme.papers, theme.label))


def describe_collection(
    papers: Mapping[str, Paper], store: SentenceStore | None, themes: int | None = None
) -> CollectionOverview:
    """The overview of `papers`; `store` holds their sentence vectors (None: no themes)."""
    ordered = sorted(papers.values(), key=lambda p: p.paper_id)
    found = find_themes(ordered, store, themes)
    note = ""
    if not found:
        if store is None:
            note = (
                "No sentence vectors are stored with this index; rebuild it (`paperlens ingest --rebuild`)."
            )
        else:
            note = "Too few papers to group into themes."
    return CollectionOverview(len(papers), field_coverage(papers), found, note)
