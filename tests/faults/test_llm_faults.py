"""An OpenAI-compatible server that misbehaves: it must never hold a question forever, and a reply
that is not an answer must never be shown as one (issue 15, defects 1 and 2).

The server is tests/llm_server.py in its own process; the client is the real stack (make_llm ->
llama-index -> openai SDK -> httpx). Each test would hang without the deadlines, so the module
has a pytest timeout: a regression fails instead of blocking the suite.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner

from llm_server import (
    GATEWAY_PAGE,
    LLMServer,
    invalid_event,
    keep_alive,
    rate_limited,
    raw_body,
    reply,
    slow_first_token,
    stall,
    stream,
    trickle,
)
from paperlens.errors import LLMError
from paperlens.interfaces.cli import app
from paperlens.providers import LLMClient

from .conftest import PRUNING_QUESTION, TINY_PAPERS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TRUNCATED = '{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"message": {"content": "Pru'
NOT_A_COMPLETION = '{"status": "ok"}'
ERROR_WITH_200 = '{"error": {"message": "model is loading"}}'


def consume(deltas: Iterator[str]) -> tuple[str, BaseException | None]:
    """The text a stream yielded before it ended or raised, and what it raised."""
    text = ""
    try:
        for delta in deltas:
            text += delta
    except Exception as error:
        return text, error
    return text, None


def calls_in_flight() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "paperlens-llm-call" and t.is_alive()]


def wait_for_workers_to_end(seconds: float = 20.0) -> None:
    """The workers of abandoned calls close their connections at their next read."""
    until = time.monotonic() + seconds
    while calls_in_flight() and time.monotonic() < until:
        time.sleep(0.1)
    assert not calls_in_flight(), "an abandoned call kept its worker (and connection) busy"


# ---------------------------------------------------------------- 1. deadlines


def test_keep_alive_only_stream_ends_at_the_first_token_deadline(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    # Keep-alive lines every 0.2 s: the 5 s read timeout never fires; before the fix this hung.
    llm.enqueue(keep_alive(60))
    client = make_client(first_token_timeout=1.5, max_retries=2)
    text, error = consume(client.stream_chat("s", "u"))
    assert text == "" and isinstance(error, LLMError)
    assert str(error).startswith(f"The language model at {llm.base_url} failed: no reply text within 1.5 s")
    assert "llm.first_token_timeout" in str(error)
    assert len(llm.chat_requests()) == 1  # a passed deadline is not retried
    wait_for_workers_to_end()


def test_answer_that_stalls_mid_stream_ends_at_the_total_deadline(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    llm.enqueue(stall(60, "Pruned ", "heads "))
    client = make_client(first_token_timeout=1.0, total_timeout=2.0)
    text, error = consume(client.stream_chat("s", "u"))
    assert text == "Pruned heads " and isinstance(error, LLMError)
    assert "mid-answer" in str(error) and "longer than 2 s (llm.total_timeout)" in str(error)
    wait_for_workers_to_end()


def test_a_slow_first_token_within_the_deadline_is_an_answer(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    llm.enqueue(slow_first_token(1.0, "Pruned ", "heads."))
    text, error = consume(make_client(timeout=0.5, first_token_timeout=30).stream_chat("s", "u"))
    assert (text, error) == ("Pruned heads.", None)


def test_non_streamed_reply_trickling_forever_ends_at_the_deadline(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    llm.enqueue(trickle(60))
    with pytest.raises(LLMError, match=r"no reply text within 1\.5 s \(llm.first_token_timeout\)"):
        make_client(first_token_timeout=1.5).chat("s", "u")
    wait_for_workers_to_end()


def test_a_retry_never_starts_past_the_deadline(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    # The server asks for a 3 s wait; the deadline leaves 1 s: give up now, and say why.
    llm.enqueue(rate_limited("3"), reply("too late"))
    with pytest.raises(LLMError, match="before a retry could start"):
        make_client(first_token_timeout=1.0).chat("s", "u")
    assert len(llm.chat_requests()) == 1


def test_abandoned_streams_never_deadlock_the_connection_pool(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    """Each stream is dropped after its first piece (the user pressed stop), and the next call
    must still be served. An unfinished openai stream is a reference cycle: when the garbage
    collector closed it inside httpcore's pool lock, the next request waited forever (found by
    this suite, about once in a hundred streams)."""
    client = make_client(first_token_timeout=20)
    thresholds = gc.get_threshold()
    gc.set_threshold(50, 2, 2)  # collect often, as a busy process does
    try:
        for _ in range(200):
            llm.enqueue(stream(*[f"w{n} " for n in range(40)]), reply("next"))
            deltas = client.stream_chat("s", "u")
            assert next(deltas) == "w0 "
            deltas.close()
            assert client.chat("s", "u") == "next"
    finally:
        gc.set_threshold(*thresholds)


# ---------------------------------------------------------------- 2. malformed replies


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (raw_body(GATEWAY_PAGE), "answered with text/html, not a chat completion"),
        (raw_body(TRUNCATED, "application/json"), "not valid JSON"),
        (raw_body(NOT_A_COMPLETION, "application/json"), "JSON but not a chat completion"),
        (raw_body(ERROR_WITH_200, "application/json"), "an error with status 200: model is loading"),
        (reply(""), "the reply has no text"),
        (reply("  \n"), "the reply has no text"),
    ],
)
def test_malformed_non_streamed_reply_is_an_llm_error(
    llm: LLMServer, make_client: Callable[..., LLMClient], behaviour: dict[str, object], message: str
) -> None:
    llm.enqueue(behaviour)
    with pytest.raises(LLMError, match=re.escape(message)) as caught:
        make_client().chat("s", "u")
    assert caught.value.endpoint == llm.base_url
    assert len(llm.chat_requests()) == 1  # the same reply again would not help


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (raw_body(GATEWAY_PAGE), "answered with text/html, not a chat completion"),
        (raw_body(TRUNCATED, "application/json"), "not valid JSON"),
        (invalid_event(), "not valid JSON"),
        (stream(), "the reply has no text"),
        (stream(" ", "\n"), "the reply has no text"),
    ],
)
def test_malformed_stream_is_an_llm_error(
    llm: LLMServer, make_client: Callable[..., LLMClient], behaviour: dict[str, object], message: str
) -> None:
    llm.enqueue(behaviour)
    _, error = consume(make_client().stream_chat("s", "u"))
    assert isinstance(error, LLMError), error
    assert message in str(error) and llm.base_url in str(error)


def test_invalid_event_after_text_is_an_error_not_a_shorter_answer(
    llm: LLMServer, make_client: Callable[..., LLMClient]
) -> None:
    llm.enqueue(invalid_event("Pruned "))
    text, error = consume(make_client().stream_chat("s", "u"))
    assert text == "Pruned " and isinstance(error, LLMError)
    assert "mid-answer" in str(error) and "not valid JSON" in str(error)


# ---------------------------------------------------------------- the CLI: one line, non-zero exit


@pytest.fixture
def ask_cli(llm: LLMServer, cli_env: Callable[..., None]) -> Callable[..., object]:
    """`paperlens ask` in this process, generative, over the tiny corpus."""
    cli_env(
        llm_provider="openai-compatible",
        llm_base_url=llm.base_url,
        llm_timeout="5",
        llm_first_token_timeout="2",
        llm_backoff="0",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TINY_PAPERS)]).exit_code == 0

    def ask(*options: str) -> object:
        return runner.invoke(app, ["ask", PRUNING_QUESTION, *options])

    return ask


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (keep_alive(60), "no reply text within 2 s (llm.first_token_timeout)"),
        (raw_body(GATEWAY_PAGE), "not a chat completion"),
        (raw_body(TRUNCATED, "application/json"), "not valid JSON"),
        (invalid_event(), "not valid JSON"),
        (stream(), "the reply has no text"),
    ],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_cli_ask_reports_a_bad_llm_reply_and_exits_non_zero(
    llm: LLMServer, ask_cli: Callable[..., object], behaviour: dict[str, object], message: str, output: str
) -> None:
    llm.enqueue(behaviour)
    result = ask_cli(*(["--json"] if output == "json" else []))
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    stderr = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert stderr.startswith(f"Error: The language model at {llm.base_url} failed: ") and message in stderr
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert '"answer"' not in result.stdout  # type: ignore[attr-defined]  # never an empty answer


def test_cli_ask_still_answers_from_a_good_server(llm: LLMServer, ask_cli: Callable[..., object]) -> None:
    llm.enqueue(stream("Pruned models run ", "1.8x faster [1]."))
    result = ask_cli("--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    answer = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert answer["answer"] == "Pruned models run 1.8x faster [1]." and not answer["refused"]
