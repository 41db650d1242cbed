"""Chunking, ingest and the on-disk index.

The index has two halves that always change together:
- Chroma holds one vector per chunk (see `store.py`), with the paper's content hash;
- the sidecar directory holds the paper records, the chunk texts, the BM25 index and a manifest
  naming the embedding model. It is written to a fresh directory and swapped in at the end, so a
  failed ingest leaves the previous index intact.

Ingest is incremental: chunk ids contain a hash of the chunk text, so unchanged papers keep
their vectors, changed abstracts get new ones and the old ones are deleted once the new sidecar
is in place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import BaseModel
from tqdm import tqdm

from paperlens.config import Settings
from paperlens.corpus import deduplicate, read_papers
from paperlens.errors import CorpusError, IndexMismatchError, IndexMissingError, PaperNotFoundError
from paperlens.evidence import SentenceStore, unit_rows
from paperlens.providers import embedding_signature, token_counter
from paperlens.store import ChromaStore
from paperlens.text import content_words, split_sentences, stem
from paperlens.types import Chunk, Paper

SIDECAR = "sidecar"
MANIFEST = "manifest.json"
EMBED_BATCH = 512  # texts per progress step; the embedder batches them by length


class IngestReport(BaseModel):
    added: int
    updated: int
    removed: int
    unchanged: int
    chunks_embedded: int
    papers: int
    chunks: int
    seconds: float


# ---------------------------------------------------------------- chunking


def chunk_paper(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> list[Chunk]:
    """Title plus a window of whole abstract sentences, each window within the model's limit.

    Consecutive windows share one sentence so no statement loses its context at a boundary.
    A chunk id is the paper id, a hash of the chunk text and the position: a chunk keeps its id
    (and its vector) exactly as long as the text that was embedded stays the same, whatever
    happens to the paper's other fields.
    """
    title = fit_title(paper.title, count_tokens, max_tokens)

    def fits(window: list[str]) -> bool:
        return count_tokens(chunk_text(title, window)) <= max_tokens

    windows: list[list[str]] = []
    current: list[str] = []
    for sentence in fit_sentences(title, paper.abstract, fits):
        if current and not fits([*current, sentence]):
            windows.append(current)
            current = current[-1:] if fits([current[-1], sentence]) else []
        current.append(sentence)
    windows.append(current)
    chunks = []
    for position, window in enumerate(windows):
        text = chunk_text(title, window)
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
        chunks.append(
            Chunk(
                chunk_id=f"{paper.paper_id}-{digest}-{position}",
                paper_id=paper.paper_id,
                position=position,
                text=text,
            )
        )
    return chunks


def fit_title(title: str, count_tokens: Callable[[str], int], max_tokens: int) -> str:
    """The title as it heads each chunk: cut to half the budget when it is absurdly long."""
    budget = max_tokens // 2
    if count_tokens(title) <= budget:
        return title
    words = title.split()
    return " ".join(words[: longest_prefix(words, lambda prefix: count_tokens(" ".join(prefix)) <= budget)])


def fit_sentences(title: str, abstract: str, fits: Callable[[list[str]], bool]) -> list[str]:
    """Sentences, with any that alone would overflow a chunk cut into word runs that fit."""
    pieces: list[str] = []
    for sentence in split_sentences(abstract):
        words = sentence.split()
        while words and not fits([" ".join(words)]):
            cut = longest_prefix(words, lambda prefix: fits([" ".join(prefix)]))
            if cut == 1 and not fits(words[:1]):  # one "word" too long by itself: cut it too
                word = list(words[0])
                cut_at = longest_prefix(word, lambda prefix: fits(["".join(prefix)]))
                pieces.append("".join(word[:cut_at]))
                words[0] = "".join(word[cut_at:])
                continue
            pieces.append(" ".join(words[:cut]))
            words = words[cut:]
        if words:
            pieces.append(" ".join(words))
    return pieces


def longest_prefix(words: list[str], fits: Callable[[list[str]], bool]) -> int:
    """Length of the longest prefix of `words` that fits (at least one item), by bisection."""
    low, high = 1, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(words[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def chunk_text(title: str, sentences: list[str]) -> str:
    return f"{title}\n{' '.join(sentences)}".strip()


def bm25_terms(text: str) -> list[str]:
    return [stem(word) for word in content_words(text)]


# ---------------------------------------------------------------- the index on disk


class PaperIndex:
    """The read side: paper records, chunks, BM25 and the Chroma collection."""

    def __init__(self, settings: Settings, manifest: dict[str, Any], store: ChromaStore) -> None:
        self.settings, self.manifest, self.store = settings, manifest, store
        self.directory = settings.index_path / SIDECAR
        self.papers: dict[str, Paper] = {
            paper.paper_id: paper for paper in read_jsonl(self.directory / "papers.jsonl", Paper)
        }
        self.chunks: list[Chunk] = read_jsonl(self.directory / "chunks.jsonl", Chunk)
        self.chunk_by_id: dict[str, Chunk] = {chunk.chunk_id: chunk for chunk in self.chunks}
        self._bm25: bm25s.BM25 | None = None
        self._sentences: SentenceStore | None = None
        self._opened = False

    @classmethod
    def load(cls, settings: Settings) -> PaperIndex:
        """Open the index built by `ingest`, checking it matches the configured embedder."""
        path = settings.index_path / SIDECAR / MANIFEST
        if not path.exists():
            raise IndexMissingError(
                f"No index found in {settings.index_path}. Build it with `paperlens ingest` "
                f"(it reads {settings.papers_path} by default)."
            )
        manifest = json.loads(path.read_text(encoding="utf-8"))
        wanted = embedding_signature(settings.embedding)
        if manifest["embedding_model"] != wanted:
            raise IndexMismatchError(
                f"The index in {settings.index_path} was built with embedding model "
                f"{manifest['embedding_model']!r}, but the configured model is {wanted!r}. Use the "
                "same model, or rebuild the index with `paperlens ingest --rebuild`."
            )
        store = ChromaStore(settings.chroma, settings.index_path / "chroma")
        if manifest.get("chroma", store.location) != store.location:
            raise IndexMissingError(
                f"The index in {settings.index_path} keeps its vectors in the {manifest['chroma']}, "
                f"but the settings point at the {store.location}. Run `paperlens ingest` to "
                "build the vectors there, or restore the Chroma settings."
            )
        return cls(settings, manifest, store)

    @property
    def embedding_model(self) -> str:
        return str(self.manifest["embedding_model"])

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
    def bm25(self) -> bm25s.BM25:
        if self._bm25 is None:
            self._bm25 = bm25s.BM25.load(str(self.directory / "bm25"), show_progress=False)
        return self._bm25

    def vectors(self) -> ChromaStore:
        """The Chroma side, opened on first use (BM25-only searches never touch it)."""
        if not self._opened:
            name = self.manifest.get("collection")
            self.store.open(self.embedding_model, int(self.manifest["dimension"]), create=False, name=name)
            self._opened = True
        return self.store


def read_jsonl(path: Path, model: type[Any]) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [model.model_validate_json(line) for line in handle if line.strip()]


def write_jsonl(path: Path, records: Iterable[BaseModel]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")


# ---------------------------------------------------------------- ingest


class Ingester:
    """Brings the index in line with a set of papers files."""

    def __init__(self, settings: Settings, embed_model: BaseEmbedding, progress: bool = True) -> None:
        self.settings, self.embed_model, self.progress = settings, embed_model, progress
        self.signature = embedding_signature(settings.embedding)
        self.store = ChromaStore(settings.chroma, settings.index_path / "chroma")

    def ingest(self, paths: list[Path], rebuild: bool = False, add: bool = False) -> IngestReport:
        started = time.perf_counter()
        papers = read_papers(paths)  # every input error surfaces here, before any write
        previous = self.previous_papers() if not rebuild else {}
        if add:
            papers = deduplicate([*papers, *previous.values()])
        if not papers:
            raise CorpusError(
                ", ".join(str(path) for path in paths),
                None,
                "no papers in these files, so nothing to index; the index was left as it was",
            )
        count_tokens = token_counter(self.embed_model)
        chunks = [
            chunk
            for paper in papers
            for chunk in chunk_paper(paper, count_tokens, self.settings.embedding.max_tokens)
        ]
        dimension = len(self.embed_model.get_query_embedding("dimension probe"))
        current = self.current_collection()
        if rebuild:
            # A rebuild fills a new collection and the old one goes only once the new sidecar is
            # in place, so a rebuild that fails halfway leaves the previous index whole and usable.
            target, stored = f"{self.settings.chroma.collection}-{uuid.uuid4().hex[:8]}", {}
        else:
            target = current
            self.store.open(self.signature, dimension, create=True, name=target)
            stored = self.store.chunk_hashes()
        new_chunks = [chunk for chunk in chunks if chunk.chunk_id not in stored]
        vectors = self.embed([chunk.text for chunk in new_chunks])
        sentences = SentenceStore.build(papers, self.embed_sentences, self.previous_sentences(rebuild))
        if rebuild:
            self.store.open(self.signature, dimension, create=True, name=target)
        hashes = {paper.paper_id: paper.content_hash for paper in papers}
        try:
            self.store.add(new_chunks, vectors, hashes)
        except BaseException:
            if rebuild:
                self.store.drop(target)
            raise
        self.write_sidecar(papers, chunks, sentences, dimension, target)
        # Only now that the new sidecar is in place: until here the old one is the index, and
        # its chunks must stay (searches ignore chunks their sidecar does not know).
        if rebuild:
            self.store.drop(current)
        else:
            wanted = {chunk.chunk_id for chunk in chunks}
            self.store.delete([chunk_id for chunk_id in stored if chunk_id not in wanted])
        return self.report(papers, previous, chunks, new_chunks, time.perf_counter() - started)

    def current_collection(self) -> str:
        """The collection the present sidecar points at (the configured name before any ingest)."""
        path = self.settings.index_path / SIDECAR / MANIFEST
        if path.exists():
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest.get("chroma") == self.store.location and manifest.get("collection"):
                return str(manifest["collection"])
        return self.settings.chroma.collection

    def previous_papers(self) -> dict[str, Paper]:
        path = self.settings.index_path / SIDECAR / "papers.jsonl"
        if not path.exists():
            return {}
        return {paper.paper_id: paper for paper in read_jsonl(path, Paper)}

    def previous_sentences(self, rebuild: bool) -> SentenceStore | None:
        """The sentence vectors of the present index, reusable when the embedder is the same."""
        directory = self.settings.index_path / SIDECAR
        if rebuild or not (directory / MANIFEST).exists():
            return None
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return SentenceStore.load(directory) if manifest["embedding_model"] == self.signature else None

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        if not texts:  # every abstract unchanged
            return np.zeros((0, 1), dtype=np.float32)
        vectors = self.embed(texts, "Embedding sentences", "sentence")
        return unit_rows(np.asarray(vectors, dtype=np.float32))

    def embed(
        self, texts: list[str], desc: str = "Embedding chunks", unit: str = "chunk"
    ) -> list[list[float]]:
        vectors: list[list[float]] = []
        with tqdm(
            total=len(texts),
            desc=desc,
            unit=unit,
            disable=not self.progress or not texts,
        ) as bar:
            for start in range(0, len(texts), EMBED_BATCH):
                batch = texts[start : start + EMBED_BATCH]
                vectors.extend(self.embed_model.get_text_embedding_batch(batch))
                bar.update(len(batch))
        return vectors

    def write_sidecar(
        self,
        papers: list[Paper],
        chunks: list[Chunk],
        sentences: SentenceStore,
        dimension: int,
        collection: str,
    ) -> None:
        """Write the new sidecar beside the old one, then swap them."""
        root = self.settings.index_path
        fresh = root / f".sidecar-{uuid.uuid4().hex[:8]}"
        fresh.mkdir(parents=True)
        try:
            write_jsonl(fresh / "papers.jsonl", papers)
            write_jsonl(fresh / "chunks.jsonl", chunks)
            bm25 = bm25s.BM25()
            bm25.index([bm25_terms(chunk.text) or [""] for chunk in chunks], show_progress=False)
            bm25.save(str(fresh / "bm25"), show_progress=False)
            sentences.save(fresh)
            manifest = {
                "embedding_model": self.signature,
                "dimension": dimension,
                "chroma": self.store.location,
                "collection": collection,
                "papers": len(papers),
                "chunks": len(chunks),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            (fresh / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        current, old = root / SIDECAR, root / f".old-{uuid.uuid4().hex[:8]}"
        if current.exists():
            current.rename(old)
        fresh.rename(current)
        shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def report(
        papers: list[Paper],
        previous: dict[str, Paper],
        chunks: list[Chunk],
        new_chunks: list[Chunk],
        seconds: float,
    ) -> IngestReport:
        ids = {paper.paper_id for paper in papers}
        changed = {
            paper.paper_id
            for paper in papers
            if paper.paper_id in previous and previous[paper.paper_id].content_hash != paper.content_hash
        }
        return IngestReport(
            added=len(ids - set(previous)),
            updated=len(changed),
            removed=len(set(previous) - ids),
            unchanged=len(ids & set(previous)) - len(changed),
            chunks_embedded=len(new_chunks),
            papers=len(papers),
            chunks=len(chunks),
            seconds=round(seconds, 2),
        )
