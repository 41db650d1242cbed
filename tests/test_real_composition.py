"""Offline answers composed for a reader, with the real model over the real corpus."""

from __future__ import annotations

import re

import pytest

from paperlens.answering.assistant import Assistant
from paperlens.config import Settings
from paperlens.interfaces.web.layout import EXAMPLES

pytestmark = pytest.mark.integration
README_EXAMPLES = ["Which papers prune transformers?", "What throughput did Megatron-LM reach?"]
# Sentences every reader skips, in the words abstracts use for them (not from any eval question).
BOILERPLATE = re.compile(
    r"growing in popularity|gaining popularity|increasingly popular|attracted (much|increasing) attention"
    r"|remarkable success\.|code (is|will be) (publicly )?available|available at https?://|we hope",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def assistant(real_settings: Settings, bundled_embedding) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.from_settings(real_settings, embed_model=bundled_embedding)


@pytest.mark.parametrize("question", README_EXAMPLES + EXAMPLES)
def test_example_questions_quote_no_boilerplate(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    quoted = [s.text for s in answer.sentences]
    assert quoted and not [s for s in quoted if BOILERPLATE.search(s)]
    assert answer.answer.removeprefix(answer.notice or "").strip().split("\n")[0].endswith(("this:", "."))


def test_a_comparison_quotes_each_side_on_the_aspect(assistant: Assistant) -> None:
    answer = assistant.ask("How do ProxylessNAS and FBNet compare in search cost?")
    text = answer.answer
    assert "Side by side on search cost" in text
    proxyless, fbnet = text.index("**ProxylessNAS**"), text.index("**FBNet**")
    assert "216 GPU-hours" in text[fbnet:] and "GPU hours" in text[proxyless:fbnet]
    assert {c.title.split(":")[0] for c in answer.citations} == {"ProxylessNAS", "FBNet"}


def test_a_comparison_says_what_the_collection_lacks(assistant: Assistant) -> None:
    answer = assistant.ask("Compare FlashKAT and Mixtral on training speed")
    assert not answer.refused, answer.answer
    assert "The collection has no paper on Mixtral." in answer.answer
    assert "86.5x" in answer.answer


def test_support_measures_whether_a_sentence_answers(assistant: Assistant) -> None:
    """Every quoted sentence is verbatim; support still differs with how well each answers."""
    answer = assistant.ask(
        "Is there work on a layer that makes activations change little between video frames?"
    )
    scores = [s.answers for s in answer.sentences]
    assert all(score is not None for score in scores) and len(set(scores)) > 1
    gold = [s for s in answer.sentences if "Delta Activation Layer" in s.text]
    assert gold and all(s.supported for s in gold)
