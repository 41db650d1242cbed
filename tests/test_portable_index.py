"""A data folder can be copied, moved, or named by a relative or an absolute path: nothing in the
index records where it was built (hash embeddings: FAKE vectors, which still rank)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paperlens.config import ChromaSettings, EmbeddingSettings, Settings
from paperlens.errors import IndexMissingError
from paperlens.index.ingest import Ingester
from paperlens.index.paper_index import PaperIndex
from paperlens.index.retriever import Retriever
from paperlens.providers import HashEmbedding

QUERY = "pruning attention heads"
TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"


def hash_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, embedding=EmbeddingSettings(provider="hash"), **overrides)  # type: ignore[arg-type]


def build(data_dir: Path) -> None:
    Ingester(hash_settings(data_dir), HashEmbedding(), progress=False).ingest([TINY_PAPERS])


def dense_titles(data_dir: Path) -> list[str]:
    """A dense search, so the Chroma half of the index is read, not only the sidecar."""
    settings = hash_settings(data_dir)
    retriever = Retriever(PaperIndex.load(settings), HashEmbedding(), settings.retrieval)
    return [hit.title for hit in retriever.search(QUERY, k=3, mode="dense")]


def test_the_manifest_names_no_path_outside_the_index(tmp_path: Path) -> None:
    build(tmp_path / "data")
    manifest = (tmp_path / "data" / "index" / "sidecar" / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(manifest)["chroma"] == "embedded chroma at chroma"
    assert str(tmp_path) not in manifest and "data" not in manifest


def test_a_copied_data_folder_answers_after_the_original_is_gone(tmp_path: Path) -> None:
    build(tmp_path / "original")
    expected = dense_titles(tmp_path / "original")
    assert expected[0] == "Pruning Attention Heads in Transformers"
    shutil.copytree(tmp_path / "original", tmp_path / "copy")
    shutil.rmtree(tmp_path / "original")
    assert dense_titles(tmp_path / "copy") == expected


def test_relative_and_absolute_data_dirs_open_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    build(Path("data"))  # built through a relative path
    relative = dense_titles(Path("data"))
    assert dense_titles(tmp_path / "data") == relative  # read through the absolute one
    again = Ingester(hash_settings(tmp_path / "data"), HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    assert again.chunks_embedded == 0 and again.unchanged == 10  # same vectors, not a second store


def test_an_index_built_before_relative_locations_still_opens(tmp_path: Path) -> None:
    build(tmp_path / "data")
    path = tmp_path / "data" / "index" / "sidecar" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["chroma"] = "embedded chroma at /somewhere/else/data/index/chroma"  # as older versions wrote
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert dense_titles(tmp_path / "data")[0] == "Pruning Attention Heads in Transformers"


def test_an_embedded_index_is_not_read_as_a_server_one(tmp_path: Path) -> None:
    build(tmp_path / "data")
    server = hash_settings(tmp_path / "data", chroma=ChromaSettings(host="127.0.0.1", port=9))
    with pytest.raises(IndexMissingError, match="embedded chroma at chroma"):
        PaperIndex.load(server)


def test_the_console_script_reads_a_moved_folder_by_absolute_path(tmp_path: Path) -> None:
    build(tmp_path / "built")
    shutil.move(tmp_path / "built", tmp_path / "moved")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PAPERLENS_DATA_DIR": str(tmp_path / "moved"),
        "PAPERLENS_EMBEDDING_PROVIDER": "hash",
    }
    script = Path(sys.executable).parent / "paperlens"
    result = subprocess.run(
        [str(script), "search", QUERY, "--mode", "dense", "--k", "2", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["title"] == "Pruning Attention Heads in Transformers"
