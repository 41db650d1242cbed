"""Questions in a conversation: whether a question follows up on the last one, and what it asks.

A question is a follow-up when it points back: at papers of the previous answer ("the second
one", "[2]", "which of them", "it"; `references`), or at the previous question ("and for ViTs?",
"what about the cost?"). It is also one when it names no topic of its own and sits close to the
previous question in embedding space ("how much faster is training?"). Anything else is a new
question, however short: "What is Mixtral?" after a question on NAS is about Mixtral.

A follow-up that points at papers is pinned to them and rewritten with their names ("which of
them has code?" -> "Which of FBNet, ProxylessNAS and sharpDARTS has code?"); one that continues
the previous question is read after it. With an LLM configured, follow-ups are rewritten by the
LLM instead; new questions never reach it. The rewrite is `Answer.standalone_question`, which
the CLI and the web app show as "Understood as: ...".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from paperlens.answering.forms import join_names, short_title
from paperlens.answering.references import Pointer, continues, pointers, subject_of
from paperlens.answering.relevance import NAME_LIKE, TOKEN, Vocabulary
from paperlens.prompts import PromptLibrary
from paperlens.providers import LLMClient
from paperlens.text import STOPWORDS, content_words, stem
from paperlens.types import Answer, Citation, Turn

# Head words of what is asked about: the word before one only says which ("search cost").
ASPECTS = frozenset(
    """cost costs time times speed rate rates size sizes accuracy error errors latency memory
    throughput performance results efficiency energy budget ratio overhead complexity""".split()
)
MOST_PAPERS = 5  # papers of the last answer whose sentences a question is compared with

# Words that ask about something rather than name it: a question made only of these (and stop
# words) has no topic of its own ("what accuracy does it reach?", "tell me more").
ASKING_WORDS = frozenset(
    """accuracy accurate performance perform performs results result cost costs expensive cheap
    cheaper speed fast faster slower slow latency throughput memory energy efficiency efficient size
    sizes scale scaling parameters params flops compute time runtime training trained train trains
    inference dataset datasets data benchmark benchmarks evaluation evaluate evaluated metric metrics
    baseline baselines experiments experiment limitation limitations drawback drawbacks weakness
    weaknesses strength strengths advantage advantages disadvantage disadvantages contribution
    contributions idea ideas novelty finding findings conclusion conclusions motivation problem
    problems goal goals author authors code implementation github available date year title setup
    settings hyperparameters rate error errors loss improvement improvements gain gains better best
    worse compare comparison difference differences key main task tasks
    outcome number numbers large small big high low good bad achieve achieves achieved reach reaches
    reported report reports need needs require requires mean means describe explain summary summarize
    overview detail details related similar different tell know say said talk mention mentioned cited
    listed give show list please thanks thank okay ok more else again above previous answer question
    first second third fourth fifth last latter former ones find found common way""".split()
)


@dataclass
class Followup:
    standalone: str
    focus: list[str] = field(default_factory=list)  # paper ids the question points at, in its order
    kind: str = "new"  # "new", "points at papers", "continues", "close to the last question"
    # A continuation that names a subject ("and for speech recognition?") is answered only from
    # papers that mention it, so the last question's papers do not leak into its answer.
    mentions: list[str] = field(default_factory=list)
    # What a follow-up that points at papers asks of them, in its own words: "what accuracy does
    # the second one reach?" -> "What accuracy does reach?" (its sentences are scored on these).
    own: str = ""


class TopicWords:
    """Words that name what a question is about: a name (FlashKAT, KANs, GPT-3), or a word that
    does not ask about something and is either uncommon in general English ('quantization',
    'federated', 'mixtral') or used far more in the collection than in English ('vision',
    'attention'), and not in most of the collection's chunks ('model', 'neural'); not 'take',
    'long', nor 'search' in 'the search cost'. English frequencies are
    wordfreq's Zipf values (3 is once per million words, 6 once per thousand)."""

    def __init__(self, vocabulary: Vocabulary, rarity: float, keyness: float, generic: float) -> None:
        self.vocabulary, self.rarity, self.keyness, self.generic = vocabulary, rarity, keyness, generic

    def found(self, text: str) -> list[str]:
        tokens = [(m.group(0), m.start()) for m in TOKEN.finditer(text)]
        return [
            token
            for i, (token, start) in enumerate(tokens)
            if self.is_topic(token, start == 0, tokens[i + 1][0] if i + 1 < len(tokens) else "")
        ]

    def is_topic(self, token: str, first: bool = False, following: str = "") -> bool:
        word = token.lower()
        if word in STOPWORDS or word in ASKING_WORDS or word.isdigit():
            return False
        if NAME_LIKE.match(token) and not (first and token.istitle()):
            return True  # a capitalised first word is just the start of the sentence
        if following.lower() in ASPECTS:
            return False  # "search cost", "training time": part of what is asked about
        from wordfreq import zipf_frequency  # loaded on first use: its word lists take ~0.4 s

        if len(word) <= 2:
            return False
        zipf = zipf_frequency(word, "en")
        share = self.vocabulary.counts.get(stem(word), 0) / self.vocabulary.total
        if share > self.generic:
            return False  # 'model', 'neural' in a machine-learning collection: no topic of their own
        # keyness: share of chunks with the word, over its share of English words
        return zipf < self.rarity or share / 10 ** (zipf - 9) >= self.keyness

    def __call__(self, text: str) -> list[str]:
        return self.found(text)


