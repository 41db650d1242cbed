"""Wires everything together: settings -> models -> index -> retriever -> answers.

A question travels: `Assistant.stream` validates it, `Condenser` decides whether it follows up
on the last one and if so rewrites it as a standalone question, `Retriever.search` finds papers
(Chroma + BM25; a follow-up that points at papers searches only those), `AnswerEngine` refuses,
composes or generates, and checks the citations.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from paperlens.answering.compose import Composer
from paperlens.answering.conversation import Condenser, TopicWords
from paperlens.answering.engine import ANSWER_PROMPTS, AnswerEngine, Context, ms_since
from paperlens.answering.relevance import Vocabulary, loose_stems
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.answering.support import SupportChecker
from paperlens.config import RetrievalMode, Settings
from paperlens.index.paper_index import PaperIndex
from paperlens.index.retriever import Retriever
from paperlens.inputs import validate_question
from paperlens.prompts import PromptLibrary
from paperlens.providers import LLMClient, make_embedding, make_llm
from paperlens.types import Answer, AnswerStream, PaperHit, SearchFilters, Turn, collect_answer


def build_retriever(settings: Settings, need_embedder: bool = True) -> Retriever:
    """A retriever over the built index; BM25-only searches skip loading the embedding model."""
    index = PaperIndex.load(settings)
    embed_model = make_embedding(settings.embedding) if need_embedder else None
    return Retriever(index, embed_model, settings.retrieval)


class Assistant:
    def __init__(
        self, settings: Settings, retriever: Retriever, engine: AnswerEngine, condenser: Condenser
    ) -> None:
        self.settings, self.retriever, self.engine, self.condenser = settings, retriever, engine, condenser

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        embed_model: BaseEmbedding | None = None,
        llm: LLMClient | None = None,
        index: PaperIndex | None = None,
    ) -> Assistant:
        """Build everything from settings; pass `embed_model`, `llm` or an opened `index` to use
        your own."""
        settings = settings or Settings()
        prompts = PromptLibrary.load(settings.prompts_dir, ANSWER_PROMPTS)  # fail fast on a bad prompt
        index = index or PaperIndex.load(settings)
        embed_model = embed_model or make_embedding(settings.embedding)
        llm = llm or make_llm(settings.llm)
        bank = SentenceBank(embed_model, index.sentences)
        judge = llm if settings.answer.llm_support_check else None
        checker = SupportChecker(bank, settings.tuning, judge, prompts)
        vocabulary = Vocabulary.from_texts([c.text for c in index.chunks], settings.tuning.rare_share)
        tuning = settings.tuning
        engine = AnswerEngine(llm, prompts, bank, checker, vocabulary, tuning, Composer(bank, tuning))
        topics = TopicWords(vocabulary, tuning.topic_rarity, tuning.topic_keyness, tuning.generic_share)
        condenser = Condenser(
            llm,
            prompts,
            settings.answer.history_turns,
            topics,
            bank.embed,
            sentence_vectors(bank, index),
            tuning.followup_similarity,
        )
        return cls(settings, Retriever(index, embed_model, settings.retrieval), engine, condenser)

    @property
    def index(self) -> PaperIndex:
        return self.retriever.index

    @property
    def llm(self) -> LLMClient | None:
        return self.engine.llm

    @property
    def mode(self) -> str:
        return self.engine.mode

    @property
    def model_name(self) -> str:
        return self.engine.model_name

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        filters: SearchFilters | None = None,
    ) -> list[PaperHit]:
        query = validate_question(query, self.settings.answer.max_question_chars)
        return self.retriever.search(query, k=k, mode=mode, filters=filters)

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: RetrievalMode | None = None,
    ) -> Answer:
        return collect_answer(self.stream(question, history, filters, k, mode))

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: RetrievalMode | None = None,
    ) -> AnswerStream:
        """Deltas of answer text, then the checked Answer."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.answer.max_question_chars)
        followup = self.condenser.condense(question, history or [])
        timings = {"condense_ms": ms_since(started)}
        if followup.focus:  # the papers the follow-up points at; the caller's k still caps them
            filters = (filters or SearchFilters()).model_copy(update={"paper_ids": followup.focus})
        elif followup.mentions:  # "and for speech recognition?": only papers that mention it
            filters = self.mentioning(followup.mentions, filters or SearchFilters())
        retrieving = time.perf_counter()
        vector = self.engine.bank.embed_query(followup.standalone)  # once: search and answer share it
        hits = self.retriever.search(followup.standalone, k=k, mode=mode, filters=filters, vector=vector)
        if followup.focus:
            hits = self.in_order(hits, followup.focus[: k or len(followup.focus)])
        timings["retrieve_ms"] = ms_since(retrieving)
        ctx = self.context(question, followup.standalone, hits, timings, pinned=bool(followup.focus))
        ctx.query_vector, ctx.focus, ctx.own = vector, followup.focus, followup.own
        yield from with_total(self.engine.answer(ctx), started)

    def mentioning(self, words: list[str], filters: SearchFilters) -> SearchFilters:
        """The filters, narrowed to papers whose title or abstract has each of the words."""
        wanted = [loose_stems(word) for word in words]
        ids = []
        for paper_id, paper in self.index.papers.items():
            if filters.paper_ids is not None and paper_id not in filters.paper_ids:
                continue
            text = loose_stems(f"{paper.title} {paper.abstract}")
            if all(stems & text for stems in wanted):
                ids.append(paper_id)
        return filters.model_copy(update={"paper_ids": ids})

    def in_order(self, hits: list[PaperHit], focus: list[str]) -> list[PaperHit]:
        """The papers a follow-up points at, in the order it names them ("compare the first and
        the third": [1] is the first), each with the passages the search found for it."""
        found = {hit.paper_id: hit for hit in hits}
        ordered = []
        for rank, paper_id in enumerate(focus, 1):
            hit = found.get(paper_id) or PaperHit(
                paper_id=paper_id, title=self.index.paper(paper_id).title, score=0.0, rank=rank
            )
            ordered.append(hit.model_copy(update={"rank": rank}))
        return ordered

    def summarize_paper(self, paper_id: str) -> Answer:
        return collect_answer(self.stream_paper_summary(paper_id))

    def stream_paper_summary(self, paper_id: str) -> AnswerStream:
        started = time.perf_counter()
        paper = self.index.paper(paper_id)
        hit = PaperHit(paper_id=paper.paper_id, title=paper.title, score=1.0, rank=1)
        ctx = self.context(f"Summarize: {paper.title}", paper.title, [hit], {}, pinned=True)
        yield from with_total(self.engine.summarize_paper(ctx), started)

    def summarize_topic(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> Answer:
        return collect_answer(self.stream_topic_summary(topic, k, filters))

    def stream_topic_summary(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> AnswerStream:
        started = time.perf_counter()
        topic = validate_question(topic, self.settings.answer.max_question_chars)
        vector = self.engine.bank.embed_query(topic)
        hits = self.retriever.search(
            topic, k=k or max(self.settings.retrieval.k, 8), filters=filters, vector=vector
        )
        ctx = self.context(f"Summarize the work on {topic}", topic, hits, {"retrieve_ms": ms_since(started)})
        ctx.query_vector = vector
        yield from with_total(self.engine.summarize_topic(ctx, topic), started)

    def context(
        self,
        question: str,
        standalone: str,
        hits: list[PaperHit],
        timings: dict[str, float],
        pinned: bool = False,
    ) -> Context:
        papers = [self.index.papers[hit.paper_id] for hit in hits]
        return Context(question, standalone, hits, papers, pinned=pinned, timings=timings)


def sentence_vectors(bank: SentenceBank, index: PaperIndex) -> Callable[[list[str]], np.ndarray]:
    """The stored vectors of the abstract sentences of papers, by id (unknown ids are skipped)."""

    def vectors(paper_ids: list[str]) -> np.ndarray:
        entries = bank.get_many([index.papers[i] for i in paper_ids if i in index.papers])
        return np.concatenate([e.vectors for e in entries]) if entries else np.zeros((0, 1), np.float32)

    return vectors


def with_total(stream: AnswerStream, started: float) -> AnswerStream:
    for item in stream:
        if isinstance(item, Answer):
            item.timings["total_ms"] = ms_since(started)
        yield item
