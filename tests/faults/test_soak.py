"""Twenty clients at once on the web app's /ask API: 60 questions, no errors, no cross-talk.

The app is served in this process over the real Assistant (tiny corpus, hash embedder,
extractive answers), with the default four answer slots. Each client asks a question, a
follow-up that must resolve against its own previous answer, and a fresh question; any answer
naming another client's question or papers is cross-talk.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from paperlens.answering.assistant import Assistant
from paperlens.config import AppSettings, EmbeddingSettings, Settings
from paperlens.index.ingest import Ingester
from paperlens.providers import HashEmbedding
from processes import free_port

from .conftest import TINY_PAPERS, served

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
QUESTIONS = [
    "How much faster do models with pruned attention heads run?",
    "What accuracy does the distilled student network reach on ImageNet?",
    "How does federated learning cope with non-IID client data?",
    "Which molecule properties do graph neural networks predict?",
    "How do self-supervised audio encoders help speech recognition?",
    "How does reinforcement learning improve robotic grasping?",
    "How are large language models quantized to 4 bits?",
    "How do diffusion models synthesize high resolution images?",
    "Do linear models forecast time series well?",
    "How do sparse mixture of experts language models route tokens?",
]
FOLLOW_UP = "what about the first one?"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("soak")
    settings = Settings(
        data_dir=root,
        prompts_dir=ROOT / "prompts",
        eval_dir=root / "eval",
        embedding=EmbeddingSettings(provider="hash"),
        app=AppSettings(port=free_port()),
    )
    settings.tuning.min_relevance = 0.2
    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    with served(Assistant.from_settings(settings, embed_model=HashEmbedding()), settings) as url:
        yield url


def conversation(url: str, number: int) -> list[tuple[str, dict[str, Any] | Exception]]:
    """One client's three questions and what came back for each (an answer or the error)."""
    client = Client(url, verbose=False)
    asked = [
        QUESTIONS[number % len(QUESTIONS)],
        FOLLOW_UP,
        QUESTIONS[(number + 3) % len(QUESTIONS)],
    ]
    results: list[tuple[str, dict[str, Any] | Exception]] = []
    for question in asked:
        try:
            results.append((question, client.predict(question, "", 0, {}, api_name="/ask")))
        except Exception as error:  # counted, not raised: the test reports every failure
            results.append((question, error))
    return results


def test_twenty_clients_sixty_questions_no_errors_no_cross_talk(app_url: str) -> None:
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        conversations = list(pool.map(lambda n: conversation(app_url, n), range(CLIENTS)))

    answers = [answer for talk in conversations for _, answer in talk]
    errors = [answer for answer in answers if isinstance(answer, Exception)]
    assert len(answers) == 60 and errors == [], errors

    cross_talk = []
    for number, talk in enumerate(conversations):
        (first_q, first), (follow_q, follow), (third_q, third) = talk
        assert isinstance(first, dict) and isinstance(follow, dict) and isinstance(third, dict)
        if [first["question"], follow["question"], third["question"]] != [first_q, follow_q, third_q]:
            cross_talk.append((number, "another client's question came back"))
        # The follow-up resolves against this client's own first answer, and only that one.
        own = [citation["paper_id"] for citation in first["citations"]]
        if follow["standalone_question"] == follow_q:
            cross_talk.append((number, "the follow-up was not read as one"))
        if not own or {hit["paper_id"] for hit in follow["retrieved"]} != {own[0]}:
            cross_talk.append((number, "the follow-up was not pinned to this client's first source"))
        if third["standalone_question"] != third_q:
            cross_talk.append((number, f"a fresh question was rewritten as {third['standalone_question']!r}"))
    assert cross_talk == []


def test_the_served_api_refuses_k_outside_the_range(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    for k in (-3, 10**9):
        with pytest.raises(Exception, match=f"k must be from 1 to 100 papers; got {k}"):
            client.predict(QUESTIONS[0], "", k, {}, api_name="/ask")
    assert client.predict(QUESTIONS[0], "", 3, {}, api_name="/ask")["done"]
