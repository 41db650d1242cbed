"""Fixtures of the fault suite: the scripted LLM server with fresh scripts, LLM clients and
CLI environments pointing at it, and the web app served in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from llm_server import LLMServer
from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import LLMSettings, Settings
from paperlens.interfaces.web.handlers import AssistantProvider
from paperlens.interfaces.web.layout import launch
from paperlens.providers import LLMClient, make_llm
from processes import wait_for_http

TINY_PAPERS = Path(__file__).resolve().parents[1] / "data" / "tiny_papers.jsonl"
PRUNING_QUESTION = "How much faster are models with pruned attention heads?"


@pytest.fixture
def llm(llm_server_process: LLMServer) -> LLMServer:
    """The scripted OpenAI-compatible server, with an empty script and request log."""
    llm_server_process.reset()
    return llm_server_process


def llm_settings(server: LLMServer, **overrides: object) -> LLMSettings:
    """Settings for the scripted server: a short read timeout, no back-off."""
    values: dict[str, object] = {
        "provider": "openai-compatible",
        "base_url": server.base_url,
        "model": "test-model",
        "timeout": 5.0,
        "backoff": 0.0,
        "max_retries": 1,
    }
    return LLMSettings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def make_client(llm: LLMServer) -> Callable[..., LLMClient]:
    def build(**overrides: object) -> LLMClient:
        client = make_llm(llm_settings(llm, **overrides))
        assert client is not None
        return client

    return build


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point the `paperlens` CLI (run in this process) at tmp_path, with the hash embedder,
    and set any extra PAPERLENS_ variables."""

    def setenv(**variables: str) -> None:
        monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "hash")
        monkeypatch.setenv("PAPERLENS_TUNING_MIN_RELEVANCE", "0.2")
        for name, value in variables.items():
            monkeypatch.setenv(f"PAPERLENS_{name.upper()}", value)

    return setenv


@contextmanager
def served(assistant: AssistantProtocol, settings: Settings) -> Iterator[str]:
    """The web app over `assistant`, in this process, on settings.app.port."""
    demo = launch(settings, AssistantProvider.ready(assistant), prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{settings.app.port}"
        wait_for_http(f"{url}/gradio_api/info", 30)
        yield url
    finally:
        demo.close()
