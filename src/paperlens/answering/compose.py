"""Offline answers laid out for a reader, from the sentences `extractive` scores.

Every answer opens with one line that says what was found, then:
- a question about some papers ("how do ... prune heads?"): per paper, its title and the
  sentences that answer, in abstract order;
- "which papers ...": a list of titles with the one sentence of each that answers best;
- a comparison ("compare A and B on cost"): one block per named method, with the sentences of
  its paper that speak to the aspect, or "the collection says nothing on A's cost";
- a question about papers' records ("which of them has code?"): what the index records of each
  (code links, listing dates, titles), not quotes.
Boilerplate (code availability, a field's popularity, future work) is never quoted unless asked.

Each quoted sentence is a `Claim` that remembers the question it is placed under, so its support
measures whether it answers that question (`support.SupportChecker`); the lead and the "says
nothing" lines are statements about the collection, not claims from a paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from paperlens.answering.boilerplate import is_boilerplate
from paperlens.answering.citations import strip_markers
from paperlens.answering.extractive import APPROACH, Candidate, cite, score_sentences, select
from paperlens.answering.forms import (
    Comparison,
    asks_for_list,
    count_words,
    join_names,
    number_word,
    short_title,
)
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.answering.summaries import RESULTS
from paperlens.config import TuningSettings
from paperlens.text import content_stems, content_words, stem
from paperlens.types import Paper

SIDE_SENTENCES = 2  # sentences quoted per side of a comparison


@dataclass
class Claim:
    text: str  # as shown, without its marker
    source: int  # source number: papers[source - 1]
    question: str | None  # what it answers; None for statements of the index record
    record: str | None = None  # the record field it restates (code links, listing date, title)


@dataclass
class Composition:
    text: str  # Markdown with [source] markers
    claims: list[Claim] | None = None  # None: read the claims from the text (summaries)


@dataclass
class Side:
    name: str  # as the question (or the paper's short title) names it
    paper: Paper | None  # the paper that is about it; None when the collection has none


class Composer:
    def __init__(self, bank: SentenceBank, tuning: TuningSettings) -> None:
        self.bank, self.tuning = bank, tuning

    # ------------------------------------------------------------ quotes

    def candidates(self, question: str, query: np.ndarray, papers: list[Paper]) -> list[Candidate]:
        """Scored sentences of the papers, boilerplate left out."""
        scored = score_sentences(question, query, papers, self.bank, self.tuning)
        return [c for c in scored if not is_boilerplate(c.text, question)]

    def quotes(self, question: str, query: np.ndarray, papers: list[Paper]) -> Composition | None:
        """The sentences that answer, per paper or as a list; None when no sentence does."""
        scored = score_sentences(question, query, papers, self.bank, self.tuning)
        chosen = self.without_boilerplate(select(scored, self.tuning), scored, question)
        if not chosen:
            return None
        sources = list(dict.fromkeys(c.source for c in chosen))
        if asks_for_list(question):
            return self.listing(question, chosen, sources, papers)
        names = [f"{short_title(papers[s - 1].title)} [{s}]" for s in sources]
        lead = f"{found(len(sources))}: {join_names(names)}."
        blocks, claims = [], []
        for source in sources:
            mine = [c for c in chosen if c.source == source]
            blocks.append(
                f"**{papers[source - 1].title}**\n" + "\n".join(f"- {cite(c.text, source)}" for c in mine)
            )
            claims += [quoted(c.text, source, question) for c in mine]
        return Composition("\n\n".join([lead, *blocks]), claims)

    @staticmethod
    def without_boilerplate(
        chosen: list[Candidate], scored: list[Candidate], question: str
    ) -> list[Candidate]:
        """The chosen papers keep their place; a boilerplate sentence among a paper's chosen
        ones goes, and a paper left with none is shown by its best sentence that is not."""
        kept: list[Candidate] = []
        for source in dict.fromkeys(c.source for c in chosen):
            mine = [c for c in chosen if c.source == source and not is_boilerplate(c.text, question)]
            if not mine:
                mine = [c for c in scored if c.source == source and not is_boilerplate(c.text, question)][:1]
            kept += mine
        return sorted(kept, key=lambda c: (c.source, c.position))

    def listing(
        self, question: str, chosen: list[Candidate], sources: list[int], papers: list[Paper]
    ) -> Composition:
        """'Which papers ...': each paper's title and its one sentence that answers best."""
        lines, claims = [], []
        for source in sources:
            best = max((c for c in chosen if c.source == source), key=lambda c: c.score)
            lines.append(f"- **{papers[source - 1].title}**: {cite(best.text, source)}")
            claims.append(quoted(best.text, source, question))
        return Composition(f"{found(len(sources))}:\n\n" + "\n".join(lines), claims)

    # ------------------------------------------------------------ comparisons

    def compare(
        self, question: str, form: Comparison, sides: list[Side], papers: list[Paper]
    ) -> Composition | None:
        """One block per side: what its paper says on the aspect, or that it says nothing."""
        aspect = form.aspect
        vector = self.bank.embed_query(aspect) if aspect else None
        blocks, claims, shown = [], [], []
        for side in sides:
            if side.paper is None:
                blocks.append(f"**{side.name}**\n- The collection has no paper on {side.name}.")
                continue
            source = papers.index(side.paper) + 1
            shown.append(f"{side.name} [{source}]")
            header = f"**{side.name}**" + ("" if side.name == side.paper.title else f" ({side.paper.title})")
            if vector is not None:
                placed, picks = aspect, self.on_aspect(aspect, vector, side.paper)
            else:
                placed = f"What is {side.name}?"
                picks = self.method_and_result(placed, side.paper)
            if not picks:
                blocks.append(f"{header}\n- The collection says nothing on {side.name}'s {aspect}.")
                continue
            blocks.append(header + "\n" + "\n".join(f"- {cite(c.text, source)}" for c in picks))
            claims += [quoted(c.text, source, placed) for c in picks]
        if not claims:
            return None
        on = f" on {aspect}" if aspect else ""
        lead = f"Side by side{on}, from the abstracts of {join_names(shown)}:"
        return Composition("\n\n".join([lead, *blocks]), claims)

    def on_aspect(self, aspect: str, vector: np.ndarray, paper: Paper) -> list[Candidate]:
        """The paper's sentences that speak to the aspect. Words of the aspect that the title has
        are what the paper is about, not the aspect ('search' in 'search cost' of a NAS paper),
        so only the others count as shared words."""
        title = content_stems(paper.title)
        distinct = " ".join(w for w in content_words(aspect) if stem(w) not in title) or aspect
        ranked = self.candidates(distinct, vector, [paper])
        good = [c for c in ranked if c.score >= self.tuning.min_sentence_score]
        return sorted(good[:SIDE_SENTENCES], key=lambda c: c.position)

    def method_and_result(self, placed: str, paper: Paper) -> list[Candidate]:
        """What the paper does (its method sentence) and its headline result."""
        ranked = self.candidates(placed, self.bank.embed_query(placed), [paper])
        if not ranked:
            return []
        method = next((c for c in ranked if APPROACH.search(c.text)), ranked[0])
        result = next((c for c in ranked if c is not method and RESULTS.search(c.text)), None)
        return sorted([c for c in (method, result) if c is not None], key=lambda c: c.position)

    # ------------------------------------------------------------ records

    def records(self, intent: str, chosen: list[Paper], papers: list[Paper]) -> Composition:
        """What the index records of the papers a follow-up points at: code links, listing
        dates or titles."""
        lines, claims = [], []
        for paper in chosen:
            source = papers.index(paper) + 1
            name = short_title(paper.title)
            statement, record = record_line(intent, paper)
            lines.append(f"- **{name}** [{source}]: {statement}")
            claims.append(Claim(f"{name}: {statement}", source, None, record))
        return Composition(f"{record_lead(intent, chosen)}\n\n" + "\n".join(lines), claims)


