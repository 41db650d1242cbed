"""Scripted multi-turn conversations: topic switches, follow-ups and comparisons. A topic leak is
a turn whose answer cites a paper outside what that turn is about (a new question answered with
the last topic's papers, or a follow-up that drifts). Goal: none. Offline over the tiny corpus
(hash embeddings: FAKE vectors that still rank), with the scripted fake LLM, and (integration)
over the real corpus with the real model."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fakes import scripted_client
from paperlens.answering.assistant import Assistant
from paperlens.config import Settings
from paperlens.index.paper_index import PaperIndex
from paperlens.providers import HashEmbedding, LLMClient
from paperlens.types import Answer, Turn

QUANT = "Quantization of Large Language Models to 4 Bits"
PRUNING = "Pruning Attention Heads in Transformers"
MOE = "Sparse Mixture of Experts Language Models"
FEDERATED = "Federated Learning with Non-IID Client Data"
DIFFUSION = "Diffusion Models for High Resolution Image Synthesis"
SPEECH = "Speech Recognition with Self-Supervised Audio Encoders"
ROBOT = "Reinforcement Learning for Robotic Grasping"
GRAPH = "Graph Neural Networks for Molecule Property Prediction"
DISTILLATION = "Knowledge Distillation for Compact Image Classifiers"
COMPRESSION = {QUANT, PRUNING, MOE}


@dataclass(frozen=True)
class Step:
    question: str
    new: bool  # a new question (kept as typed) or a follow-up (rewritten)
    allowed: frozenset[str]  # earlier turns' papers it may cite; empty: a refusal, citing nothing
    needs: frozenset[str] = frozenset()  # what it must cite


def step(question: str, new: bool, allowed: set[str], needs: set[str] | None = None) -> Step:
    return Step(question, new, frozenset(allowed), frozenset(needs or set()))


SWITCHES = [
    step("Which papers compress large language models?", True, COMPRESSION, {QUANT}),
    step("What is Mixtral?", True, set()),  # once glued to the last question, now refused
    step("How do federated clients with non-IID data converge?", True, set(), {FEDERATED}),
    step("Speech recognition?", True, set(), {SPEECH}),  # short, and still a new topic
    step("How does diffusion synthesize high resolution images?", True, set(), {DIFFUSION}),
    step("Graph networks for molecules?", True, set(), {GRAPH}),
    step("and for robotic grasping?", False, set(), {ROBOT}),  # the question, about another subject
]
FOLLOW_UPS = [
    step("Which papers compress large language models?", True, COMPRESSION, {QUANT}),
    step("Which of them has code available?", False, COMPRESSION, {QUANT}),
    step("Compare the first and second one", False, COMPRESSION),
    step("What accuracy does the second one reach?", False, {PRUNING}, {PRUNING}),
    step("What about knowledge distillation?", False, set(), {DISTILLATION}),
    step("How many parameters does it need?", False, {DISTILLATION}, {DISTILLATION}),
    step("What is Mixtral?", True, set()),
]


def run(assistant: Assistant, script: list[Step]) -> tuple[list[str], list[Answer]]:
    """Ask the script's questions in one conversation; return the problems and the answers.

    A leak is a paper an earlier turn cited that this turn cites though it is not about it."""
    history: list[Turn] = []
    problems, answers, earlier = [], [], set()
    for turn, expected in enumerate(script, 1):
        answer = assistant.ask(expected.question, history=history)
        cited = {c.title for c in answer.citations}
        if (answer.standalone_question == expected.question) != expected.new:
            problems.append(f"turn {turn} ({expected.question}) read as {answer.standalone_question!r}")
        if leaked := (cited & earlier) - expected.allowed:
            problems.append(f"turn {turn} ({expected.question}) leaks {sorted(leaked)}")
        if missing := expected.needs - cited:
            problems.append(f"turn {turn} ({expected.question}) misses {sorted(missing)}")
        if not expected.needs and not expected.allowed and not answer.refused:
            problems.append(f"turn {turn} ({expected.question}) answers instead of refusing")
        answers.append(answer)
        earlier |= cited
        history.append(Turn(question=expected.question, answer=answer))
    return problems, answers


def offline(settings: Settings, llm: LLMClient | None = None) -> Assistant:
    settings.tuning.min_relevance = 0.1  # hashed-word vectors sit far below MiniLM's similarities
    settings.tuning.min_sentence_score = 0.2
    settings.tuning.sentence_margin = 0.5
    return Assistant.from_settings(settings, embed_model=HashEmbedding(), llm=llm)


@pytest.mark.parametrize("script", [SWITCHES, FOLLOW_UPS], ids=["topic switches", "follow-ups"])
def test_no_topic_leaks_offline(tiny_index: PaperIndex, settings: Settings, script: list[Step]) -> None:
    problems, _ = run(offline(settings), script)
    assert problems == []


def test_follow_ups_are_shown_as_understood(tiny_index: PaperIndex, settings: Settings) -> None:
    _, answers = run(offline(settings), FOLLOW_UPS)
    assert answers[1].standalone_question.startswith("Which of ")
    assert answers[3].standalone_question == f"What accuracy does {PRUNING} reach?"
    assert answers[4].standalone_question == "What accuracy does knowledge distillation reach?"
    assert answers[5].standalone_question == f"How many parameters does {DISTILLATION} need?"
    assert "74.2% top-1 accuracy" in answers[4].answer and "10x fewer parameters" in answers[5].answer


def test_no_topic_leaks_with_the_scripted_llm(tiny_index: PaperIndex, settings: Settings) -> None:
    """Only follow-ups are sent to the LLM to be rewritten; a new question never is."""
    client, llm = scripted_client(
        "Weight quantization compresses large language models [1].",  # answer 1
        "Which of the quantization and pruning papers has code?",  # condense 2 (answered from records)
        "Compare the quantization paper and the pruning paper",  # condense 3
        "Quantization cuts memory 4x [1]; pruning runs 1.8x faster [2].",  # answer 3
    )
    assistant = offline(settings, client)
    script = [
        step("Which papers compress large language models?", True, COMPRESSION, {QUANT}),
        step("Which of them has code available?", False, COMPRESSION, {QUANT}),
        step("Compare the first and second one", False, COMPRESSION),
        step("What is Mixtral?", True, set()),  # refused before any LLM call
    ]
    problems, answers = run(assistant, script)
    assert problems == []
    condensing = [prompt for prompt in llm.history if "standalone question" in prompt]
    assert len(condensing) == 2 and all("What is Mixtral?" not in p for p in condensing)
    assert llm.pending == 0 and len(llm.history) == 4
    assert answers[2].standalone_question == "Compare the quantization paper and the pruning paper"


@pytest.mark.integration
def test_no_topic_leaks_over_the_real_corpus(real_settings: Settings, bundled_embedding) -> None:  # type: ignore[no-untyped-def]
    """The conversation from the issue, with the real model and corpus."""
    assistant = Assistant.from_settings(real_settings, embed_model=bundled_embedding)
    papers = assistant.index.papers.values()
    nas = {p.title for p in papers if "Architecture Search" in p.title or "NAS" in p.title}
    kan = {p.title for p in papers if "Kolmogorov" in p.title or "KAN" in p.title}
    megatron = {p.title for p in papers if "Megatron" in p.title}
    everything = {p.title for p in papers}
    script = [
        step("Which papers work on hardware-aware neural architecture search?", True, everything, set()),
        step("Which of them has code available?", False, everything),
        step("Compare the first and second one", False, everything),
        step("What is Mixtral?", True, set()),
        step("Which papers study Kolmogorov-Arnold Networks?", True, kan, kan),
        step("How does Megatron-LM scale training?", True, everything - kan - nas, megatron),
        step("What is the learning rate?", False, everything - kan - nas),  # close to the last turn
    ]
    problems, answers = run(assistant, script)
    assert problems == []
    first = {c.paper_id for c in answers[0].citations}
    assert {c.paper_id for c in answers[1].citations} == first  # the code links of those papers
    assert [c.paper_id for c in answers[2].citations] == [
        c.paper_id for c in sorted(answers[0].citations, key=lambda c: c.n)[:2]
    ]
    assert nas & {c.title for c in answers[0].citations}