class Condenser:
    def __init__(
        self,
        llm: LLMClient | None,
        prompts: PromptLibrary,
        max_turns: int,
        topics: TopicWords,
        embed: Callable[[list[str]], np.ndarray],
        sentences: Callable[[list[str]], np.ndarray],
        close: float,
    ) -> None:
        """`embed` gives unit vectors of texts; `sentences` the unit vectors of the abstract
        sentences of papers, by id."""
        self.llm, self.prompts, self.max_turns = llm, prompts, max_turns
        self.topics, self.embed, self.sentences, self.close = topics, embed, sentences, close

    def condense(self, question: str, history: list[Turn]) -> Followup:
        if not history or self.max_turns == 0:
            return Followup(question)
        previous = history[-1].answer
        papers = previous_papers(previous)
        found = pointers(question, len(papers), self.topics)
        focus = list(dict.fromkeys(papers[p - 1].paper_id for pointer in found for p in pointer.positions))
        kind = self.kind(question, previous, bool(focus))
        if kind == "new":
            return Followup(question)
        mentions = subject_words(question) if kind == "continues" else []
        if self.llm is not None:
            rewritten = self.rewrite_with_llm(question, history[-self.max_turns :])
            return Followup(rewritten, focus, kind, mentions)
        if focus:
            names = [join_names([short_title(papers[p - 1].title) for p in x.positions]) for x in found]
            own = " ".join(replaced(question, found, [""] * len(found)).split())
            return Followup(replaced(question, found, names), focus, kind, own=own)
        return Followup(self.continued(question, history), focus, kind, mentions)

    def kind(self, question: str, previous: Answer, points_at_papers: bool) -> str:
        if points_at_papers:
            return "points at papers"
        if continues(question):
            return "continues"
        if not self.topics(question) and self.closeness(question, previous) >= self.close:
            return "close to the last question"
        return "new"

    def continued(self, question: str, history: list[Turn]) -> str:
        """A continuation, read as the question it continues. When that one pointed at papers
        ("which of them has code?"), the continuation's subject takes their place ("and for
        binary networks?" -> "Which of binary networks has code?"); else it is read after it."""
        last = history[-1]
        subject = subject_of(question)
        if len(history) >= 2 and subject:
            found = pointers(last.question, len(previous_papers(history[-2].answer)), self.topics)
            if len(found) == 1:
                return replaced(last.question, found, [subject])
        base = last.answer.standalone_question
        if continues(last.question):  # a chain of continuations all continue the first question
            base = base.removesuffix(capitalized(last.question)).strip() or base
        return after(base, question)

    def closeness(self, question: str, previous: Answer) -> float:
        """Cosine similarity of the question to the last turn: to its question, or to a sentence
        of a paper its answer cited ("how much accuracy is lost?" is close to "removing 40% of
        heads keeps accuracy within 1 point", not to "which papers prune attention heads?")."""
        vector, asked = self.embed([question, previous.standalone_question])
        papers = [paper.paper_id for paper in previous_papers(previous)[:MOST_PAPERS]]
        sentences = self.sentences(papers)
        best = float((sentences @ vector).max()) if len(sentences) else -1.0
        return max(float(asked @ vector), best)

    def rewrite_with_llm(self, question: str, history: list[Turn]) -> str:
        transcript = "\n\n".join(
            f"User: {turn.question}\nAssistant: {turn.answer.answer}\n{turn.answer.references}"
            for turn in history
        )
        prompt = self.prompts.render("condense", history=transcript, question=question)
        assert self.llm is not None
        rewritten = self.llm.chat(self.prompts.render("system"), prompt).strip().strip('"').strip()
        return rewritten if 0 < len(rewritten) <= 1000 else question


def previous_papers(previous: Answer) -> list[Citation]:
    """The papers of the previous answer by the numbers the user saw (its closest papers when it
    cited none, e.g. a refusal)."""
    cited = sorted(previous.citations, key=lambda c: c.n)
    if cited:
        return cited
    return [Citation(n=h.rank, paper_id=h.paper_id, title=h.title, passage="") for h in previous.retrieved]


def replaced(question: str, found: list[Pointer], names: list[str]) -> str:
    """The question with the words that point at papers replaced by names, one per pointer."""
    text, cursor = "", 0
    for pointer, name in zip(found, names, strict=True):
        text += question[cursor : pointer.start] + name + ("'s" if pointer.possessive else "")
        cursor = pointer.end
    text += question[cursor:]
    return capitalized(text)


def after(previous: str, question: str) -> str:
    """A continuation read after the question it continues: 'Which papers prune heads? And for ViTs?'"""
    previous = previous.strip()
    if previous and previous[-1] not in "?.!":
        previous += "?"
    return f"{previous} {capitalized(question)}"


def subject_words(question: str) -> list[str]:
    """The words naming what a continuation is about ('speech', 'recognition' in 'and for speech
    recognition?'); none when it asks about an aspect ('what about the cost?')."""
    return [w for w in content_words(subject_of(question)) if w not in ASKING_WORDS]


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def referenced_papers(
    question: str, previous: Answer, topics: Callable[[str], list[str]] | None = None
) -> list[str]:
    """Paper ids the question points at in the previous answer ('the second one', '[2]', 'them')."""
    papers = previous_papers(previous)
    found = pointers(question, len(papers), topics or (lambda text: []))
    return list(dict.fromkeys(papers[p - 1].paper_id for pointer in found for p in pointer.positions))
