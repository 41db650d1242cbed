"""Follow-ups: by what a question points back at, never by its length. (Hash embeddings here are
FAKE vectors from hashed words; they still rank texts that share words.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fakes import scripted_client
from paperlens.answering.conversation import Condenser, TopicWords, referenced_papers, subject_words
from paperlens.answering.references import continues, pointers
from paperlens.answering.relevance import Vocabulary
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.prompts import PromptLibrary
from paperlens.providers import HashEmbedding, LLMClient
from paperlens.types import Answer, Citation, Turn

PROMPTS = PromptLibrary.load(
    Path(__file__).resolve().parents[1] / "prompts", {"system": set(), "condense": {"history", "question"}}
)
TITLES = [
    "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable Neural Architecture Search",
    "ProxylessNAS: Direct Neural Architecture Search on Target Task and Hardware",
    "Single-Path NAS: Designing Hardware-Efficient ConvNets in less than 4 Hours",
]
# A collection where 'search' and 'architecture' are everywhere and 'pruning' is not.
VOCABULARY = Vocabulary({"search": 80, "architectur": 90, "neural": 95, "model": 90, "prune": 3}, 100)
TOPICS = TopicWords(VOCABULARY, rarity=4.5, keyness=250, generic=0.3)


def previous_answer(question: str = "Which papers search architectures for phones?") -> Answer:
    citations = [
        Citation(n=n, paper_id=f"p{n}", title=title, passage="...") for n, title in enumerate(TITLES, 1)
    ]
    return Answer(
        question=question,
        standalone_question=question,
        answer="A [1]. B [2]. C [3].",
        citations=citations,
        mode="extractive",
        model="extractive",
    )


def history(question: str = "Which papers search architectures for phones?") -> list[Turn]:
    return [Turn(question=question, answer=previous_answer(question))]


def no_sentences(paper_ids: list[str]) -> np.ndarray:
    return np.zeros((0, 1), dtype=np.float32)


def condenser(
    llm: LLMClient | None = None,
    close: float = 0.28,
    sentences: Callable[[list[str]], np.ndarray] = no_sentences,
) -> Condenser:
    return Condenser(llm, PROMPTS, 6, TOPICS, SentenceBank(HashEmbedding()).embed, sentences, close)


# ---------------------------------------------------------------- what a question points at


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what about the second one?", ["p2"]),
        ("Tell me more about [3]", ["p3"]),
        ("and paper 1?", ["p1"]),
        ("what does the last paper report?", ["p3"]),
        ("compare the first and second one", ["p1", "p2"]),
        ("compare the first and the third", ["p1", "p3"]),
        ("the first two, how do they differ?", ["p1", "p2"]),
        ("Is the former faster than the latter?", ["p1", "p3"]),
        ("compare them", ["p1", "p2", "p3"]),
        ("Which of them has code available?", ["p1", "p2", "p3"]),
        ("how does it work?", ["p1"]),
        ("What model do they use?", ["p1", "p2", "p3"]),  # 'model' cannot be what 'they' stands for
        ("What is its accuracy?", ["p1"]),
        ("Which papers study speech recognition?", []),
        ("Which papers train GANs and evaluate them on CIFAR?", []),  # 'them' is the GANs
        ("Is it possible to prune ViTs?", []),  # an 'it' that stands for nothing
        ("At first, which papers use pruning?", []),
    ],
)
def test_references_resolve_to_the_previous_answers_citations(question: str, expected: list[str]) -> None:
    assert referenced_papers(question, previous_answer(), TOPICS) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and for ViTs?", True),
        ("What about Mixtral?", True),
        ("For CNNs?", True),
        ("On how many GPUs?", True),
        ("tell me more", True),
        ("Why?", True),
        ("Also, which papers study KANs?", False),
        ("In which papers is pruning used?", False),
        ("What is Mixtral?", False),
        ("Which papers prune attention heads?", False),
    ],
)
def test_continuations_are_read_from_their_form(question: str, expected: bool) -> None:
    assert continues(question) is expected


def test_topic_words_are_names_and_uncommon_or_collection_words() -> None:
    assert TOPICS.found("What is Mixtral?") == ["Mixtral"]
    assert TOPICS.found("Which papers study quantization?") == ["quantization"]
    assert TOPICS.found("How does neural architecture search work?") == []  # in most chunks
    assert TOPICS.found("What is the search cost?") == []  # 'search' only says which cost
    assert TOPICS.found("How long does it take?") == []  # common English, rare in the collection
    assert subject_words("and for speech recognition?") == ["speech", "recognition"]
    assert subject_words("what about the cost?") == []


def test_pointers_mark_the_words_to_replace() -> None:
    [pointer] = pointers("Which of them has code?", 3, TOPICS)
    assert "Which of them has code?"[pointer.start : pointer.end] == "them"


# ---------------------------------------------------------------- the decision and the rewrite


@pytest.mark.parametrize(
    "question",
    [
        "What is Mixtral?",  # short, and a new topic: the old rule glued it to the last question
        "Which papers study Kolmogorov-Arnold Networks?",
        "How does Megatron-LM scale training?",
        "Which papers train GANs and evaluate them on CIFAR?",
    ],
)
def test_a_new_question_is_new_whatever_its_length(question: str) -> None:
    followup = condenser().condense(question, history())
    assert (followup.kind, followup.standalone, followup.focus) == ("new", question, [])


def test_pointing_at_papers_pins_them_and_names_them() -> None:
    code = condenser().condense("Which of them has code available?", history())
    assert code.kind == "points at papers" and code.focus == ["p1", "p2", "p3"]
    assert code.standalone == "Which of FBNet, ProxylessNAS and Single-Path NAS has code available?"
    compare = condenser().condense("compare the first and second one", history())
    assert compare.focus == ["p1", "p2"] and compare.standalone == "Compare FBNet and ProxylessNAS"
    its = condenser().condense("What is its accuracy?", history())
    assert its.focus == ["p1"] and its.standalone == "What is FBNet's accuracy?"


def test_a_continuation_is_read_after_the_question_it_continues() -> None:
    followup = condenser().condense("and for ViTs?", history("Which papers prune attention heads?"))
    assert followup.kind == "continues" and followup.focus == []
    assert followup.standalone == "Which papers prune attention heads? And for ViTs?"
    assert followup.mentions == ["vits"]  # answered from papers that mention ViTs only


def test_a_continuation_of_a_question_about_papers_takes_their_place() -> None:
    turns = [*history(), Turn(question="Which of them has code?", answer=previous_answer("x"))]
    followup = condenser().condense("and for binary networks?", turns)
    assert followup.standalone == "Which of binary networks has code?"


def test_a_chain_of_continuations_continues_the_first_question() -> None:
    first = history("Which papers prune attention heads?")
    second = condenser().condense("and for ViTs?", first)
    chained = previous_answer("and for ViTs?").model_copy(update={"standalone_question": second.standalone})
    third = condenser().condense("what about CNNs?", [*first, Turn(question="and for ViTs?", answer=chained)])
    assert third.standalone == "Which papers prune attention heads? What about CNNs?"


def test_a_question_without_a_topic_follows_up_only_when_close() -> None:
    turns = history("How fast does FBNet search cost run on phones?")
    question = "How fast is the search cost?"
    assert condenser(close=0.0).condense(question, turns).kind == "close to the last question"
    assert condenser(close=0.99).condense(question, turns).kind == "new"


def test_closeness_also_counts_the_sentences_of_the_cited_papers() -> None:
    bank = SentenceBank(HashEmbedding())
    sentence = bank.embed(["We estimate the search cost at only 216 GPU hours."])
    asked: list[list[str]] = []

    def sentences(paper_ids: list[str]) -> np.ndarray:
        asked.append(paper_ids)
        return sentence

    followup = condenser(close=0.5, sentences=sentences).condense("What is the search cost?", history())
    assert followup.kind == "close to the last question" and asked == [["p1", "p2", "p3"]]
    assert condenser(close=0.5).condense("What is the search cost?", history()).kind == "new"


# ---------------------------------------------------------------- with an LLM


def test_the_llm_rewrites_follow_ups_with_the_history() -> None:
    client, llm = scripted_client('"What does ProxylessNAS report about search cost?"')
    followup = condenser(client).condense("what about the second one?", history())
    assert followup.standalone == "What does ProxylessNAS report about search cost?"
    assert followup.focus == ["p2"]
    sent = llm.history[0]
    assert "Which papers search architectures for phones?" in sent and "[2] ProxylessNAS" in sent
    assert "what about the second one?" in sent


def test_a_new_question_never_reaches_the_llm() -> None:
    client, llm = scripted_client()
    followup = condenser(client).condense("What is Mixtral?", history())
    assert followup.standalone == "What is Mixtral?" and llm.history == []


def test_no_history_means_no_condensing_call() -> None:
    client, llm = scripted_client()
    assert condenser(client).condense("a question", []).standalone == "a question"
    assert llm.history == []
