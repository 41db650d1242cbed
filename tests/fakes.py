"""Test doubles: a scripted LLM (response queue + call history) and a scripted assistant.

Both are FAKE: canned text, no model behind them. They are what interface and eval tests use.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from llama_index.core.llms import (
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

from paperlens.config import RetrievalMode, Settings
from paperlens.errors import PaperNotFoundError, QuestionError
from paperlens.index.sentences import SentenceStore
from paperlens.providers import LLMClient
from paperlens.types import (
    Answer,
    AnswerStream,
    Citation,
    Delta,
    Paper,
    PaperHit,
    Passage,
    SearchFilters,
    SentenceCheck,
    Turn,
    collect_answer,
)


class ScriptedLLM(CustomLLM):
    """Replies with queued responses, in order, and records every prompt it was sent.

    Queue a string to reply with it, or an exception instance to raise it. Streaming replies
    arrive word by word. An empty queue is a test error, not a silent default.
    """

    _queue: deque[Any] = PrivateAttr(default_factory=deque)
    _history: list[str] = PrivateAttr(default_factory=list)

    def enqueue(self, *responses: str | Exception) -> ScriptedLLM:
        self._queue.extend(responses)
        return self

    @property
    def history(self) -> list[str]:
        return self._history

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted-llm", is_chat_model=False)

    def _next(self, prompt: str) -> str:
        self._history.append(prompt)
        if not self._queue:
            raise AssertionError(f"ScriptedLLM got a call with nothing queued:\n{prompt[:500]}")
        response = self._queue.popleft()
        if isinstance(response, Exception):
            raise response
        return response

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = self._next(prompt)

        def gen() -> CompletionResponseGen:
            sent = ""
            for piece in text.split(" "):
                delta = piece if not sent else " " + piece
                sent += delta
                yield CompletionResponse(text=sent, delta=delta)

        return gen()


def scripted_client(*responses: str | Exception) -> tuple[LLMClient, ScriptedLLM]:
    """An LLMClient over a ScriptedLLM, with no backoff so retry tests are instant."""
    llm = ScriptedLLM().enqueue(*responses)
    return LLMClient(llm, endpoint="scripted://fake", max_retries=2, backoff=0.0), llm


# ---------------------------------------------------------------- the scripted assistant

FAKE_NOTICE = "Extracted from the abstracts (FAKE: a scripted test assistant, no model behind it)."


def overlap_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


@dataclass
class Script:
    """What the assistant does for one question; anything left unset is composed as usual."""

    answer: Answer | None = None
    error: Exception | None = None
    refuse: bool = False
    unsupported: bool = False  # flag the first cited sentence as weakly supported
    delay: float | None = None  # seconds between streamed words
    ranking: list[str] | None = None  # paper ids `search` returns, best first


@dataclass
class FakeIndex:
    papers: dict[str, Paper]
    sentences: SentenceStore | None = None  # sentence vectors, for the collection's themes

    def paper(self, paper_id: str) -> Paper:
        if paper_id not in self.papers:
            raise PaperNotFoundError(f"No paper with id {paper_id!r}.")
        return self.papers[paper_id]


class ScriptedAssistant:
    """A stand-in for `Assistant` (it satisfies `AssistantProtocol`), for interface and eval tests.

    By default it ranks papers by word overlap with the question and answers with the first
    sentence of the two best, cited [1] and [2], streamed word by word. `script(question, ...)`
    sets what happens for one question instead: a given Answer, an exception, a refusal, a weakly
    supported sentence, a slower stream, a fixed ranking. Every call is recorded in `calls`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        papers: dict[str, Paper] | None = None,
        delay: float = 0.0,
        llm: LLMClient | None = None,
        mode: str | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.index = FakeIndex(papers if papers is not None else {})
        self.llm = llm
        self.mode = mode or ("generative" if llm is not None else "extractive")
        self.model_name = (
            "extractive" if self.mode == "extractive" else (llm.model_name if llm else "fake-llm")
        )
        self.delay = delay
        self.scripts: dict[str, Script] = {}
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def script(self, question: str, **behaviour: Any) -> ScriptedAssistant:
        self.scripts[question] = Script(**behaviour)
        return self

    def record(self, kind: str, question: str, **details: Any) -> Script:
        with self._lock:
            self.calls.append({"kind": kind, "question": question, **details})
        return self.scripts.get(question, Script())

    # ------------------------------------------------------------ AssistantProtocol

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        filters: SearchFilters | None = None,
    ) -> list[PaperHit]:
        script = self.record("search", query, k=k, mode=mode, filters=filters)
        return self.rank(query, k, filters, script)

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
        history = list(history or [])
        script = self.record(
            "ask", question, history=[t.question for t in history], filters=filters, k=k, mode=mode
        )
        if not question.strip():
            raise QuestionError("The question is empty; type a question about the papers.")
        if script.error is not None:
            raise script.error
        answer = script.answer or self.compose(question, history, filters, k, script)
        return self.streamed(answer, script.delay if script.delay is not None else self.delay)

    def summarize_paper(self, paper_id: str) -> Answer:
        return collect_answer(self.stream_paper_summary(paper_id))

    def stream_paper_summary(self, paper_id: str) -> AnswerStream:
        self.record("summarize_paper", paper_id)
        paper = self.index.paper(paper_id)
        hit = PaperHit(paper_id=paper.paper_id, title=paper.title, score=1.0, rank=1)
        question = f"Summarize {paper.title}"
        return self.streamed(self.cited_answer(question, question, [hit], unsupported=False), self.delay)

    def summarize_topic(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> Answer:
        return collect_answer(self.stream_topic_summary(topic, k, filters))

    def stream_topic_summary(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> AnswerStream:
        script = self.record("summarize_topic", topic, k=k, filters=filters)
        hits = self.rank(topic, k, filters, script)
        return self.streamed(self.cited_answer(topic, topic, hits[:2], unsupported=False), self.delay)

    # ------------------------------------------------------------ canned behaviour

    def rank(
        self, query: str, k: int | None, filters: SearchFilters | None, script: Script
    ) -> list[PaperHit]:
        k = k or self.settings.retrieval.k
        if script.ranking is not None:  # a fixed ranking, still filtered like a real search
            papers = [self.index.papers[pid] for pid in script.ranking]
            papers = [paper for paper in papers if filters is None or filters.accepts(paper)]
            scored = [(len(script.ranking) - i, paper) for i, paper in enumerate(papers)]
        else:
            wanted = overlap_words(query)
            scored = [
                (len(wanted & overlap_words(f"{p.title} {p.abstract}")), p)
                for p in self.index.papers.values()
                if filters is None or filters.accepts(p)
            ]
            scored.sort(key=lambda pair: (-pair[0], pair[1].title))
        return [
            PaperHit(
                paper_id=paper.paper_id,
                title=paper.title,
                score=round(0.05 / rank + overlap / 100, 4),
                rank=rank,
                passages=[Passage(chunk_id=f"{paper.paper_id}-0", text=paper.abstract, score=overlap)],
                dense_similarity=min(0.99, 0.2 + overlap / 10),
                bm25_score=float(overlap),
            )
            for rank, (overlap, paper) in enumerate(scored[:k], start=1)
        ]

    def compose(
        self,
        question: str,
        history: list[Turn],
        filters: SearchFilters | None,
        k: int | None,
        script: Script,
    ) -> Answer:
        standalone = f"{question} (after: {history[-1].question})" if history else question
        relevant = [hit for hit in self.rank(question, k, filters, script) if hit.bm25_score]
        if script.refuse or not relevant:
            return self.refusal(question, standalone, relevant)
        return self.cited_answer(question, standalone, relevant[:2], unsupported=script.unsupported)

    def streamed(self, answer: Answer, delay: float) -> AnswerStream:
        for piece in re.findall(r"\S+\s*|\s+", answer.answer):
            if delay:
                time.sleep(delay)
            yield Delta(text=piece)
        yield answer

    def cited_answer(self, question: str, standalone: str, hits: list[PaperHit], unsupported: bool) -> Answer:
        citations, sentences, lines = [], [], []
        for n, hit in enumerate(hits, start=1):
            paper = self.index.paper(hit.paper_id)
            evidence = re.split(r"(?<=\.)\s+", paper.abstract.strip())[0]
            text = f"{evidence} [{n}]"
            support = 0.1 if unsupported and n == 1 else 0.9
            citations.append(Citation(n=n, paper_id=paper.paper_id, title=paper.title, passage=evidence))
            sentences.append(
                SentenceCheck(
                    text=text,
                    citations=[n],
                    support=support,
                    supported=support >= 0.5,
                    evidence=evidence,
                    citation_support={n: support},
                )
            )
            lines.append(text)
        extractive = self.mode == "extractive"
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=f"{FAKE_NOTICE}\n\n{' '.join(lines)}" if extractive else " ".join(lines),
            notice=FAKE_NOTICE if extractive else None,
            citations=citations,
            sentences=sentences,
            retrieved=hits,
            mode="extractive" if extractive else "generative",
            model=self.model_name,
            timings={"retrieve_ms": 3.0, "generate_ms": 5.0, "check_ms": 1.0, "total_ms": 9.0},
            usage={} if extractive else {"prompt_tokens": 120, "completion_tokens": 40},
        )

    def refusal(self, question: str, standalone: str, hits: list[PaperHit]) -> Answer:
        text = "The collection has nothing on this question."
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=f"{FAKE_NOTICE}\n\n{text}",
            notice=FAKE_NOTICE,
            refused=True,
            refusal_reason="nothing_relevant",
            retrieved=hits[:3],
            mode="extractive",
            model="extractive",
            timings={"retrieve_ms": 2.0, "total_ms": 2.0},
        )
