"""LLMClient over the real stack: make_llm -> llama-index OpenAILike -> openai SDK -> httpx -> a
scripted OpenAI-compatible server in its own process (tests/llm_server.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from llm_server import (
    LLMServer,
    broken_stream,
    cut_stream,
    delay,
    rate_limited,
    reply,
    status,
    stream,
)
from paperlens.config import LLMSettings
from paperlens.errors import LLMError
from paperlens.providers import LLMClient, make_llm
from processes import free_port

KEY = "sk-secret-123"
SHORT_TIMEOUT = 0.5  # seconds; the scripted delays are far longer, so there is no race
LONG_DELAY = 5.0


@pytest.fixture
def server(llm_server_process: LLMServer) -> LLMServer:
    """The server with an empty script and request log."""
    llm_server_process.reset()
    return llm_server_process


ClientFactory = Callable[..., LLMClient]


@pytest.fixture
def make_client(server: LLMServer) -> ClientFactory:
    """LLMClients built by make_llm from settings pointing at the server, with no backoff."""

    def build(
        timeout: float = 10.0, max_retries: int = 2, base_url: str | None = None, **overrides: object
    ) -> LLMClient:
        settings = LLMSettings(
            provider="openai-compatible",
            base_url=base_url or server.base_url,
            model="test-model",
            api_key=KEY,
            timeout=timeout,
            max_retries=max_retries,
            backoff=0.0,  # retries are immediate; Retry-After: 0 keeps them so
            **overrides,
        )
        client = make_llm(settings)
        assert client is not None and client.backoff == 0.0
        return client

    return build


def consume(deltas: Iterator[str]) -> tuple[list[str], BaseException | None]:
    """The deltas a stream yielded before it ended or raised, and what it raised."""
    seen: list[str] = []
    try:
        for delta in deltas:
            seen.append(delta)
    except Exception as error:
        return seen, error
    return seen, None


# ---------------------------------------------------------------- replies


def test_reply_goes_through_the_whole_stack(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(
        reply("Transformers use attention [1].", usage={"prompt_tokens": 12, "completion_tokens": 5})
    )
    client = make_client()

    assert client.chat("You answer from sources.", "What do transformers use?") == (
        "Transformers use attention [1]."
    )

    [request] = server.requests()
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    body = request["body"]
    assert body["model"] == "test-model"
    assert not body.get("stream")
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "You answer from sources."),
        ("user", "What do transformers use?"),
    ]
    assert body["temperature"] == 0.0
    assert body["max_tokens"] == 800


def test_usage_is_captured_for_a_reply(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(reply("fine", usage={"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8}))
    client = make_client()
    client.chat("s", "u")
    assert client.last_usage == {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8}


def test_usage_of_an_earlier_reply_does_not_linger(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(reply("counted"), stream("not", " counted"))
    client = make_client()
    client.chat("s", "u")
    assert client.last_usage["completion_tokens"] == 1
    assert "".join(client.stream_chat("s", "u")) == "not counted"
    assert client.last_usage == {}  # the server reported none for the stream


def test_streamed_reply_joins_to_the_full_text(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(stream("Attention ", "is ", "all ", "you need."))
    deltas = list(make_client().stream_chat("s", "u"))
    assert deltas == ["Attention ", "is ", "all ", "you need."]
    [request] = server.requests()
    assert request["body"]["stream"] is True


def test_an_abandoned_stream_leaves_the_client_usable(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(stream("one ", "two ", "three"), reply("next"))
    client = make_client()
    deltas = client.stream_chat("s", "u")
    assert next(deltas) == "one "
    deltas.close()  # e.g. the user pressed stop
    assert client.chat("s", "u") == "next"


# ---------------------------------------------------------------- retries: exactly one bounded loop


def test_timeout_then_success_retries(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(delay(LONG_DELAY), reply("second time lucky"))
    client = make_client(timeout=SHORT_TIMEOUT, max_retries=1)
    assert client.chat("s", "u") == "second time lucky"
    assert len(server.requests()) == 2


def test_timeout_every_time_names_the_endpoint(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(delay(LONG_DELAY), delay(LONG_DELAY))
    client = make_client(timeout=SHORT_TIMEOUT, max_retries=1)
    with pytest.raises(LLMError) as caught:
        client.chat("s", "u")
    message = str(caught.value)
    assert server.base_url in message
    assert "timed out" in message
    assert "after 2 attempts" in message
    assert len(server.requests()) == 2


def test_rate_limit_then_success_sends_exactly_two_requests(
    server: LLMServer, make_client: ClientFactory
) -> None:
    server.enqueue(rate_limited("0"), reply("ok"))
    assert make_client(max_retries=3).chat("s", "u") == "ok"
    requests = server.requests()
    assert len(requests) == 2
    # Each attempt is a fresh SDK call, never an SDK-internal retry.
    assert [r["headers"].get("x-stainless-retry-count") for r in requests] == ["0", "0"]


def test_retry_after_is_honoured(
    server: LLMServer, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # record the waits instead of waiting
    server.enqueue(rate_limited("2"), status(429, headers={"retry-after-ms": "1500"}), reply("ok"))
    assert make_client(max_retries=2).chat("s", "u") == "ok"
    assert waits == [2.0, 1.5]


def test_a_retry_after_beyond_reason_fails_at_once(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(rate_limited("3600"))
    with pytest.raises(LLMError, match="asks to wait 3600 s"):
        make_client(max_retries=3).chat("s", "u")
    assert len(server.requests()) == 1


def test_server_error_every_time_gives_up_after_max_retries(
    server: LLMServer, make_client: ClientFactory
) -> None:
    server.enqueue(*[status(500, "model crashed")] * 3)
    client = make_client(max_retries=2)
    with pytest.raises(LLMError) as caught:
        client.chat("s", "u")
    message = str(caught.value)
    assert "HTTP 500: model crashed after 3 attempts" in message
    assert server.base_url in message
    assert len(server.requests()) == 3  # max_retries + 1, not multiplied by SDK or llama-index retries


def test_service_unavailable_then_success(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(status(503, "loading model"), reply("ready"))
    assert make_client().chat("s", "u") == "ready"
    assert len(server.requests()) == 2


def test_unauthorized_is_not_retried(server: LLMServer, make_client: ClientFactory) -> None:
    server.enqueue(status(401, f"Incorrect API key provided: {KEY}"))
    with pytest.raises(LLMError) as caught:
        make_client(max_retries=3).chat("s", "u")
    message = str(caught.value)
    assert "HTTP 401" in message and "api_key" in message
    assert KEY not in message
    assert len(server.requests()) == 1


def test_refused_connection(make_client: ClientFactory) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with pytest.raises(LLMError) as caught:
        make_client(base_url=base_url, max_retries=1).chat("s", "u")
    message = str(caught.value)
    assert "connect" in message
    assert base_url in message


# ---------------------------------------------------------------- broken streams


def test_stream_breaking_mid_answer_is_an_error_after_the_deltas(
    server: LLMServer, make_client: ClientFactory
) -> None:
    server.enqueue(broken_stream("Attention ", "is "), stream("never sent"))
    deltas, error = consume(make_client().stream_chat("s", "u"))
    assert deltas == ["Attention ", "is "]
    assert isinstance(error, LLMError)
    assert "stream broke off" in str(error)
    assert len(server.requests()) == 1  # shown text cannot be taken back, so no retry


def test_stream_cut_without_finish_reason_is_an_error(server: LLMServer, make_client: ClientFactory) -> None:
    # A close-delimited body ends "cleanly" for httpx; only the missing finish_reason tells.
    server.enqueue(cut_stream("Attention ", "is "))
    deltas, error = consume(make_client().stream_chat("s", "u"))
    assert deltas == ["Attention ", "is "]
    assert isinstance(error, LLMError)
    assert "stream broke off" in str(error)


@pytest.mark.parametrize("failure", [broken_stream(), cut_stream(), status(503), rate_limited("0")])
def test_stream_failing_before_the_first_token_is_retried(
    server: LLMServer, make_client: ClientFactory, failure: dict[str, object]
) -> None:
    server.enqueue(failure, stream("fine ", "now"))
    assert list(make_client().stream_chat("s", "u")) == ["fine ", "now"]
    assert len(server.requests()) == 2


def test_stream_failing_every_time_before_the_first_token(
    server: LLMServer, make_client: ClientFactory
) -> None:
    server.enqueue(broken_stream(), broken_stream())
    deltas, error = consume(make_client(max_retries=1).stream_chat("s", "u"))
    assert deltas == []
    assert isinstance(error, LLMError)
    assert "after 2 attempts" in str(error)


# ---------------------------------------------------------------- the key stays secret


def test_the_api_key_never_leaks(
    server: LLMServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(max_retries=1)
    server.enqueue(
        rate_limited("0"),
        reply("ok"),
        status(500, f"upstream said {KEY}"),
        status(500, f"upstream said {KEY}"),
        status(401, f"Incorrect API key provided: {KEY}"),
        broken_stream(f"echo {KEY}"),
    )
    texts = [repr(client), str(client)]
    assert client.chat("s", "u") == "ok"
    for _ in range(2):
        with pytest.raises(LLMError) as caught:
            client.chat("s", "u")
        texts += [str(caught.value), repr(caught.value), caught.value.cause]
    _, error = consume(client.stream_chat("s", "u"))
    assert isinstance(error, LLMError)
    texts += [str(error), repr(error)]

    assert caplog.text  # the SDK, httpx and the retry notice did log
    assert "retry 1 of 1" in caplog.text
    for text in [*texts, caplog.text]:
        assert KEY not in text
    assert server.requests()[0]["headers"]["Authorization"] == f"Bearer {KEY}"  # yet it was sent
