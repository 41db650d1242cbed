"""Shared fixtures: an isolated environment for every test, settings on temporary directories,
a tiny corpus indexed with the hash embedder, and (session-wide, built once) the real corpus
indexed with the bundled model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything loads torch: OpenMP threads that sleep rather than spin (see paperlens/offline.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from llm_server import LLMServer
from paperlens.config import EmbeddingSettings, Settings
from paperlens.index.ingest import Ingester
from paperlens.index.paper_index import PaperIndex
from paperlens.offline import offline_environ

ROOT = Path(__file__).resolve().parent.parent
TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
REAL_PAPERS = ROOT / "data" / "papers"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's keys or paperlens settings, and nothing goes online."""
    for key in list(os.environ):
        if key.startswith(("PAPERLENS_", "OPENAI_")):
            monkeypatch.delenv(key)
    for key, value in offline_environ(os.environ).items():
        monkeypatch.setenv(key, value)
    yield


def hash_settings(root: Path, **overrides: object) -> Settings:
    return Settings(
        data_dir=root,
        prompts_dir=ROOT / "prompts",
        eval_dir=ROOT / "eval",
        embedding=EmbeddingSettings(provider="hash"),
        **overrides,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings over an empty temporary data directory, with the hash embedder."""
    return hash_settings(tmp_path)


@pytest.fixture
def tiny_index(settings: Settings) -> PaperIndex:
    """The ten-paper test corpus, ingested with the hash embedder."""
    from paperlens.providers import HashEmbedding

    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    return PaperIndex.load(settings)


@pytest.fixture(scope="session")
def bundled_embedding():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    from paperlens.providers import make_embedding

    return make_embedding(EmbeddingSettings())


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, bundled_embedding) -> Settings:  # type: ignore[no-untyped-def]
    """The real corpus indexed with the real model, built once per test session."""
    root = tmp_path_factory.mktemp("real-index")
    settings = Settings(
        data_dir=root,
        papers_dir=REAL_PAPERS,
        prompts_dir=ROOT / "prompts",
        eval_dir=ROOT / "eval",
    )
    Ingester(settings, bundled_embedding, progress=False).ingest([REAL_PAPERS])
    return settings


@pytest.fixture(scope="module")
def llm_server_process() -> Iterator[LLMServer]:
    """The local OpenAI-compatible test server (tests/llm_server.py), one process per module,
    stopped by its process id however the tests end."""
    server = LLMServer.start()
    try:
        yield server
    finally:
        server.stop()
