"""Questions in a conversation: follow-ups turned into standalone questions.

A follow-up such as "what about the second one?" or "compare them" refers to papers the
previous answer cited. Those references are resolved from the previous answer's citations
(the same numbers the user saw), so the follow-up's retrieval is pinned to exactly those
papers and its citations point at them. The wording is condensed by the LLM when one is
configured, and by a rule otherwise (the previous question's topic plus the new question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperlens.prompts import PromptLibrary
from paperlens.providers import LLMClient
from paperlens.text import content_words
from paperlens.types import Answer, Turn

ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
ORDINAL_REF = re.compile(
    r"\b(?:the\s+)?("
    + "|".join(ORDINALS)
    + r"|last|latter|former)\s+(?:one|paper|source|work|study|result)s?\b",
    re.IGNORECASE,
)
NUMBER_REF = re.compile(
    r"\[(\d+)\]|\b(?:paper|source|reference|ref\.?|number|no\.?)\s*#?(\d+)\b", re.IGNORECASE
)
PLURAL_REF = re.compile(
    r"\b(them|they|these|those|their|both|each of|all of|compare|comparison|contrast)\b", re.I
)
SINGULAR_REF = re.compile(
    r"\b(it|its|this paper|that paper|this work|that work|this one|that one|this method)\b", re.I
)
REFERRING = re.compile(
    ORDINAL_REF.pattern
    + "|"
    + NUMBER_REF.pattern
    + "|"
    + PLURAL_REF.pattern
    + "|"
    + SINGULAR_REF.pattern
    + r"|\bwhat about\b|\band\b|\bhow about\b",
    re.IGNORECASE,
)


@dataclass
class Followup:
    standalone: str
    focus: list[str] = field(default_factory=list)  # paper ids the question refers to


def referenced_papers(question: str, previous: Answer) -> list[str]:
    """Paper ids the question points at in the previous answer ('the second one', '[2]', 'them')."""
    cited = [c.paper_id for c in sorted(previous.citations, key=lambda c: c.n)]
    if not cited:
        cited = [hit.paper_id for hit in previous.retrieved]
    if not cited:
        return []
    picked: list[str] = []
    for match in NUMBER_REF.finditer(question):
        number = int(match.group(1) or match.group(2))
        if 1 <= number <= len(cited):
            picked.append(cited[number - 1])
    for match in ORDINAL_REF.finditer(question):
        word = match.group(1).lower()
        index = {"last": len(cited), "latter": len(cited), "former": 1}.get(word) or ORDINALS[word]
        if 1 <= index <= len(cited):
            picked.append(cited[index - 1])
    if not picked and PLURAL_REF.search(question):
        picked = cited[:5]
    if not picked and SINGULAR_REF.search(question):
        picked = cited[:1]
    return list(dict.fromkeys(picked))


class Condenser:
    def __init__(self, llm: LLMClient | None, prompts: PromptLibrary, max_turns: int) -> None:
        self.llm, self.prompts, self.max_turns = llm, prompts, max_turns

    def condense(self, question: str, history: list[Turn]) -> Followup:
        if not history or self.max_turns == 0:
            return Followup(question)
        previous = history[-1].answer
        focus = referenced_papers(question, previous)
        if self.llm is not None:
            return Followup(self.rewrite_with_llm(question, history[-self.max_turns :]), focus)
        return Followup(self.rewrite_by_rule(question, previous, focus), focus)

    def rewrite_with_llm(self, question: str, history: list[Turn]) -> str:
        transcript = "\n\n".join(
            f"User: {turn.question}\nAssistant: {turn.answer.answer}\n{turn.answer.references}"
            for turn in history
        )
        prompt = self.prompts.render("condense", history=transcript, question=question)
        assert self.llm is not None
        rewritten = self.llm.chat(self.prompts.render("system"), prompt).strip().strip('"').strip()
        return rewritten if 0 < len(rewritten) <= 1000 else question

    @staticmethod
    def rewrite_by_rule(question: str, previous: Answer, focus: list[str]) -> str:
        """Short or referring follow-ups inherit the previous question's topic."""
        own_words = content_words(REFERRING.sub(" ", question))
        if not focus and len(own_words) > 3:
            return question  # a new, self-contained question
        return f"{previous.standalone_question} {question}"
