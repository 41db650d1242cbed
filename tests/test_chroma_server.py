"""Ingest and search against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import ipaddress
import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from paperlens.config import ChromaSettings, Settings
from paperlens.errors import IndexMismatchError, StoreError
from paperlens.index.corpus import make_paper_id
from paperlens.index.ingest import Ingester, IngestReport
from paperlens.index.paper_index import PaperIndex
from paperlens.index.retriever import Retriever
from paperlens.index.store import ChromaStore
from paperlens.providers import HashEmbedding
from processes import free_port, start_chroma, stop_process

pytestmark = pytest.mark.integration

TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
PRUNING = make_paper_id("Pruning Attention Heads in Transformers")
TINY = [json.loads(line) for line in TINY_PAPERS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Chroma server on 127.0.0.1 for this module, with telemetry off and no proxies."""
    process, port = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield port
    finally:
        stop_process(process)
    assert process.returncode is not None


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection from this process beyond loopback (telemetry, downloads) fails the test."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            host = str(address[0])
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"a test tried to connect to {address}")
        original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def server_settings(settings: Settings, chroma_port: int) -> Settings:
    """Hash-embedder settings pointing at the server, with a collection of this test's own."""
    settings.chroma = ChromaSettings(
        host="127.0.0.1", port=chroma_port, collection=f"t-{uuid.uuid4().hex[:12]}"
    )
    return settings


def ingest(settings: Settings, paths: list[Path], **kwargs: bool) -> IngestReport:
    return Ingester(settings, HashEmbedding(), progress=False).ingest(paths, **kwargs)


def server_ids(settings: Settings) -> set[str]:
    client = chromadb.HttpClient(
        host="127.0.0.1", port=settings.chroma.port, settings=chromadb.Settings(anonymized_telemetry=False)
    )
    return set(client.get_collection(settings.chroma.collection).get()["ids"])


def test_ingest_and_search_through_the_server(server_settings: Settings) -> None:
    report = ingest(server_settings, [TINY_PAPERS])
    assert (report.added, report.papers, report.chunks_embedded) == (10, 10, report.chunks)
    assert not (server_settings.index_path / "chroma").exists(), "an embedded store was created"
    index = PaperIndex.load(server_settings)
    assert f"127.0.0.1:{server_settings.chroma.port}" in index.manifest.chroma
    assert server_ids(server_settings) == {chunk.chunk_id for chunk in index.chunks}

    retriever = Retriever(index, HashEmbedding(), server_settings.retrieval)
    for mode in ("dense", "hybrid"):
        hits = retriever.search("pruning attention heads in transformers", mode=mode)
        assert hits[0].paper_id == PRUNING
        assert hits[0].dense_similarity is not None and hits[0].dense_similarity > 0.3


def test_reingest_against_the_server_is_incremental(server_settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(TINY_PAPERS.read_text(encoding="utf-8"), encoding="utf-8")
    ingest(server_settings, [corpus])
    before = server_ids(server_settings)

    again = ingest(server_settings, [corpus])
    assert (again.unchanged, again.chunks_embedded) == (10, 0)
    assert server_ids(server_settings) == before

    changed = [dict(r) for r in TINY[1:]]
    changed[0]["abstract"] += " The student also runs on phones."
    corpus.write_text("".join(json.dumps(r) + "\n" for r in changed), encoding="utf-8")
    report = ingest(server_settings, [corpus])
    assert (report.updated, report.removed, report.chunks_embedded) == (1, 1, 1)
    after = server_ids(server_settings)
    assert after == {chunk.chunk_id for chunk in PaperIndex.load(server_settings).chunks}
    assert len(before - after) == 2  # the removed paper's chunk and the changed paper's old one


def test_server_collection_refuses_another_model(server_settings: Settings) -> None:
    ingest(server_settings, [TINY_PAPERS])
    store = ChromaStore(server_settings.chroma, server_settings.index_path / "chroma")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        store.open("bundled:all-MiniLM-L6-v2", 384, create=False)


def test_unreachable_server_is_a_store_error(settings: Settings) -> None:
    settings.chroma = ChromaSettings(host="127.0.0.1", port=free_port())
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        ingest(settings, [TINY_PAPERS])
