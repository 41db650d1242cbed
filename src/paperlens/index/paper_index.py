"""The index on disk, read side: paper records, chunks, BM25 and the Chroma collection.

The index has two halves that always change together:
- Chroma holds one vector per chunk (see `store.py`), with the paper's content hash;
- the sidecar directory holds the paper records, the chunk texts, the keyword index (BM25 over
  abstracts and titles, acronyms: `keywords.py`), the abstract sentence vectors and a manifest
  naming the embedding model. `ingest.py` writes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from paperlens.config import Settings
from paperlens.errors import IndexMismatchError, IndexMissingError, PaperNotFoundError
from paperlens.index import keywords
from paperlens.index.keywords import KeywordIndex
from paperlens.index.sentences import SentenceStore
from paperlens.index.store import ChromaStore
from paperlens.providers import embedding_signature
from paperlens.types import Chunk, Paper

SIDECAR = "sidecar"
MANIFEST = "manifest.json"
PAPERS = "papers.jsonl"


class Manifest(BaseModel):
    """What an index was built with; written last by ingest, read by everything that opens it."""

    model_config = ConfigDict(extra="ignore")

    embedding_model: str
    dimension: int
    chroma: str | None = None  # where the vectors live: ChromaStore.recorded_location
    collection: str | None = None
    papers: int = 0
    chunks: int = 0
    built_at: str = ""
    keywords: int = 1  # layout version of the keyword index (manifests before it had none)

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(self.model_dump_json(indent=2), encoding="utf-8")


def read_manifest(sidecar: Path) -> Manifest | None:
    """The manifest in a sidecar directory, or None when no index was built there."""
    path = sidecar / MANIFEST
    if not path.exists():
        return None
    return Manifest.model_validate_json(path.read_text(encoding="utf-8"))


class PaperIndex:
    """The read side: paper records, chunks, BM25 and the Chroma collection."""

    def __init__(self, settings: Settings, manifest: Manifest, store: ChromaStore) -> None:
        self.settings, self.manifest, self.store = settings, manifest, store
        self.directory = settings.index_path / SIDECAR
        self.papers: dict[str, Paper] = read_papers_file(self.directory)
        self.chunks: list[Chunk] = read_jsonl(self.directory / "chunks.jsonl", Chunk)
        self.chunk_by_id: dict[str, Chunk] = {chunk.chunk_id: chunk for chunk in self.chunks}
        self._keywords: KeywordIndex | None = None
        self._sentences: SentenceStore | None = None
        self._opened = False

    @classmethod
    def load(cls, settings: Settings) -> PaperIndex:
        """Open the index built by `ingest`, checking it matches the configured embedder."""
        manifest = read_manifest(settings.index_path / SIDECAR)
        if manifest is None:
            raise IndexMissingError(
                f"No index found in {settings.index_path}. Build it with `paperlens ingest` "
                f"(it reads {settings.papers_path} by default)."
            )
        wanted = embedding_signature(settings.embedding)
        if manifest.embedding_model != wanted:
            raise IndexMismatchError(
                f"The index in {settings.index_path} was built with embedding model "
                f"{manifest.embedding_model!r}, but the configured model is {wanted!r}. Use the "
                "same model, or rebuild the index with `paperlens ingest --rebuild`."
            )
        store = ChromaStore(settings.chroma, settings.index_path / "chroma")
        if not store.matches(manifest.chroma):
            raise IndexMissingError(
                f"The index in {settings.index_path} keeps its vectors in the {manifest.chroma}, "
                f"but the settings point at the {store.location}. Run `paperlens ingest` to "
                "build the vectors there, or restore the Chroma settings."
            )
        return cls(settings, manifest, store)

    @property
    def embedding_model(self) -> str:
        return self.manifest.embedding_model

    def paper(self, paper_id: str) -> Paper:
        try:
            return self.papers[paper_id]
        except KeyError:
            raise PaperNotFoundError(
                f"No paper with id {paper_id!r}. List the ids with `paperlens papers`."
            ) from None

    @property
    def sentences(self) -> SentenceStore | None:
        """Abstract sentence vectors stored at ingest (None for an index built before them)."""
        if self._sentences is None:
            self._sentences = SentenceStore.load(self.directory)
        return self._sentences

    @property
    def keywords(self) -> KeywordIndex:
        """The keyword index; one stored in an older layout is rebuilt in memory (it takes well
        under a second for thousands of papers) until `paperlens ingest` stores the new one."""
        if self._keywords is None:
            if self.manifest.keywords == keywords.VERSION:
                self._keywords = KeywordIndex.load(self.directory, self.chunks, list(self.papers))
            else:
                self._keywords = KeywordIndex.build(list(self.papers.values()), self.chunks)
        return self._keywords

    def vectors(self) -> ChromaStore:
        """The Chroma side, opened on first use (BM25-only searches never touch it)."""
        if not self._opened:
            name = self.manifest.collection
            self.store.open(self.embedding_model, self.manifest.dimension, create=False, name=name)
            self._opened = True
        return self.store


def read_papers_file(sidecar: Path) -> dict[str, Paper]:
    """The paper records of an index by id; empty when no index was built there."""
    path = sidecar / PAPERS
    if not path.exists():
        return {}
    return {paper.paper_id: paper for paper in read_jsonl(path, Paper)}


def read_jsonl(path: Path, model: type[Any]) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [model.model_validate_json(line) for line in handle if line.strip()]


def write_jsonl(path: Path, records: Iterable[BaseModel]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")
