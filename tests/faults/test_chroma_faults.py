"""A Chroma server that accepts connections and never answers (issue 15, defect 3).

A real `chroma run` is started for the module and frozen with SIGSTOP inside each test; it is
always continued (SIGCONT) and finally stopped by its process id. Without the deadline every one
of these tests hangs, so the module has a pytest timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from gradio_client import Client
from typer.testing import CliRunner

from paperlens.answering.assistant import Assistant
from paperlens.config import AppSettings, ChromaSettings, Settings
from paperlens.errors import StoreError
from paperlens.index.ingest import Ingester
from paperlens.interfaces.cli import app
from paperlens.providers import HashEmbedding
from processes import free_port, start_chroma, stop_process

from .conftest import PRUNING_QUESTION, TINY_PAPERS, served

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

TIMEOUT = 1.5  # chroma.timeout in these tests


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    process, port = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield process, port
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        stop_process(process)


@contextmanager
def frozen(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """The server keeps its socket open, so connections are accepted, but nothing answers."""
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


@pytest.fixture
def server_settings(settings: Settings, chroma: tuple[subprocess.Popen[bytes], int]) -> Settings:
    """The tiny corpus indexed in the Chroma server, in a collection of its own."""
    settings.chroma = ChromaSettings(
        host="127.0.0.1", port=chroma[1], collection=f"f-{uuid.uuid4().hex[:12]}", timeout=TIMEOUT
    )
    Ingester(settings, HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    settings.tuning.min_relevance = 0.2
    return settings


def test_a_search_on_a_frozen_server_is_a_store_error(
    server_settings: Settings, chroma: tuple[subprocess.Popen[bytes], int]
) -> None:
    assistant = Assistant.from_settings(server_settings, embed_model=HashEmbedding())
    assert assistant.ask(PRUNING_QUESTION, mode="dense").citations  # the server works
    with frozen(chroma[0]), pytest.raises(StoreError) as caught:
        assistant.ask(PRUNING_QUESTION, mode="dense")
    message = str(caught.value)
    assert f"The chroma server 127.0.0.1:{chroma[1]} did not answer within 1.5 s" in message
    assert "PAPERLENS_CHROMA_TIMEOUT" in message
    assert assistant.ask(PRUNING_QUESTION, mode="dense").citations  # and works again after


def test_cli_ask_against_a_frozen_server_exits_with_the_message(
    server_settings: Settings, chroma: tuple[subprocess.Popen[bytes], int], cli_env: Callable[..., None]
) -> None:
    # A fresh process: the client is built while the server is frozen (chromadb's own client
    # would wait forever while it is being built).
    chroma_settings = server_settings.chroma
    cli_env(
        data_dir=str(server_settings.data_dir),
        chroma_host="127.0.0.1",
        chroma_port=str(chroma[1]),
        chroma_collection=chroma_settings.collection,
        chroma_timeout=str(TIMEOUT),
    )
    with frozen(chroma[0]):
        result = CliRunner().invoke(app, ["ask", PRUNING_QUESTION, "--mode", "dense"])
    assert result.exit_code == 1, result.output
    assert "did not answer within 1.5 s" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_the_web_app_frees_its_only_slot_when_the_store_freezes(
    server_settings: Settings, chroma: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    server_settings.app = AppSettings(port=free_port(), concurrency=1)
    assistant = Assistant.from_settings(server_settings, embed_model=HashEmbedding())
    with served(assistant, server_settings) as url, frozen(chroma[0]):
        stuck = Client(url, verbose=False).submit(PRUNING_QUESTION, "dense", 0, {}, api_name="/ask")
        waiting = Client(url, verbose=False).submit(PRUNING_QUESTION, "bm25", 0, {}, api_name="/ask")
        # The dense question holds the only slot until the store's deadline; then the BM25
        # question (which never touches Chroma) gets its turn.
        with pytest.raises(Exception, match=r"did not answer within 1\.5 s"):
            stuck.result(timeout=120)
        answer = waiting.result(timeout=120)
    assert answer["done"] and answer["citations"]
