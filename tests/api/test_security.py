"""Where the server may listen, API keys, the body limit, the concurrency limit (429 with
Retry-After instead of an unbounded queue) and CORS. The limits are exercised on a real uvicorn
server in this process over the scripted FAKE assistant, whose slow answers hold a slot open."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from fakes import ScriptedAssistant
from paperlens.config import ApiSettings, Settings
from paperlens.errors import ConfigError
from paperlens.interfaces.api.app import create_app
from paperlens.interfaces.api.security import Busy, Gate, KeyChecker, check_bind, is_loopback
from paperlens.interfaces.cli import app as cli
from processes import free_port, uvicorn_in_thread
from ui.fake_papers import make_papers

SLOW = "answer slowly about pruning heads"


def chat(question: str) -> dict[str, object]:
    return {"model": "paperlens", "messages": [{"role": "user", "content": question}]}


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "192.0.2.10", "::", "example.org"])


def test_binding_beyond_loopback_needs_keys() -> None:
    check_bind("127.0.0.1", [])
    check_bind("0.0.0.0", [SecretStr("k")])
    with pytest.raises(ConfigError, match=r"Refusing to listen on 0\.0\.0\.0 without API keys"):
        check_bind("0.0.0.0", [])


def test_serve_refuses_a_public_address_without_keys() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "PAPERLENS_API_KEYS" in result.output and "Traceback" not in result.output


def test_keys_are_bearer_tokens() -> None:
    keys = KeyChecker([SecretStr("alpha"), SecretStr("beta")])
    assert keys.accepts("Bearer alpha") and keys.accepts("bearer beta")
    assert not any(keys.accepts(h) for h in [None, "", "Bearer", "Bearer alph", "Basic alpha", "alpha"])
    assert KeyChecker([]).accepts(None) and not KeyChecker([]).enabled


def test_comma_separated_keys_and_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_API_KEYS", "one, two,")
    monkeypatch.setenv("PAPERLENS_API_CORS_ORIGINS", "http://a.example")
    api = Settings().api
    assert [k.get_secret_value() for k in api.keys] == ["one", "two"]
    assert api.cors_origins == ["http://a.example"]


def test_gate_admits_running_plus_waiting_then_refuses() -> None:
    gate = Gate(running=1, waiting=1)
    gate.admit()
    gate.admit()
    with pytest.raises(Busy):
        gate.admit()


@pytest.fixture
def fake(tmp_path: Path) -> ScriptedAssistant:
    assistant = ScriptedAssistant(Settings(data_dir=tmp_path), papers=make_papers())
    return assistant.script(SLOW, delay=0.15)


def serve_fake(fake: ScriptedAssistant, **api: object) -> Iterator[str]:
    settings = Settings(data_dir=fake.settings.data_dir, api=ApiSettings(**api))  # type: ignore[arg-type]
    with uvicorn_in_thread(create_app(lambda: fake, settings), free_port()) as url:
        yield url


@pytest.fixture
def limited(fake: ScriptedAssistant) -> Iterator[str]:
    yield from serve_fake(fake, concurrency=1, queue=0, retry_after=7, max_body_bytes=2048)


@pytest.fixture
def with_cors(fake: ScriptedAssistant) -> Iterator[str]:
    yield from serve_fake(fake, cors_origins=["http://app.example"], keys=["k1"])


@pytest.mark.integration
def test_busy_server_answers_429_with_retry_after(limited: str, fake: ScriptedAssistant) -> None:
    slow: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: slow.update(
            r=httpx.post(f"{limited}/v1/chat/completions", json=chat(SLOW), timeout=30)
        )
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not any(call["question"] == SLOW for call in fake.calls) and time.monotonic() < deadline:
        time.sleep(0.01)
    busy = httpx.post(f"{limited}/v1/chat/completions", json=chat("pruning heads"), timeout=30)
    search_busy = httpx.post(f"{limited}/v1/search", json={"query": "pruning"}, timeout=30)
    thread.join(30)
    assert busy.status_code == 429 and busy.headers["retry-after"] == "7"
    assert busy.json()["error"]["code"] == "rate_limit_exceeded"
    assert search_busy.status_code == 429
    assert slow["r"].status_code == 200, "the request holding the slot is answered"
    after = httpx.post(f"{limited}/v1/chat/completions", json=chat("pruning heads"), timeout=30)
    assert after.status_code == 200, "the slot is free again"


@pytest.mark.integration
def test_streams_hold_and_release_their_slot(limited: str) -> None:
    with httpx.stream(
        "POST", f"{limited}/v1/chat/completions", json={**chat(SLOW), "stream": True}
    ) as stream:
        events = stream.iter_lines()
        assert next(events).startswith("data: ")
        busy = httpx.post(f"{limited}/v1/chat/completions", json=chat("pruning heads"), timeout=30)
        assert busy.status_code == 429
        lines = [line for line in events if line]
    assert lines[-1] == "data: [DONE]"
    assert httpx.post(f"{limited}/v1/chat/completions", json=chat("pruning heads")).status_code == 200


@pytest.mark.integration
def test_oversized_body_is_413_even_without_content_length(limited: str) -> None:
    big = chat("pruning " * 400)
    response = httpx.post(f"{limited}/v1/chat/completions", json=big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"model": "paperlens", "messages": ['
        yield b" " * 4096
        yield b"]}"

    chunked = httpx.post(f"{limited}/v1/chat/completions", content=chunks())
    assert chunked.status_code == 413


@pytest.mark.integration
def test_cors_is_off_unless_configured(limited: str, with_cors: str) -> None:
    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "POST"}
    off = httpx.options(f"{limited}/v1/chat/completions", headers=preflight)
    assert "access-control-allow-origin" not in off.headers
    on = httpx.options(f"{with_cors}/v1/chat/completions", headers=preflight)
    assert on.headers["access-control-allow-origin"] == "http://app.example"
    other = httpx.options(
        f"{with_cors}/v1/chat/completions", headers={**preflight, "Origin": "http://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    denied = httpx.get(f"{with_cors}/v1/models", headers={"Origin": "http://app.example"})
    assert denied.status_code == 401 and denied.headers["access-control-allow-origin"] == "http://app.example"


def test_config_masks_api_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperlens.config import setting_rows

    monkeypatch.setenv("PAPERLENS_API_KEYS", "secret-one,secret-two")
    rows = {row.name: row for row in setting_rows(Settings())}
    assert rows["api.keys"].value == ["***", "***"]
    assert rows["api.keys"].env == "PAPERLENS_API_KEYS" and rows["api.keys"].source == "environment"
