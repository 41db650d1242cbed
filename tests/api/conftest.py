"""Fixtures for the API and MCP tests: the tiny corpus indexed with the hash embedder, and
`paperlens serve` over it as a real process on a free loopback port (stopped by its pid)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from paperlens.config import EmbeddingSettings, Settings
from paperlens.index.ingest import Ingester
from paperlens.offline import offline_environ
from paperlens.providers import HashEmbedding
from processes import free_port, stop_process, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
TINY_PAPERS = ROOT / "tests" / "data" / "tiny_papers.jsonl"
PAPERLENS = Path(sys.executable).parent / "paperlens"  # the installed console script
KEYS = ("test-key-one", "test-key-two")


def tiny_settings(root: Path) -> Settings:
    """Settings over `root` with the hash embedder, as the servers below see them."""
    settings = Settings(
        data_dir=root,
        prompts_dir=ROOT / "prompts",
        eval_dir=root / "eval",
        embedding=EmbeddingSettings(provider="hash"),
    )
    settings.tuning.min_relevance = 0.2  # the hash embedder's cosines run lower than MiniLM's
    return settings


def tiny_corpus(root: Path) -> Path:
    Ingester(tiny_settings(root), HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    return root


def server_env(root: Path, **settings: str) -> dict[str, str]:
    """The environment of a paperlens process over the tiny index: hash embedder, extractive
    answers, and the relevance floor the hash embedder's lower cosines need."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERLENS_", "OPENAI_"))}
    env = offline_environ(base)
    env.update(
        {
            "PAPERLENS_DATA_DIR": str(root),
            "PAPERLENS_PROMPTS_DIR": str(ROOT / "prompts"),
            "PAPERLENS_EVAL_DIR": str(root / "eval"),
            "PAPERLENS_EMBEDDING_PROVIDER": "hash",
            "PAPERLENS_TUNING_MIN_RELEVANCE": "0.2",
            **{f"PAPERLENS_{name.upper()}": value for name, value in settings.items()},
        }
    )
    return env


@contextmanager
def serve_process(env: dict[str, str], log_path: Path, *args: str) -> Iterator[str]:
    """`paperlens serve` as its own process; yields its base URL."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(PAPERLENS), "serve", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{url}/docs", 180, process)
            yield url
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(
                f"{error}; server log:\n{log_path.read_text(errors='replace')[-3000:]}"
            ) from None
        finally:
            stop_process(process, seconds=20)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_corpus(tmp_path_factory.mktemp("api-tiny"))


@pytest.fixture(scope="module")
def api_url(tiny_root: Path) -> Iterator[str]:
    """`paperlens serve` without keys, web app included."""
    with serve_process(server_env(tiny_root), tiny_root / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def keyed_url(tiny_root: Path) -> Iterator[str]:
    """`paperlens serve` with two API keys and no web app."""
    env = server_env(tiny_root, api_keys=",".join(KEYS), api_web="false")
    with serve_process(env, tiny_root / "serve-keyed.log") as url:
        yield url
