"""Offline structured summaries, built from quoted and cited abstract sentences.

A paper's summary sorts its sentences under Problem / Approach / Results / Code by cue
phrases. A theme's summary groups the retrieved papers into sub-themes by the similarity of
their abstracts, names each group by the words its titles share, and quotes for each paper the
sentence that best says what it does for the theme (and its headline result). Generated
summaries use the prompts in `prompts/summarize_*.md` instead.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from paperlens.answering.extractive import APPROACH, cite, score_sentences
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.config import TuningSettings
from paperlens.text import content_words, stem
from paperlens.types import Paper

CODE = re.compile(r"https?://|github\.com|\bcode\b|open[- ]sourc|\bavailable at\b", re.I)
RESULTS = re.compile(
    r"\boutperform|\bachiev|\bimprov|\bresults?\b|\baccura|\bstate[- ]of[- ]the[- ]art\b"
    r"|\d+(\.\d+)?\s*(%|x\b|×|times)|\bexperiment|\bdemonstrat|\bfaster\b|\breduc|\bspeed",
    re.I,
)
SECTIONS = ("Problem", "Approach", "Results", "Code and resources")


def section_of(sentence: str, after_approach: bool) -> str:
    if CODE.search(sentence):
        return "Code and resources"
    if APPROACH.search(sentence):
        return "Approach"
    if RESULTS.search(sentence):
        return "Results"
    return "Approach" if after_approach else "Problem"


def paper_sections_text(sentences: list[str]) -> str:
    """A one-paper summary: every abstract sentence once, under its section, cited [1]."""
    grouped: dict[str, list[str]] = {name: [] for name in SECTIONS}
    after_approach = False
    for sentence in sentences:
        section = section_of(sentence, after_approach)
        after_approach = after_approach or section == "Approach"
        grouped[section].append(sentence)
    return "\n".join(
        f"### {name}\n" + "\n".join(f"- {cite(s, 1)}" for s in grouped[name])
        for name in SECTIONS
        if grouped[name]
    )


def topic_sections_text(
    topic: str, query: np.ndarray, papers: list[Paper], bank: SentenceBank, tuning: TuningSettings
) -> str:
    """A theme summary: sub-theme headings, then each paper's key sentences cited [n]."""
    entries = bank.get_many(papers)
    groups = group_papers(np.stack([e.vectors.mean(axis=0) for e in entries]), tuning.max_themes)
    blocks = []
    for members in groups:
        others = [papers[i] for group in groups if group is not members for i in group]
        heading = theme_name([papers[i] for i in members], others, topic)
        lines = [
            f"- **{papers[i].title}**: {key_sentences(topic, query, papers[i], i + 1, bank, tuning)}"
            for i in members
        ]
        blocks.append(f"### {heading}\n" + "\n".join(lines))
    return "\n".join(blocks)


def group_papers(vectors: np.ndarray, max_groups: int = 4, iterations: int = 10) -> list[list[int]]:
    """Spherical k-means with about three papers per group (at most `max_groups` groups).

    Seeds are picked farthest-first from the most relevant paper, so the grouping is
    deterministic; groups are listed in the order of their most relevant paper.
    """
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    k = min(max_groups, max(1, round(len(unit) / 3)))
    seeds = [0]
    while len(seeds) < k:
        closeness = (unit @ unit[seeds].T).max(axis=1)
        seeds.append(int(np.argmin(closeness)))
    centers = unit[seeds]
    for _ in range(iterations):
        labels = np.argmax(unit @ centers.T, axis=1)
        centers = np.stack(
            [unit[labels == g].mean(axis=0) if (labels == g).any() else centers[g] for g in range(k)]
        )
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    labels = np.argmax(unit @ centers.T, axis=1)
    groups = [[i for i in range(len(unit)) if labels[i] == g] for g in range(k)]
    return sorted((g for g in groups if g), key=lambda g: g[0])


def theme_name(members: list[Paper], others: list[Paper], topic: str) -> str:
    """Title words most papers of this group share and the others use less (ties go to the
    word the group's abstracts use most); the theme's own words are left out."""

    def share(papers: list[Paper]) -> Counter[str]:
        found = Counter(stem(w) for p in papers for w in set(content_words(p.title)))
        return Counter({key: count / max(len(papers), 1) for key, count in found.items()})

    spelling: dict[str, Counter[str]] = {}
    for paper in members:
        for word in content_words(f"{paper.title} {paper.abstract}"):
            spelling.setdefault(stem(word), Counter())[word] += 1
    inside, outside = share(members), share(others)
    topic_stems = {stem(w) for w in content_words(topic)}
    ranked = sorted(
        (key for key in inside if key not in topic_stems and len(key) > 2 and not key.isdigit()),
        key=lambda key: (-(inside[key] - outside[key]), -sum(spelling[key].values()), key),
    )
    words = [spelling[key].most_common(1)[0][0] for key in ranked[:3]]
    return ", ".join(w if w.isupper() else w.capitalize() for w in words) or "Other work"


def key_sentences(
    topic: str, query: np.ndarray, paper: Paper, number: int, bank: SentenceBank, tuning: TuningSettings
) -> str:
    """What the paper does for the theme, plus its headline result when one stands out."""
    ranked = score_sentences(topic, query, [paper], bank, tuning)
    approach = next((c for c in ranked if APPROACH.search(c.text)), ranked[0])
    result = next((c for c in ranked if RESULTS.search(c.text) and c is not approach), None)
    chosen = sorted([c for c in (approach, result) if c is not None], key=lambda c: c.position)
    return " ".join(cite(c.text, number) for c in chosen)