def quoted(text: str, source: int, question: str) -> Claim:
    """A quoted sentence as it is shown (an abstract's own '[12]' reads '(12)')."""
    return Claim(strip_markers(cite(text, source)), source, question)


def found(count: int) -> str:
    return f"{count_words(count)} in the collection {'addresses' if count == 1 else 'address'} this"


def record_line(intent: str, paper: Paper) -> tuple[str, str]:
    """(what the answer says, the record field it restates)."""
    if intent == "code":
        if paper.code_urls:
            return f"code at {' and '.join(paper.code_urls)}", f"code links: {', '.join(paper.code_urls)}"
        return "no code link recorded", "code links: none"
    if intent == "date":
        when = ", ".join(str(x) for x in (paper.date, paper.year) if x)
        return (f"listed {when}", f"listed: {when}") if when else ("no listing date recorded", "listed: none")
    return paper.title, f"title: {paper.title}"


def record_lead(intent: str, papers: list[Paper]) -> str:
    these = "this paper" if len(papers) == 1 else f"these {count_words(len(papers), capital=False)}"
    if intent == "code":
        have = sum(bool(p.code_urls) for p in papers)
        if not have:
            return f"The index records no code link for {'any of ' if len(papers) > 1 else ''}{these}:"
        if have == len(papers):
            return f"The index records a code link for {'each of ' if len(papers) > 1 else ''}{these}:"
        return f"The index records a code link for {number_word(have)} of {these}:"
    if intent == "date":
        return f"When the collection's listing pages show {these}:"
    return f"The titles of {these}:"


def match_sides(names: list[str], papers: list[Paper]) -> list[Side]:
    """The paper each named method belongs to: the one whose short title is the name, else whose
    title names it, else whose abstract defines or mentions it (earlier retrieved first). A paper
    already taken by another side is used again only when no other paper names the side."""
    best: dict[str, list[tuple[float, int]]] = {}
    for name in names:
        scored = [(naming_score(name, paper), -rank) for rank, paper in enumerate(papers)]
        best[name] = sorted((s for s in scored if s[0] > 0), reverse=True)
    chosen: dict[str, Paper | None] = {}
    taken: set[int] = set()
    for name in sorted(names, key=lambda n: -(best[n][0][0] if best[n] else 0)):
        ranks = [-rank for _, rank in best[name]]
        pick = next((r for r in ranks if r not in taken), ranks[0] if ranks else None)
        chosen[name] = None if pick is None else papers[pick]
        if pick is not None:
            taken.add(pick)
    return [Side(name, chosen[name]) for name in names]


def naming_score(name: str, paper: Paper) -> float:
    """How plainly a paper is the one about `name`: 4 its short title, 3 a word of its title,
    2 all the name's words in its title, 1.5 defined in its abstract '(KAT)', 1 mentioned there."""
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)
    if short_title(paper.title).lower() == name.lower():
        return 4.0
    if word.search(paper.title):
        return 3.0
    stems = content_stems(name)
    if stems and stems <= content_stems(paper.title):
        return 2.0
    if re.search(rf"\(\s*{re.escape(name)}\s*\)", paper.abstract, re.I):
        return 1.5
    return 1.0 if word.search(paper.abstract) else 0.0
