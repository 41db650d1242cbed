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

from paperlens.evidence import SentenceBank
from paperlens.extractive import APPROACH, cite, score_sentences
from paperlens.text import content_words, stem
from paperlens.types import Paper

CODE = re.compile(r"https?://|github\.com|\bcode\b|open[- ]sourc|\bavailable at\b", re.I)
RESULTS = re.compile(
    r"\boutperform|\bachiev|\bimprov|\bresults?\b|\baccura|\bstate[- ]of[- ]the[- ]art\b"
    r"|\d+(\.\d+)?\s*(%|x\b|×|times)|\bexperiment|\bdemonstrat|\bfaster\b|\breduc|\bspeed",
    re.I,
)
SECTIONS = ("Problem", "Approach", "Results", "Code and resources")
SAME_THEME = 0.55  # cosine between a paper and a group's centroid to join the group
MAX_THEMES = 4


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


def topic_sections_text(topic: str, papers: list[Paper], bank: SentenceBank) -> str:
    """A theme summary: sub-theme headings, then each paper's key sentences cited [n]."""
    entries = bank.get_many(papers)
    centroids = np.stack([e.vectors.mean(axis=0) for e in entries])
    blocks = []
    for members in group_papers(centroids):
        heading = theme_name([papers[i] for i in members])
        lines = [f"- **{papers[i].title}**: {key_sentences(topic, papers[i], i + 1, bank)}" for i in members]
        blocks.append(f"### {heading}\n" + "\n".join(lines))
    return "\n".join(blocks)


def group_papers(vectors: np.ndarray) -> list[list[int]]:
    """Greedy grouping in relevance order: join the closest group if close enough."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    groups: list[list[int]] = []
    for i, vector in enumerate(unit):
        centroids = [unit[g].mean(axis=0) for g in groups]
        scores = [float(c @ vector / np.linalg.norm(c)) for c in centroids]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and (scores[best] >= SAME_THEME or len(groups) == MAX_THEMES):
            groups[best].append(i)
        else:
            groups.append([i])
    return groups


def theme_name(papers: list[Paper]) -> str:
    """The words the group's titles share most (by stem), in their most common spelling."""
    spelling: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    for paper in papers:
        for word in dict.fromkeys(content_words(paper.title)):
            key = stem(word)
            counts[key] += 1
            spelling.setdefault(key, Counter())[word] += 1
    top = [spelling[key].most_common(1)[0][0] for key, _ in counts.most_common(3)]
    return ", ".join(w.capitalize() for w in top) if top else "Other work"


def key_sentences(topic: str, paper: Paper, number: int, bank: SentenceBank) -> str:
    """What the paper does for the theme, plus its headline result when one stands out."""
    ranked = score_sentences(topic, [paper], bank)
    approach = next((c for c in ranked if APPROACH.search(c.text)), ranked[0])
    result = next((c for c in ranked if RESULTS.search(c.text) and c is not approach), None)
    chosen = sorted([c for c in (approach, result) if c is not None], key=lambda c: c.position)
    return " ".join(cite(c.text, number) for c in chosen)
