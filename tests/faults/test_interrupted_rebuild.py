"""A rebuild killed with SIGKILL part way leaves the index usable, and the next ingest removes
the Chroma collection it left behind and says so (issue 15, defect 6).

The rebuild is a real `paperlens ingest --rebuild` process (tests/faults/hooked_paperlens.py),
paused by the test hook right after the chosen method returns, then killed with SIGKILL.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaClientSettings
from typer.testing import CliRunner

from paperlens.config import load_settings
from paperlens.index.paper_index import SIDECAR, PaperIndex, read_manifest
from paperlens.interfaces.cli import app
from paperlens.offline import offline_environ
from processes import stop_process

from .conftest import TINY_PAPERS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

HOOKED = Path(__file__).with_name("hooked_paperlens.py")


def collections() -> set[str]:
    """The collections in the index's embedded Chroma store, asked of chromadb directly."""
    path = load_settings().index_path / "chroma"
    client = chromadb.PersistentClient(str(path), settings=ChromaClientSettings(anonymized_telemetry=False))
    return {collection.name for collection in client.list_collections()}


def manifest_collection() -> str:
    manifest = read_manifest(load_settings().index_path / SIDECAR)
    assert manifest is not None and manifest.collection
    return manifest.collection


def wait_for_line(process: subprocess.Popen[str], prefix: str, seconds: float) -> list[str]:
    """The process's output up to the first line starting with `prefix` (fails after `seconds`)."""
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            seen.append(lines.get(timeout=seconds))
        except queue.Empty:
            raise AssertionError(f"no {prefix!r} line; the process said:\n{''.join(seen)}") from None
        if seen[-1].startswith(prefix):
            return seen


def kill_rebuild_after(point: str) -> None:
    """Run `paperlens ingest --rebuild`, and SIGKILL it once `point` has returned."""
    env = offline_environ({**os.environ, "FAULT_PAUSE_AFTER": point, "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, str(HOOKED), "ingest", "--rebuild", str(TINY_PAPERS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_line(process, f"PAUSED {point}", 120)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        stop_process(process)
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize(
    "point",
    [
        "ChromaStore.add",  # the new collection is full, the sidecar still names the old one
        "Ingester.write_sidecar",  # the sidecar names the new collection, the old one is not dropped
    ],
)
def test_the_next_ingest_removes_what_a_killed_rebuild_left(
    point: str, cli_env: Callable[..., None]
) -> None:
    cli_env()
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TINY_PAPERS)]).exit_code == 0

    kill_rebuild_after(point)

    named = manifest_collection()
    leaked = collections() - {named}
    assert len(leaked) == 1, collections()
    index = PaperIndex.load(load_settings())  # the index the manifest names still works
    assert len(index.papers) == 10 and len(index.vectors().chunk_hashes()) == 10

    result = runner.invoke(app, ["ingest", str(TINY_PAPERS)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"Removed 1 Chroma collection(s) left by an interrupted rebuild: {leaked.pop()}." in said
    assert collections() == {manifest_collection()}
    again = runner.invoke(app, ["ingest", str(TINY_PAPERS), "--json"])
    assert '"removed_collections": []' in again.stdout  # nothing left to remove
