"""Does the paper a sentence cites actually say it? A support score for every cited sentence.

Offline the score blends two signals against the cited abstracts:
- meaning: the best cosine similarity between the sentence and any one abstract sentence;
- wording: the share of the sentence's content words (stemmed) that the abstracts contain.
Numbers are strict: a number the abstracts never mention halves the score, since invented
figures are the most damaging unsupported claims. With an LLM configured and
`answer.llm_support_check` on, the LLM's verdict decides `supported` as well.
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

    def check(self, sentences: Sequence[AnswerSentence], sources: dict[int, Paper]) -> list[SentenceCheck]:
        """One SentenceCheck per sentence; `sources` maps display numbers to papers."""
        cited = [s for s in sentences if any(n in sources for n in s.citations)]
        by_text = self.claim_vectors([s.text for s in cited], list(sources.values()))
        checks = []
        for sentence in sentences:
            numbers = [n for n in sentence.citations if n in sources]
            if not numbers:
                checks.append(SentenceCheck(text=sentence.text, citations=sentence.citations))
                continue
            vector = by_text[sentence.text]
            support, evidence = self.score(sentence.text, vector, [sources[n] for n in numbers])
            per_citation = {n: round(self.score(sentence.text, vector, [sources[n]])[0], 3) for n in numbers}
            checks.append(
                SentenceCheck(
                    text=sentence.text,
                    citations=numbers,
                    support=round(support, 3),
                    supported=support >= self.tuning.support_threshold,
                    evidence=evidence,
                    citation_support=per_citation,
                )
            )
        if self.llm is not None and self.prompts is not None:
            self.ask_llm(checks, sources)
        return checks

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
            if not check.citations:
                continue
            cited = "\n\n".join(f"[{n}] {sources[n].title}\n{sources[n].abstract}" for n in check.citations)
            prompt = self.prompts.render("support_check", sentence=check.text, sources=cited)
            try:
                reply = self.llm.chat(self.prompts.render("system"), prompt)
            except LLMError:
                return
            verdict = reply.strip().upper()
            if verdict.startswith(("SUPPORTED", "NOT SUPPORTED", "UNSUPPORTED")):
                check.supported = verdict.startswith("SUPPORTED")
                check.method = "llm"
