"""A stand-in for `paperlens.assistant.Assistant`: same methods, canned but realistic answers.

It picks the papers whose words best overlap the question, answers with their first sentences,
cites them as [1], [2] and streams the answer word by word. Special questions drive the other
paths: "unknown topic" refuses, "fail llm" raises LLMError, "bug" raises a plain exception,
"unsupported" flags a sentence, "slowly" streams four words a second. Every call is recorded in
`calls`, so tests can assert on the history, filters, k and mode the app passed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from paperlens.config import Settings
from paperlens.errors import LLMError, PaperNotFoundError, QuestionError
from paperlens.types import (
    Answer,
    Citation,
    Delta,
    Paper,
    PaperHit,
    Passage,
    SearchFilters,
    SentenceCheck,
    Turn,
)

NOTICE = "Extracted from the abstracts (no LLM configured; set PAPERLENS_LLM_PROVIDER to enable one)."
XSS_ID = "xss000000001"
XSS_ABSTRACT = (
    "Untrusted abstracts such as <img src=x onerror=\"window.pwned='img'\"> and "
    "<script>window.pwned='script'</script> must render as text in escaping tests. "
    "Template syntax ${window.pwned='tpl'} and {{constructor.constructor}} stays inert. "
    "A link [click](javascript:window.pwned='md') is not a link."
)


def make_papers() -> dict[str, Paper]:
    papers = [
        Paper(
            paper_id="aaaa00000001",
            title="Pruning Attention Heads in Transformers",
            abstract=(
                "We study pruning of attention heads in transformer language models. Removing 40% of "
                "heads keeps accuracy within 1 point on GLUE. Our pruned models run 1.8x faster."
            ),
            sources=["listing_a.txt"],
            code_urls=["https://github.com/example/headprune"],
            year=2021,
        ),
        Paper(
            paper_id="bbbb00000002",
            title="Knowledge Distillation for Compact Image Classifiers",
            abstract=(
                "Knowledge distillation transfers knowledge from a large teacher network to a small "
                "student network. The student reaches 74.2% top-1 accuracy with 10x fewer parameters."
            ),
            sources=["listing_b.txt"],
            year=2020,
        ),
        Paper(
            paper_id="cccc00000003",
            title="Sparse Mixture of Experts at Scale",
            abstract=(
                "Sparse mixture of experts layers route each token to a few experts. Routing keeps "
                "compute constant while parameters grow to a trillion."
            ),
            sources=["listing_a.txt", "listing_b.txt"],
            code_urls=["https://github.com/example/moe"],
            year=2022,
        ),
        Paper(
            paper_id=XSS_ID,
            title="Escaping <b onmouseover=\"window.pwned='title'\">untrusted</b> & <i>abstracts</i>",
            abstract=XSS_ABSTRACT,
            sources=["listing_<x>.txt"],
            code_urls=["javascript:window.pwned='href'", "https://github.com/example/escape"],
            url="javascript:window.pwned='url'",
            year=2024,
        ),
    ]
    return {paper.paper_id: paper for paper in papers}


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=\.)\s+", text.strip())[0]


@dataclass
class FakeIndex:
    papers: dict[str, Paper] = field(default_factory=make_papers)

    def paper(self, paper_id: str) -> Paper:
        if paper_id not in self.papers:
            raise PaperNotFoundError(f"No paper with id {paper_id!r}.")
        return self.papers[paper_id]


class FakeAssistant:
    def __init__(
        self, settings: Settings | None = None, delay: float = 0.0, mode: str = "extractive"
    ) -> None:
        self.settings = settings or Settings()
        self.index = FakeIndex()
        self.mode = mode
        self.model_name = "extractive" if mode == "extractive" else "fake-llm"
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the Assistant API

    def search(
        self, query: str, k: int | None = None, mode: str | None = None, filters: SearchFilters | None = None
    ) -> list[PaperHit]:
        wanted = words(query)
        scored = []
        for paper in self.index.papers.values():
            if filters and not filters.accepts(paper):
                continue
            overlap = len(wanted & words(paper.title + " " + paper.abstract))
            scored.append((overlap, paper))
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
            for rank, (overlap, paper) in enumerate(scored[: k or self.settings.retrieval.k], start=1)
        ]

    def ask(self, question: str, history: list[Turn] | None = None, **options: Any) -> Answer:
        *_, answer = self.stream(question, history, **options)
        assert isinstance(answer, Answer)
        return answer

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: str | None = None,
    ) -> Iterator[Delta | Answer]:
        history = list(history or [])
        with self._lock:
            self.calls.append(
                {
                    "question": question,
                    "history": [t.question for t in history],
                    "filters": filters,
                    "k": k,
                    "mode": mode,
                }
            )
        if not question.strip():
            raise QuestionError("The question is empty; type a question about the papers.")
        if "fail llm" in question.lower():
            raise LLMError("http://127.0.0.1:9/v1", "connection refused")
        if "bug" in question.lower():
            raise RuntimeError("an unexpected failure deep inside")
        answer = self.compose(question, history, filters, k, mode)
        delay = 0.25 if "slowly" in question.lower() else self.delay
        for piece in re.findall(r"\S+\s*|\s+", answer.answer):
            if delay:
                time.sleep(delay)
            yield Delta(text=piece)
        yield answer

    def summarize_paper(self, paper_id: str) -> Answer:
        paper = self.index.paper(paper_id)
        hit = PaperHit(paper_id=paper.paper_id, title=paper.title, score=1.0, rank=1)
        return self.cited_answer(f"Summarize {paper.title}", f"Summarize {paper.title}", [hit], [])

    def summarize_topic(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> Answer:
        hits = self.search(topic, k=k, filters=filters)
        return self.cited_answer(topic, topic, hits[:2], [])

    # ------------------------------------------------------------ canned answers

    def compose(
        self,
        question: str,
        history: list[Turn],
        filters: SearchFilters | None,
        k: int | None,
        mode: str | None,
    ) -> Answer:
        standalone = f"{question} (after: {history[-1].question})" if history else question
        hits = self.search(question, k=k, mode=mode, filters=filters)
        relevant = [hit for hit in hits if hit.bm25_score]
        if "unknown topic" in question.lower() or not relevant:
            return self.refusal(question, standalone, hits)
        flagged = [1] if "unsupported" in question.lower() else []
        return self.cited_answer(question, standalone, relevant[:2], flagged)

    def cited_answer(
        self, question: str, standalone: str, hits: list[PaperHit], flagged: list[int]
    ) -> Answer:
        citations, sentences, lines = [], [], []
        for n, hit in enumerate(hits, start=1):
            paper = self.index.paper(hit.paper_id)
            evidence = first_sentence(paper.abstract)
            text = f"{evidence} [{n}]"
            supported = n not in flagged
            citations.append(Citation(n=n, paper_id=paper.paper_id, title=paper.title, passage=evidence))
            sentences.append(
                SentenceCheck(
                    text=text,
                    citations=[n],
                    support=0.9 if supported else 0.1,
                    supported=supported,
                    evidence=evidence,
                    citation_support={n: 0.9 if supported else 0.1},
                )
            )
            lines.append(text)
        answer = NOTICE + "\n\n" + " ".join(lines) if self.mode == "extractive" else " ".join(lines)
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=answer,
            notice=NOTICE if self.mode == "extractive" else None,
            citations=citations,
            sentences=sentences,
            retrieved=hits,
            mode=self.mode,  # type: ignore[arg-type]
            model=self.model_name,
            timings={"retrieve_ms": 3.0, "generate_ms": 5.0, "check_ms": 1.0, "total_ms": 9.0},
            usage={} if self.mode == "extractive" else {"prompt_tokens": 120, "completion_tokens": 40},
        )

    def refusal(self, question: str, standalone: str, hits: list[PaperHit]) -> Answer:
        text = "The collection has nothing on this question."
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=NOTICE + "\n\n" + text,
            notice=NOTICE,
            refused=True,
            refusal_reason="nothing_relevant",
            retrieved=hits[:3],
            mode="extractive",
            model="extractive",
            timings={"retrieve_ms": 2.0, "total_ms": 2.0},
        )
