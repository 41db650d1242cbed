"""Boilerplate: abstract sentences whose role is framing, not content.

Abstracts open and close with sentences every reader skips: that a field "has been growing in
popularity" or "has attracted much attention", that "code is available at ...", that the authors
"hope this paves the way for future research". They score well against a question because they
repeat its topic words, and say nothing about it. A sentence is boilerplate when a cue names such
a role AND the sentence carries no content of its own beside it: no number outside a link, and
no contrast or gap ("despite the growing popularity of X, little work studied Y" states one).
It is kept when the question asks for that role ("is the code available?").
"""

from __future__ import annotations

import re

ROLES: dict[str, re.Pattern[str]] = {
    "availability": re.compile(
        r"https?://|www\.|github\.com|huggingface\.co"
        r"|\b(?:code|codes|implementation|models?|data|datasets?|weights|benchmark|resources?|tool)s?"
        r"(?:\s+\w+){0,3}\s+(?:is|are|will be|has been|have been|were|was)\s+(?:made\s+)?"
        r"(?:publicly\s+|freely\s+|openly\s+)?(?:available|released|open[- ]sourced|public)"
        r"|\b(?:publicly|freely|openly)\s+available\b|\bavailable\s+(?:at|online|on github|upon request)\b"
        r"|\bwe\s+(?:release|open[- ]source|make\s+(?:\w+\s+){0,4}(?:available|public))\b",
        re.I,
    ),
    "popularity": re.compile(
        r"\b(?:growing|increasing|gaining|gained|grown|rising)\s+(?:in\s+)?(?:popularity|attention|interest|traction)"
        r"|\b(?:become|becoming|became)\s+(?:increasingly\s+|very\s+|more\s+|extremely\s+)?"
        r"(?:popular|prevalent|ubiquitous|widespread|mainstream)"
        r"|\b(?:attracted|received|receiving|drawn|drawing|drew|gained|garnered)\s+(?:a lot of\s+|much\s+|"
        r"significant\s+|considerable\s+|increasing\s+|increased\s+|growing\s+|great\s+|wide\s+|"
        r"tremendous\s+|substantial\s+)?(?:research\s+)?(?:attention|interest)"
        r"|\b(?:remarkable|tremendous|impressive|great|huge|enormous|unprecedented|outstanding)\s+"
        r"(?:success|progress|advances|attention)"
        r"|\b(?:has|have)\s+(?:been\s+)?(?:widely|extensively)\s+(?:studied|used|adopted|applied|investigated)"
        r"|\bplays?\s+(?:an?\s+)?(?:important|crucial|key|vital|central|critical|pivotal)\s+role",
        re.I,
    ),
    "outlook": re.compile(
        r"\bwe\s+hope\b|\bpaves?\s+the\s+(?:way|road)\b|\bfuture\s+(?:research|work|directions?)\b"
        r"|\bthe\s+rest\s+of\s+(?:this|the)\s+paper\b|\bis\s+organized\s+as\s+follows\b",
        re.I,
    ),
}
# A question asking for a role ("where is the code?", "is it popular?") gets its sentences.
ASKED: dict[str, re.Pattern[str]] = {
    "availability": re.compile(
        r"\b(code|github|implementation|open[- ]source|release[sd]?|available|availability"
        r"|repositor\w*|weights)\b",
        re.I,
    ),
    "popularity": re.compile(r"\b(popular\w*|trend\w*|adoption|hype)\b", re.I),
    "outlook": re.compile(r"\b(future|outlook|next steps?|directions?|hope)\b", re.I),
}
# A contrast or a gap turns framing into a problem statement: "despite the growing popularity of
# X, little work studied Y", "..., prompting the open question whether ...".
GAP = re.compile(
    r"\b(despite|yet|but|however|although|though|whereas|while|still|remains?|remaining|whether|"
    r"unclear|unknown|open (?:question|problem)|little|few|lacks?|lacking|limited|challeng\w*|"
    r"problems?|issues?|bottlenecks?)\b",
    re.I,
)
LINK = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|io|ai)\S*", re.I)
DIGIT = re.compile(r"\d")


def roles(sentence: str) -> list[str]:
    return [name for name, cue in ROLES.items() if cue.search(sentence)]


def carries_content(sentence: str, role: str) -> bool:
    """A number outside any link; beside framing, also a contrast that states a gap or finding."""
    if DIGIT.search(LINK.sub(" ", sentence)):
        return True
    return role != "availability" and bool(GAP.search(sentence))


def is_boilerplate(sentence: str, question: str) -> bool:
    """Framing the question did not ask for, with nothing else in the sentence."""
    return any(
        not ASKED[role].search(question) and not carries_content(sentence, role) for role in roles(sentence)
    )
