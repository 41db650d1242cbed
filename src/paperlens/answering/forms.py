"""The form of a question, read from its wording: a comparison of named methods, a request for a
list of papers, or a question about what the index records of papers (code links, listing dates,
titles). Answers are laid out by it (`compose`), and follow-ups are resolved with it
(`conversation`). Also: short names for papers, and counts written as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperlens.text import content_words, stem

ASPECT_TAIL = (
    r"(?:\s+(?:in terms of|with respect to|with regard to|regarding|on|in|for|by)\s+(?P<aspect>[^,;]+?))?"
)
END = r"\s*[?.!]*\s*$"
COMPARISONS = [
    # "Compare A and B (on cost)", "Contrast A with B"
    re.compile(r"^(?:please\s+)?(?:compare|contrast)\s+(?P<sides>.+?)" + ASPECT_TAIL + END, re.I),
    # "How does A compare to B (in cost)?", "How does A differ from B?"
    re.compile(
        r"^how\s+(?:does|do|did|is|are)\s+(?P<a>.+?)\s+(?:compare|differ|stack up)\s+"
        r"(?:to|with|from|against)\s+(?P<b>.+?)" + ASPECT_TAIL + END,
        re.I,
    ),
    # "How do A and B compare (in cost)?"
    re.compile(
        r"^(?:how\s+(?:do|did|does)\s+)?(?P<sides>.+?)\s+(?:compare|differ)" + ASPECT_TAIL + END, re.I
    ),
    # "What is the difference between A and B (in cost)?"
    re.compile(
        r"^what(?:'s|\s+is|\s+are)\s+(?:the\s+)?(?:main\s+|key\s+)?differences?\s+between\s+(?P<sides>.+?)"
        + ASPECT_TAIL
        + END,
        re.I,
    ),
    # "A vs B: cost"
    re.compile(
        r"^(?P<a>[^,:]+?)\s+(?:vs\.?|versus)\s+(?P<b>[^,:]+?)(?:(?:\s*[:,–]\s*|\s+-\s+)(?P<aspect>.+?))?"
        + END,
        re.I,
    ),
    # "Which is cheaper, A or B?"
    re.compile(
        r"^which\s+(?:one\s+)?(?:is|has|was|does|did|needs?|gets?)\s+(?P<aspect>.+?),\s*(?P<sides>.+?\s+or\s+.+?)"
        + END,
        re.I,
    ),
]
SIDE_SEPARATOR = re.compile(
    r"\s*(?:,|;|\band\b|\bor\b|\bwith\b|\bto\b|\bagainst\b|\bvs\.?|\bversus\b|&)\s*", re.I
)
COMPARE_WORD = re.compile(r"\b(compar\w*|contrast\w*|differ\w*|versus|vs\.?)\b", re.I)
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)

LIST_QUESTION = re.compile(
    r"^\s*(?:which|what)\s+(?:other\s+|of\s+the\s+)?(?:papers|works|studies|articles|publications)\b"
    r"|^\s*(?:list|name|find|show)\s+(?:me\s+)?(?:all\s+|the\s+|any\s+)?(?:papers|works|studies|articles)\b",
    re.I,
)

# Words that ask about a paper's record rather than its content. A question made of these (and
# of words pointing at papers) is answered from the record, not from the abstracts.
RECORD_WORDS = {
    "code": {
        "code",
        "codes",
        "github",
        "implementation",
        "implementations",
        "repository",
        "repositories",
        "repo",
        "repos",
        "source",
        "open-source",
        "opensource",
        "available",
        "availability",
        "release",
        "released",
        "releases",
        "public",
        "publicly",
        "link",
        "links",
        "url",
        "urls",
    },
    "date": {
        "date",
        "dates",
        "dated",
        "listed",
        "listing",
        "published",
        "publication",
        "appear",
        "appeared",
        "recent",
        "newest",
        "latest",
        "oldest",
        "earliest",
        "year",
        "years",
        "new",
        "old",
    },
    "title": {"title", "titles", "named", "name", "names", "called", "full"},
}
POINTING_WORDS = {
    "one",
    "ones",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "last",
    "latter",
    "former",
    "none",
    "either",
    "neither",
    "mentioned",
    "cited",
    "listed",
    "above",
    "previous",
    "give",
    "tell",
    "list",
    "show",
}
MOST_NAME_WORDS = 4  # "knowledge distillation", "Single-Path NAS"; longer sides describe, not name
NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@dataclass(frozen=True)
class Comparison:
    sides: list[str]  # as the question names them; empty when it points at papers ("compare them")
    aspect: str  # what to compare on; "" when the question names nothing


def comparison(question: str) -> Comparison | None:
    """The methods a comparison question names and the aspect it compares them on. A question
    asking for papers ("which papers use X versus Y?") wants a list, not a comparison, and a side
    longer than a name ("plain pruning when removing half of the weights") is not a method."""
    if asks_for_list(question):
        return None
    for pattern in COMPARISONS:
        match = pattern.match(question.strip())
        if not match:
            continue
        groups = match.groupdict()
        raw = [groups["a"], groups["b"]] if groups.get("a") else SIDE_SEPARATOR.split(groups["sides"])
        sides = [clean_side(side) for side in raw if side and clean_side(side)]
        if len(sides) >= 2 and all(len(side.split()) <= MOST_NAME_WORDS for side in sides):
            return Comparison(list(dict.fromkeys(sides)), clean_aspect(groups.get("aspect") or ""))
    if COMPARE_WORD.search(question):
        return Comparison([], "")
    return None


def clean_side(side: str) -> str:
    return LEADING_ARTICLE.sub("", side.strip(" ?.!:'\"")).removesuffix("'s").strip()


def clean_aspect(aspect: str) -> str:
    return LEADING_ARTICLE.sub("", aspect.strip(" ?.!:")).strip()


def asks_for_list(question: str) -> bool:
    """'Which papers ...', 'List papers ...': a list of papers is the answer."""
    return bool(LIST_QUESTION.search(question))


def record_intent(question: str) -> str | None:
    """'code', 'date' or 'title' when the question asks only what the index records of papers
    ('which of them has code?', 'when were they listed?'); None when it asks about content."""
    words = {w.strip("?.!,") for w in content_words(question)}
    asked = [kind for kind, vocabulary in RECORD_WORDS.items() if words & vocabulary]
    known = set().union(*RECORD_WORDS.values()) | POINTING_WORDS
    if len(asked) != 1 or any(w not in known and stem(w) not in known for w in words):
        return None
    return asked[0]


def short_title(title: str) -> str:
    """A paper's name as people say it: 'FBNet' for 'FBNet: Hardware-Aware ...', else the title."""
    head, colon, _ = title.partition(":")
    if colon and 0 < len(head.split()) <= 4:
        return head.strip()
    return title.strip()


def number_word(count: int) -> str:
    """'three' for 3, '12' for 12."""
    return NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)


def count_words(count: int, noun: str = "paper", capital: bool = True) -> str:
    """'Three papers', 'One paper', '12 papers'."""
    text = f"{number_word(count)} {noun}{'' if count == 1 else 's'}"
    return text[0].upper() + text[1:] if capital else text


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
