"""End to end through `gradio_client`: the app served on a free loopback port, a fake assistant."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.errors import LLMError

from .conftest import fake_settings, served
from .fake_papers import fake_assistant

TOPICS = ["pruning heads", "distillation student", "experts routing", "escaping abstracts", "glue accuracy"]


@pytest.fixture(scope="module")
def fake_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScriptedAssistant]]:
    settings = fake_settings(tmp_path_factory.mktemp("app"), concurrency=10)
    assistant = fake_assistant(settings, delay=0.02)
    assistant.script("fail llm", error=LLMError("http://127.0.0.1:9/v1", "connection refused"))
    with served(assistant, settings) as url:
        yield url, assistant


def client(url: str, **kwargs: object) -> Client:
    return Client(url, verbose=False, download_files=False, **kwargs)  # type: ignore[arg-type]


def test_ask_returns_answer_and_citations(fake_app: tuple[str, ScriptedAssistant]) -> None:
    result = client(fake_app[0]).predict("How much faster are pruned heads?", api_name="/ask")
    assert result["done"] and not result["refused"]
    assert result["citations"][0] == {
        "n": 1,
        "paper_id": "aaaa00000001",
        "title": "Pruning Attention Heads in Transformers",
        "passage": "We study pruning of attention heads in transformer language models.",
    }
    assert "[1]" in result["answer"] and result["markdown"].startswith(result["answer"])


def test_ask_streams_partial_answers(fake_app: tuple[str, ScriptedAssistant]) -> None:
    job = client(fake_app[0]).submit("distillation student accuracy", api_name="/ask")
    outputs = list(job)
    assert len(outputs) > 3 and outputs[0]["done"] is False
    assert outputs[-1]["done"] and outputs[-1]["answer"].startswith(outputs[-2]["answer"].strip()[:40])


def test_only_the_documented_endpoints_are_public(fake_app: tuple[str, ScriptedAssistant]) -> None:
    endpoints = client(fake_app[0]).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/reset"}
    assert [p["label"] for p in endpoints["/ask"]["parameters"]] == ["question", "mode", "k", "filters"]


def test_errors_are_messages_and_the_app_keeps_serving(fake_app: tuple[str, ScriptedAssistant]) -> None:
    chat = client(fake_app[0])
    with pytest.raises(Exception, match="connection refused") as error:
        chat.predict("fail llm", api_name="/ask")
    assert "Traceback" not in str(error.value)
    with pytest.raises(Exception, match="Invalid filters"):
        chat.predict("pruning", filters={"has_code": "maybe"}, api_name="/ask")
    assert chat.predict("pruning heads", api_name="/ask")["citations"]


def test_ten_parallel_chats_keep_their_own_history(fake_app: tuple[str, ScriptedAssistant]) -> None:
    url, assistant = fake_app

    def conversation(i: int) -> tuple[str, str, float, float]:
        chat = client(url)
        first = f"{TOPICS[i % len(TOPICS)]} question {i}"
        chat.predict(first, api_name="/ask")
        started = time.monotonic()
        follow = chat.predict(f"and more on that {i}?", api_name="/ask")
        return first, follow["standalone_question"], started, time.monotonic()

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(conversation, range(10)))
    for i, (first, standalone, _, _) in enumerate(results):
        assert standalone == f"and more on that {i}? (after: {first})"
    follow_ups = [c for c in assistant.calls if c["question"].startswith("and more on that")]
    assert sorted(len(c["history"]) for c in follow_ups[-10:]) == [1] * 10
    # The chats really overlapped: some follow-up started before another one finished.
    spans = sorted((start, end) for *_, start, end in results)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))


def test_reset_forgets_this_clients_history(fake_app: tuple[str, ScriptedAssistant]) -> None:
    chat = client(fake_app[0])
    chat.predict("pruning heads", api_name="/ask")
    chat.predict(api_name="/reset")
    assert (
        chat.predict("pruning heads again", api_name="/ask")["standalone_question"] == "pruning heads again"
    )


def test_page_serves_without_external_resources(fake_app: tuple[str, ScriptedAssistant]) -> None:
    page = httpx.get(fake_app[0], timeout=10).text
    assert "googleapis" not in page and "cdn." not in page


def test_login_from_settings(tmp_path: Path) -> None:
    settings: Settings = fake_settings(tmp_path, username="ada", password="s3cret")
    with served(fake_assistant(settings), settings) as url:
        assert httpx.get(f"{url}/gradio_api/info", timeout=10).status_code == 401
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different errors per version
            client(url).predict("pruning heads", api_name="/ask")
        answer = client(url, auth=("ada", "s3cret")).predict("pruning heads", api_name="/ask")
        assert answer["citations"]
