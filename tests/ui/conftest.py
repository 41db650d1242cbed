"""Fixtures for the web app tests: a fake assistant, its handlers, and apps served on free
loopback ports (in a thread for the fake, in a separate `app.py` process for the real one)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedAssistant
from paperlens.config import AppSettings, Settings
from paperlens.interfaces.web.handlers import AssistantProvider, ChatSession, Handlers
from paperlens.interfaces.web.layout import launch
from paperlens.offline import offline_environ
from processes import free_port, stop_process, uvicorn_in_thread, wait_for_http

from .fake_papers import fake_assistant

ROOT = Path(__file__).resolve().parents[2]


def wait_until_up(url: str, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """The app answers its info endpoint (401 counts: the login page is up)."""
    wait_for_http(f"{url}/gradio_api/info", seconds, process, ok=(200, 401))


def fake_settings(root: Path, **app: object) -> Settings:
    return Settings(data_dir=root, eval_dir=root / "eval", app=AppSettings(port=free_port(), **app))  # type: ignore[arg-type]


@contextmanager
def served(assistant: object, settings: Settings) -> Iterator[str]:
    """The app over `assistant`, in this process, on the port in `settings`."""
    provider = AssistantProvider.ready(assistant)  # type: ignore[arg-type]
    demo = launch(settings, provider, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{settings.app.port}"
        wait_until_up(url, 30)
        yield url
    finally:
        demo.close()


@contextmanager
def served_by_api(assistant: object, settings: Settings) -> Iterator[str]:
    """The app as `paperlens serve` mounts it (at / beside the API), over `assistant`, on uvicorn
    in this process, on the port in `settings`."""
    from paperlens.interfaces.api.app import create_app, mount_web_app

    provider = AssistantProvider.ready(assistant)  # type: ignore[arg-type]
    app = create_app(provider.get, settings)
    assert mount_web_app(app, provider, settings, "127.0.0.1")
    with uvicorn_in_thread(app, settings.app.port) as url:
        wait_until_up(url, 30)
        yield url


@contextmanager
def app_process(
    env: dict[str, str], log_path: Path, port: int, command: tuple[str, ...] = (str(ROOT / "app.py"),)
) -> Iterator[str]:
    """`python app.py` (or another command) as its own process; stopped by its pid afterwards."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, 240, process)
            yield url
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}; app log:\n{log_path.read_text(errors='replace')[-3000:]}") from None
        finally:
            stop_process(process, seconds=20)


def settings_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment that makes `app.py` use `settings` (paths) on `port`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERLENS_", "OPENAI_"))}
    env.update(
        {
            "PAPERLENS_DATA_DIR": str(settings.data_dir),
            "PAPERLENS_PAPERS_DIR": str(settings.papers_path),
            "PAPERLENS_PROMPTS_DIR": str(settings.prompts_dir),
            "PAPERLENS_EVAL_DIR": str(settings.eval_dir),
            "PAPERLENS_EMBEDDING_PROVIDER": settings.embedding.provider,
            "PAPERLENS_APP_PORT": str(port),
        }
    )
    return offline_environ(env)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The root fixture's settings, but eval runs are read from (and written to) tmp_path."""
    settings.eval_dir = tmp_path / "eval"
    return settings


@pytest.fixture
def fake(settings: Settings) -> ScriptedAssistant:
    return fake_assistant(settings)


@pytest.fixture
def handlers(fake: ScriptedAssistant, settings: Settings) -> Handlers:
    return Handlers(AssistantProvider.ready(fake), settings)


@pytest.fixture
def session() -> ChatSession:
    return ChatSession()


# ---------------------------------------------------------------- the real assistant

TINY_PAPERS = ROOT / "tests" / "data" / "tiny_papers.jsonl"
XSS_RECORD = {
    "title": "Escaping <b onmouseover=\"window.pwned='title'\">untrusted</b> abstracts in <i>search</i>",
    "abstract": (
        "Untrusted abstracts such as <img src=x onerror=\"window.pwned='img'\"> and "
        "<script>window.pwned='script'</script> must render as plain text in paper search interfaces. "
        "Our sanitizer escapes every untrusted abstract before display and blocks all script injection "
        "attacks on our benchmark. Code is at https://github.com/example/escape."
    ),
    "year": 2024,
    "authors": "M. Allory",
}


@pytest.fixture(scope="session")
def real_app(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python app.py` over the real corpus (extractive mode), one process per test session."""
    port = free_port()
    log = tmp_path_factory.mktemp("real-app") / "app.log"
    with app_process(settings_env(real_settings, port), log, port) as url:
        yield url


@pytest.fixture(scope="session")
def real_served_app(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`paperlens serve` over the real corpus (extractive mode): the web app at /, one process."""
    port = free_port()
    log = tmp_path_factory.mktemp("real-serve") / "serve.log"
    env = settings_env(real_settings, port) | {"PAPERLENS_API_PORT": str(port)}
    command = ("-c", "from paperlens.interfaces.cli import main; main()", "serve")
    with app_process(env, log, port, command) as url:
        yield url


@pytest.fixture(scope="session")
def untrusted_app(bundled_embedding: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real assistant over the tiny corpus plus a paper whose title and abstract carry HTML
    and script payloads."""
    from paperlens.answering.assistant import Assistant
    from paperlens.index.ingest import Ingester

    root = tmp_path_factory.mktemp("untrusted-corpus")
    papers = root / "papers"
    papers.mkdir()
    shutil.copy(TINY_PAPERS, papers / "tiny_papers.jsonl")
    (papers / "untrusted.jsonl").write_text(json.dumps(XSS_RECORD) + "\n", encoding="utf-8")
    settings = Settings(
        data_dir=root,
        papers_dir=papers,
        prompts_dir=ROOT / "prompts",
        eval_dir=root / "eval",
        app=AppSettings(port=free_port()),
    )
    Ingester(settings, bundled_embedding, progress=False).ingest([papers])
    with served(Assistant.from_settings(settings, embed_model=bundled_embedding), settings) as url:
        yield url
