"""Does a cited sentence answer the question it is placed under, and does the paper it cites
say it? A support score for every cited sentence.

Offline, how well the cited abstracts state a sentence blends two signals:
- meaning: the best cosine similarity between the sentence and any one abstract sentence;
- wording: the share of the sentence's content words (stemmed) that the abstracts contain.
Numbers are strict: a number the abstracts never mention halves the score, since invented
figures are the most damaging unsupported claims.

A sentence quoted verbatim is stated perfectly, so that alone says nothing about the answer. The
support score is therefore the lower of that and how well the sentence answers the question it
is placed under (the answer's question, or a comparison's aspect): its cosine similarity to the
question and the share of the question's content words it contains, weighted as when sentences
are chosen. A sentence that restates the index record (a code link, a listing date) is supported
by the record. With an LLM configured and `answer.llm_support_check` on, the LLM's verdict on the
sources decides `supported` as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from paperlens.answering.citations import AnswerSentence
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.config import TuningSettings
from paperlens.errors import LLMError
from paperlens.prompts import PromptLibrary
from paperlens.providers import LLMClient
from paperlens.text import content_stems
from paperlens.types import Paper, SentenceCheck

NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
RECORD = "index record"


def numbers_in(text: str) -> set[str]:
    return set(NUMBER.findall(text.replace(",", "")))


class SupportChecker:
    def __init__(
        self,
        bank: SentenceBank,
        tuning: TuningSettings,
        llm: LLMClient | None = None,
        prompts: PromptLibrary | None = None,
    ) -> None:
        self.bank, self.tuning, self.llm, self.prompts = bank, tuning, llm, prompts

    def check(
        self,
        sentences: Sequence[AnswerSentence],
        sources: dict[int, Paper],
        question: str | None = None,
        embedded: dict[str, np.ndarray] | None = None,
    ) -> list[SentenceCheck]:
        """One SentenceCheck per sentence; `sources` maps display numbers to papers. A sentence
        is placed under its own `question`, else under `question` (None: no question, e.g. a
        summary); `embedded` holds vectors of questions embedded already."""
        cited = [s for s in sentences if s.record is None and any(n in sources for n in s.citations)]
        by_text = self.claim_vectors([s.text for s in cited], list(sources.values()))
        placed = {s.text: s.question or question for s in cited}
        asked = self.question_vectors({q for q in placed.values() if q}, embedded or {})
        checks = []
        for sentence in sentences:
            numbers = [n for n in sentence.citations if n in sources]
            if not numbers:
                checks.append(SentenceCheck(text=sentence.text, citations=sentence.citations))
                continue
            if sentence.record is not None:
                checks.append(stated_by_record(sentence, numbers))
                continue
            vector, under = by_text[sentence.text], placed[sentence.text]
            titles = " ".join(sources[n].title for n in numbers)
            answers = (
                None if under is None else self.answers(sentence.text, titles, vector, asked[under], under)
            )
            ceiling = 1.0 if answers is None else answers
            support, evidence = self.score(sentence.text, vector, [sources[n] for n in numbers])
            per_citation = {
                n: round(min(self.score(sentence.text, vector, [sources[n]])[0], ceiling), 3) for n in numbers
            }
            support = min(support, ceiling)
            checks.append(
                SentenceCheck(
                    text=sentence.text,
                    citations=numbers,
                    support=round(support, 3),
                    supported=support >= self.tuning.support_threshold,
                    evidence=evidence,
                    citation_support=per_citation,
                    answers=None if answers is None else round(answers, 3),
                    question=under,
                )
            )
        if self.llm is not None and self.prompts is not None:
            self.ask_llm(checks, sources)
        return checks

    def question_vectors(self, questions: set[str], embedded: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        missing = sorted(q for q in questions if q not in embedded)
        return {**embedded, **dict(zip(missing, self.bank.embed(missing), strict=True))}

    def answers(
        self, claim: str, titles: str, vector: np.ndarray, question_vector: np.ndarray, question: str
    ) -> float:
        """0..1: how well `claim`, read under the titles of the papers it cites, answers
        `question`: its meaning, and the share of the question's words it or the titles have."""
        asked = content_stems(question)
        wording = len(asked & content_stems(f"{titles} {claim}")) / len(asked) if asked else 0.0
        meaning = float(vector @ question_vector)
        score = self.tuning.meaning_weight * meaning + self.tuning.wording_weight * wording
        return float(np.clip((score - self.tuning.answers_floor) / self.tuning.answers_span, 0, 1))

    def claim_vectors(self, claims: list[str], papers: list[Paper]) -> dict[str, np.ndarray]:
        """Vectors of the claims; a claim that quotes an abstract sentence (every extractive
        one) reuses that sentence's vector instead of being embedded again."""
        known = {
            sentence: vector
            for entry in self.bank.get_many(papers)
            for sentence, vector in zip(entry.sentences, entry.vectors, strict=True)
        }
        missing = list(dict.fromkeys(c for c in claims if c not in known))
        known.update(zip(missing, self.bank.embed(missing), strict=True))
        return {claim: known[claim] for claim in claims}

    def score(self, claim: str, vector: np.ndarray, papers: list[Paper]) -> tuple[float, str | None]:
        """Support of `claim` by `papers` together, in 0..1, and the best matching sentence."""
        entries = self.bank.get_many(papers)
        sentences = [s for e in entries for s in e.sentences]
        similarities = np.concatenate([e.vectors @ vector for e in entries])
        best = int(np.argmax(similarities))
        floor, span = self.tuning.support_cosine_floor, self.tuning.support_cosine_span
        meaning = float(np.clip((similarities[best] - floor) / span, 0, 1))
        source_text = " ".join(f"{p.title} {p.abstract}" for p in papers)
        claim_stems = content_stems(claim)
        wording = len(claim_stems & content_stems(source_text)) / len(claim_stems) if claim_stems else 0.0
        score = 0.5 * meaning + 0.5 * wording
        if numbers_in(claim) - numbers_in(source_text):
            score *= self.tuning.unknown_number_factor
        return score, sentences[best]

    def ask_llm(self, checks: list[SentenceCheck], sources: dict[int, Paper]) -> None:
        """Let the LLM judge each cited sentence; on LLM failure keep the offline verdicts."""
        assert self.llm is not None and self.prompts is not None
        for check in checks:
            if not check.citations or check.method == RECORD:
                continue
            cited = "\n\n".join(f"[{n}] {sources[n].title}\n{sources[n].abstract}" for n in check.citations)
            prompt = self.prompts.render("support_check", sentence=check.text, sources=cited)
            try:
                reply = self.llm.chat(self.prompts.render("system"), prompt)
            except LLMError:
                return
            verdict = reply.strip().upper()
            if verdict.startswith(("SUPPORTED", "NOT SUPPORTED", "UNSUPPORTED")):
                answers = check.answers is None or check.answers >= self.tuning.support_threshold
                check.supported = verdict.startswith("SUPPORTED") and answers
                check.method = "llm"


def stated_by_record(sentence: AnswerSentence, numbers: list[int]) -> SentenceCheck:
    """A sentence composed from the index record (a code link, a listing date) states it exactly."""
    return SentenceCheck(
        text=sentence.text,
        citations=numbers,
        support=1.0,
        supported=True,
        evidence=sentence.record,
        citation_support=dict.fromkeys(numbers, 1.0),
        method=RECORD,
    )
