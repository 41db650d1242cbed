"""From retrieved papers to an `Answer`: refuse, extract or generate, then check the citations.

Every answer, whatever produced it, goes through the same finish: markers that match no source
are dropped, sources are renumbered in order of first citation, each cited sentence gets a
support score, and the references are attached. Streaming yields `Delta`s whose text joins to
exactly the final `Answer.answer`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from paperlens.answering.citations import AnswerSentence, CitationRewriter, answer_sentences
from paperlens.answering.compose import Composer, Composition, Side, match_sides
from paperlens.answering.forms import Comparison, comparison, record_intent, short_title
from paperlens.answering.relevance import Vocabulary, missing_detail, unknown_names
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.answering.summaries import paper_sections_text, topic_sections_text
from paperlens.answering.support import SupportChecker
from paperlens.config import TuningSettings
from paperlens.prompts import PromptLibrary
from paperlens.providers import LLMClient
from paperlens.types import Answer, Citation, Delta, Paper, PaperHit, RefusalReason

# The one refusal sentence: the prompt asks for it, the parser looks for it, tests use it.
CANNOT_ANSWER = "The provided abstracts do not answer this question."

ANSWER_PROMPTS: dict[str, set[str]] = {
    "system": set(),
    "answer": {"question", "sources", "cannot_answer"},
    "condense": {"history", "question"},
    "summarize_paper": {"sources"},
    "summarize_topic": {"topic", "sources"},
    "support_check": {"sentence", "sources"},
    "refusal_nothing": {"reason", "closest"},
    "refusal_detail": {"question", "closest"},
    "extractive_notice": set(),
}


@dataclass
class Context:
    """What one answer is built from."""

    question: str
    standalone: str
    hits: list[PaperHit]
    papers: list[Paper]  # the hits' papers, same order: source n is papers[n - 1]
    pinned: bool = False  # the user named these papers: never refuse them as irrelevant
    focus: list[str] = field(default_factory=list)  # papers a follow-up points at, in its order
    own: str = ""  # what such a follow-up asks of them, without the words that point at them
    timings: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None  # the standalone question, embedded once per ask


class AnswerEngine:
    def __init__(
        self,
        llm: LLMClient | None,
        prompts: PromptLibrary,
        bank: SentenceBank,
        checker: SupportChecker,
        vocabulary: Vocabulary,
        tuning: TuningSettings,
        composer: Composer,
    ) -> None:
        self.llm, self.prompts, self.bank, self.checker = llm, prompts, bank, checker
        self.vocabulary, self.tuning, self.composer = vocabulary, tuning, composer

    @property
    def mode(self) -> str:
        return "extractive" if self.llm is None else "generative"

    @property
    def model_name(self) -> str:
        return "extractive" if self.llm is None else self.llm.model_name

    # ------------------------------------------------------------ questions

    def answer(self, ctx: Context) -> Iterator[Delta | Answer]:
        if ctx.focus and (intent := record_intent(ctx.question)):
            # "Which of them has code?": the index record answers, in either mode
            yield from self.emit(ctx, self.composer.records(intent, self.focus_papers(ctx), ctx.papers))
        elif reason := self.nothing_relevant(ctx):
            yield from self.refuse(ctx, "nothing_relevant", reason=reason)
        elif self.llm is None:
            yield from self.extract(ctx)
        else:
            sources = self.sources_block(ctx.papers)
            prompt = self.prompts.render(
                "answer", question=ctx.standalone, sources=sources, cannot_answer=CANNOT_ANSWER
            )
            yield from self.generate(ctx, prompt, question=ctx.standalone)

    def nothing_relevant(self, ctx: Context) -> str | None:
        """Why the collection has nothing on the question, or None when it may have."""
        if not ctx.papers:
            return "no paper matches it"
        if ctx.pinned:
            return None
        relevance = self.relevance(ctx)
        if relevance < self.tuning.min_relevance:
            return "no paper in it is close to this topic"
        names = unknown_names(ctx.standalone, self.vocabulary)
        form = comparison(ctx.standalone)
        if form and any(side not in names for side in form.sides):
            # "compare FBNet and Mixtral": answered for FBNet, saying the collection lacks Mixtral
            names = [name for name in names if name not in form.sides]
        if names and relevance < self.tuning.clear_relevance:
            return f"no paper in it mentions {', '.join(names)}"
        return None

    def relevance(self, ctx: Context) -> float:
        """How close the best paper is to the question: cosine similarity of its best chunk."""
        dense = [hit.dense_similarity for hit in ctx.hits if hit.dense_similarity is not None]
        if dense:
            return max(dense)
        query = self.query_vector(ctx)  # BM25-only search: measure it here
        return max(float((entry.vectors @ query).max()) for entry in self.bank.get_many(ctx.papers[:3]))

    def extract(self, ctx: Context) -> Iterator[Delta | Answer]:
        started = time.perf_counter()
        composed = self.compose(ctx)
        ctx.timings["generate_ms"] = ms_since(started)
        if composed is None:
            yield from self.refuse(ctx, "detail_not_stated")
            return
        yield from self.emit(ctx, composed, notice=self.prompts.render("extractive_notice"))

    def compose(self, ctx: Context) -> Composition | None:
        """The offline answer laid out for its question: a comparison side by side, else the
        sentences that answer; None when the abstracts do not state what is asked."""
        form = comparison(ctx.question) or comparison(ctx.standalone)
        sides = self.sides(ctx, form) if form else []
        if form and len(sides) >= 2:
            return self.composer.compare(ctx.standalone, form, sides, ctx.papers)
        if missing_detail(ctx.standalone, ctx.papers, self.vocabulary, self.tuning):
            return None
        if ctx.own:  # within the papers it points at, the question's own words say what it asks
            quoted = self.composer.quotes(ctx.own, self.bank.embed_query(ctx.own), ctx.papers)
            if quoted is not None or not ctx.pinned:
                return quoted
            # "what about the second one?" asks for the paper in general: its sentences that say
            # what it is, found by its title.
            titles = " ".join(paper.title for paper in ctx.papers)
            return self.composer.quotes(titles, self.bank.embed_query(titles), ctx.papers)
        return self.composer.quotes(ctx.standalone, self.query_vector(ctx), ctx.papers)

    def sides(self, ctx: Context, form: Comparison) -> list[Side]:
        """What a comparison compares: the papers a follow-up points at ("compare the first and
        second one"), else the methods the question names, each matched to its paper."""
        focus = self.focus_papers(ctx)
        if len(focus) >= 2:
            return [Side(short_title(paper.title), paper) for paper in focus]
        return match_sides(form.sides, ctx.papers)

    def focus_papers(self, ctx: Context) -> list[Paper]:
        by_id = {paper.paper_id: paper for paper in ctx.papers}
        return [by_id[paper_id] for paper_id in ctx.focus if paper_id in by_id]

    def query_vector(self, ctx: Context) -> np.ndarray:
        """The standalone question's vector, embedded at most once per answer."""
        if ctx.query_vector is None:
            ctx.query_vector = self.bank.embed_query(ctx.standalone)
        return ctx.query_vector

    # ------------------------------------------------------------ summaries

    def summarize_paper(self, ctx: Context) -> Iterator[Delta | Answer]:
        if self.llm is None:
            started = time.perf_counter()
            text = paper_sections_text(self.bank.get(ctx.papers[0]).sentences)
            ctx.timings["generate_ms"] = ms_since(started)
            yield from self.emit(ctx, Composition(text), notice=self.prompts.render("extractive_notice"))
        else:
            prompt = self.prompts.render("summarize_paper", sources=self.sources_block(ctx.papers))
            yield from self.generate(ctx, prompt)

    def summarize_topic(self, ctx: Context, topic: str) -> Iterator[Delta | Answer]:
        if reason := self.nothing_relevant(ctx):
            yield from self.refuse(ctx, "nothing_relevant", reason=reason)
        elif self.llm is None:
            started = time.perf_counter()
            text = topic_sections_text(topic, self.query_vector(ctx), ctx.papers, self.bank, self.tuning)
            ctx.timings["generate_ms"] = ms_since(started)
            yield from self.emit(ctx, Composition(text), notice=self.prompts.render("extractive_notice"))
        else:
            prompt = self.prompts.render(
                "summarize_topic", topic=topic, sources=self.sources_block(ctx.papers)
            )
            yield from self.generate(ctx, prompt)

    # ------------------------------------------------------------ producing text

    def emit(
        self, ctx: Context, composed: Composition, notice: str | None = None
    ) -> Iterator[Delta | Answer]:
        """Stream the notice and the composed lines, then the checked Answer."""
        rewriter = CitationRewriter(range(1, len(ctx.papers) + 1))
        shown = []
        opening = [f"{notice}\n\n"] if notice else []
        for part in [*opening, *composed.text.splitlines(keepends=True)]:
            if piece := rewriter.feed(part):
                shown.append(piece)
                yield Delta(text=piece)
        if tail := rewriter.close():
            shown.append(tail)
            yield Delta(text=tail)
        claims = None  # a summary's claims are read from its text
        if composed.claims is not None:
            claims = [
                AnswerSentence(c.text, [rewriter.mapping[c.source]], c.question, c.record)
                for c in composed.claims
                if c.source in rewriter.mapping
            ]
        yield self.finish(ctx, "".join(shown), rewriter, raw=composed.text, notice=notice, claims=claims)

    def generate(self, ctx: Context, prompt: str, question: str | None = None) -> Iterator[Delta | Answer]:
        """Stream the LLM's reply through the citation rewriter.

        The reply is held back while it could still be the refusal sentence, so a refusal
        never flashes by as if it were an answer.
        """
        assert self.llm is not None
        started = time.perf_counter()
        rewriter = CitationRewriter(range(1, len(ctx.papers) + 1))
        raw, shown, held = "", [], True
        for delta in self.llm.stream_chat(self.prompts.render("system"), prompt):
            raw += delta
            if held and CANNOT_ANSWER.startswith(raw.strip()):
                continue
            piece = rewriter.feed(raw if held else delta)
            held = False
            if piece:
                shown.append(piece)
                yield Delta(text=piece)
        ctx.timings["generate_ms"] = ms_since(started)
        if raw.strip().startswith(CANNOT_ANSWER.rstrip(".")) and not rewriter.mapping:
            yield from self.refuse(ctx, "detail_not_stated", raw=raw)
            return
        # A reply shorter than the refusal sentence is still held back entirely.
        if tail := (rewriter.feed(raw) if held else "") + rewriter.close():
            shown.append(tail)
            yield Delta(text=tail)
        yield self.finish(ctx, "".join(shown), rewriter, raw=raw, question=question)

    def sources_block(self, papers: list[Paper]) -> str:
        """Numbered, delimited sources. Angle brackets inside are defused so a source cannot
        close its tag and speak as an instruction."""
        return "\n\n".join(
            f'<source n="{n}" paper_id="{paper.paper_id}" title="{defuse(paper.title)}">\n'
            f"{defuse(paper.abstract)}\n</source>"
            for n, paper in enumerate(papers, 1)
        )

    # ------------------------------------------------------------ the common finish

    def finish(
        self,
        ctx: Context,
        text: str,
        rewriter: CitationRewriter,
        raw: str,
        notice: str | None = None,
        claims: list[AnswerSentence] | None = None,
        question: str | None = None,
    ) -> Answer:
        """Check and package an answer. Composed answers bring their `claims` (each with the
        question it is placed under); others are read from the text and placed under
        `question` (None for summaries, which answer no question)."""
        started = time.perf_counter()
        sources = {display: ctx.papers[source - 1] for source, display in rewriter.mapping.items()}
        body = text[len(notice) :].lstrip() if notice and text.startswith(notice) else text
        embedded = {ctx.standalone: ctx.query_vector} if ctx.query_vector is not None else {}
        checks = self.checker.check(
            claims if claims is not None else answer_sentences(body), sources, question, embedded
        )
        ctx.timings["check_ms"] = ms_since(started)
        citations = []
        for display, paper in sorted(sources.items()):
            evidence = list(
                dict.fromkeys(c.evidence for c in checks if display in c.citations and c.evidence)
            )
            citations.append(
                Citation(
                    n=display,
                    paper_id=paper.paper_id,
                    title=paper.title,
                    passage=" ".join(evidence) or paper.abstract[:400],
                )
            )
        return self.make_answer(
            ctx,
            answer=text,
            notice=notice,
            citations=citations,
            sentences=checks,
            invalid_citations=rewriter.invalid,
            raw_output=raw,
        )

    def refuse(
        self, ctx: Context, kind: RefusalReason, reason: str = "", raw: str = ""
    ) -> Iterator[Delta | Answer]:
        closest = "\n".join(f"- {hit.title} ({hit.paper_id})" for hit in ctx.hits[:5]) or "- (none)"
        if kind == "nothing_relevant":
            message = self.prompts.render("refusal_nothing", reason=reason, closest=closest)
        else:
            message = self.prompts.render("refusal_detail", question=ctx.question, closest=closest)
        yield Delta(text=message)
        yield self.make_answer(ctx, answer=message, refused=True, refusal_reason=kind, raw_output=raw)

    def make_answer(self, ctx: Context, **fields: object) -> Answer:
        usage = self.llm.last_usage if self.llm is not None else {}
        return Answer(
            question=ctx.question,
            standalone_question=ctx.standalone,
            retrieved=ctx.hits,
            mode=self.mode,
            model=self.model_name,
            timings=dict(ctx.timings),
            usage=dict(usage),
            **fields,
        )


def defuse(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
