"""What a question points back at, read from its words.

- Papers of the previous answer, by the numbers the user saw: "[2]", "paper 3", "the second one",
  "the first and third", "the first two", "the latter", "which of them", "these papers", "both",
  "this paper"; and, when nothing in the question itself can be what they stand for, the pronouns
  "it", "its", "they", "them", "their", "these", "those".
- The previous question itself: an ellipsis that continues it ("and for ViTs?", "what about the
  cost?", "tell me more", "for CNNs?").

A pronoun has its antecedent inside the question when a topic word that agrees with it comes
before it ("which papers train GANs and evaluate them on CIFAR?"); `has_topic` lists the topic
words of a stretch of text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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
    "last": -1,
}
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
MOST_PLURAL = 5  # "them" stands for at most the first five papers of an answer
ORD = "|".join(ORDINALS)
NOUNS = "one paper source work study result method approach model article reference".split()
NOUN = "(?:" + "|".join(f"{noun}s?" for noun in NOUNS).replace("studys?", "stud(?:y|ies)") + ")"

NUMBER_REF = re.compile(
    r"\[(\d+)\]|\b(?:paper|source|reference|ref\.?|number|no\.?)\s*#?(\d+)\b", re.IGNORECASE
)
ORD_LIST = rf"((?:{ORD})(?:\s*(?:,|and|or|&|vs\.?|versus)\s*(?:the\s+)?(?:{ORD}))*)"
ORDINAL_LIST = re.compile(  # "the second one", "the first and third", "second paper"
    rf"\bthe\s+{ORD_LIST}(?:\s+{NOUN}\b|(?=\s*(?:[?.!,;:]|$|\s(?:and|or|vs\.?|versus|with|to|from)\b)))"
    rf"|\b{ORD_LIST}\s+{NOUN}\b",
    re.IGNORECASE,
)
FIRST_N = re.compile(rf"\b(?:the\s+)?(first|top|last)\s+({'|'.join(COUNTS)})\b(?:\s+{NOUN}\b)?", re.I)
FORMER_LATTER = re.compile(r"\bthe\s+(former|latter)\b", re.IGNORECASE)
GROUP = re.compile(
    r"\b(?:which|each|any|all|none|some|one|either|neither|many|most|how\s+many|two|three)\s+of\s+"
    r"(?P<ref>them|these|those|the\s+above|the\s+(?:papers|works|studies|ones|methods))\b"
    rf"|\b(?P<ref2>(?:these|those|the\s+above|the\s+same|the\s+cited|the\s+listed)\s+{NOUN})"
    r"|\b(?P<ref3>both(?:\s+of\s+them|\s+papers|\s+methods|\s+works)?)(?=\s*(?:[?.!,;]|$)|\s+of\s+them)"
    r"|\b(?P<ref4>(?:your|the\s+previous|the\s+last)\s+answer)\b",
    re.IGNORECASE,
)
THIS_ONE = re.compile(
    r"\b(?:this|that)\s+(?:paper|work|study|method|approach|model|one|article|technique)\b", re.I
)
PRONOUN = re.compile(r"\b(it|its|they|them|their|theirs|these|those)\b", re.IGNORECASE)
PLURAL = {"they", "them", "their", "theirs", "these", "those"}
POSSESSIVE = {"its", "their", "theirs"}
EXPLETIVE = re.compile(
    r"\b(?:is|was|isn't|wasn't)\s+it\s+\w*\s*(?:possible|true|known|feasible|necessary|common|hard|"
    r"difficult|easy|better|worth|the case)\b|\bit\s+(?:is|was|seems|appears)\b",
    re.IGNORECASE,
)
CONJUNCTION = re.compile(r"^\s*(?:and|or|but|also|plus)\b[\s,]*", re.IGNORECASE)
CONTINUATION = re.compile(
    r"^\s*(?:what\s+about|how\s+about|same\s+(?:for|with|question)|likewise|what\s+else|anything\s+else|"
    r"tell\s+me\s+more|more\s+(?:on|about|details)|go\s+on|elaborate|how\s+so|"
    r"(?:explain(?:\s+(?:more|further|why))?|why)\s*[?.!]*$)",
    re.IGNORECASE,
)
OPENING = re.compile(
    r"^\s*(?:(?:and|or|but|also|plus)\b[\s,]*)?(?:(?:what|how)\s+about\s+|same\s+(?:for|with)\s+)?"
    r"(?:(?:for|in|on|with|without|about|regarding|under|using)\s+)?",
    re.IGNORECASE,
)
FRAGMENT_START = re.compile(
    r"^\s*(?:for|in|on|with|without|about|regarding|under|at|using|versus|vs)\b", re.I
)
ASKING_WORD = re.compile(
    r"\s*\b(what|which|how|why|who|whom|whose|when|where|is|are|was|were|does|do|did|can|could|has|have|"
    r"had|should|would|will)\b",
    re.IGNORECASE,
)


# A fragment ("on how many GPUs?", "for CNNs?") has no verb of its own; "in which papers is
# pruning used?" does.
VERB = re.compile(r"\b(is|are|was|were|does|do|did|can|could|has|have|had|should|would|will)\b", re.I)


@dataclass(frozen=True)
class Pointer:
    """Words of the question that stand for papers of the previous answer."""

    start: int
    end: int
    positions: tuple[int, ...]  # 1-based positions among the previous answer's papers
    possessive: bool = False  # "its", "their": the names take "'s"


def pointers(question: str, count: int, has_topic: Callable[[str], list[str]]) -> list[Pointer]:
    """Every stretch of the question that points at papers of an answer that cited `count`."""
    if count == 0:
        return []
    found: list[Pointer] = []

    def add(start: int, end: int, positions: list[int], possessive: bool = False) -> None:
        valid = tuple(dict.fromkeys(p for p in positions if 1 <= p <= count))
        if valid and not any(p.start < end and start < p.end for p in found):
            found.append(Pointer(start, end, valid, possessive))

    for m in NUMBER_REF.finditer(question):
        add(m.start(), m.end(), [int(m.group(1) or m.group(2))])
    for m in FIRST_N.finditer(question):
        n = COUNTS[m.group(2).lower()]
        first = m.group(1).lower() != "last"
        add(m.start(), m.end(), list(range(1, n + 1)) if first else list(range(count - n + 1, count + 1)))
    for m in ORDINAL_LIST.finditer(question):
        words = re.findall(ORD, m.group(1) or m.group(2), re.IGNORECASE)
        add(m.start(), m.end(), [resolve(ORDINALS[w.lower()], count) for w in words])
    for m in FORMER_LATTER.finditer(question):
        add(m.start(), m.end(), [1 if m.group(1).lower() == "former" else count])
    for m in GROUP.finditer(question):
        name = next(g for g in ("ref", "ref2", "ref3", "ref4") if m.group(g))
        add(m.start(name), m.end(name), list(range(1, min(count, MOST_PLURAL) + 1)))
    for m in THIS_ONE.finditer(question):
        add(m.start(), m.end(), [1])
    if found:
        return sorted(found, key=lambda p: p.start)  # "the first two, how do they differ?"
    for m in PRONOUN.finditer(question):
        word = m.group(1).lower()
        if word == "it" and EXPLETIVE.search(question):
            continue
        if agrees(word, has_topic(question[: m.start()])):
            continue  # "which papers train GANs and evaluate them": it stands for something asked here
        plural = list(range(1, min(count, MOST_PLURAL) + 1))
        add(m.start(), m.end(), plural if word in PLURAL else [1], possessive=word in POSSESSIVE)
    return sorted(found, key=lambda p: p.start)


def agrees(pronoun: str, topics: list[str]) -> bool:
    """Can one of the topic words be what the pronoun stands for? 'it' needs a singular word,
    'them' a plural one or two words ('how many clients does it use?': 'it' is not the clients)."""
    plural = [t for t in topics if t.lower().endswith("s") and not t.lower().endswith("ss")]
    if pronoun in PLURAL:
        return bool(plural) or len(topics) > 1
    return len(plural) < len(topics)


def resolve(ordinal: int, count: int) -> int:
    return count if ordinal == -1 else ordinal


def continues(question: str) -> bool:
    """An ellipsis that only makes sense as a continuation of the previous question: "what
    about X?", "tell me more", a leading "and"/"also" before a fragment, or a bare fragment
    ("for CNNs?", "on how many GPUs?"). "Also, which papers study X?" is a question of its own."""
    rest = CONJUNCTION.sub("", question, count=1)
    if CONTINUATION.search(rest):
        return True
    if rest != question and not ASKING_WORD.match(rest):
        return True
    return bool(FRAGMENT_START.search(rest)) and not VERB.search(rest)


def subject_of(question: str) -> str:
    """What a continuation is about: 'and for binary networks?' -> 'binary networks'."""
    return OPENING.sub("", question, count=1).strip(" ?.!")
