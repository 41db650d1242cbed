"""Ingest: bring the index in line with a set of papers files.

A failed ingest leaves the previous index intact: the sidecar is written to a fresh directory
and swapped in at the end. A rebuild fills a new Chroma collection and drops the old one last; if
it is killed on the way, the collection it was filling is left behind, so every ingest first
removes the collections of this index that its manifest does not name.

Ingest is incremental: chunk ids contain a hash of the chunk text, so
unchanged papers keep their vectors, changed abstracts get new ones and the old ones are
deleted once the new sidecar is in place.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import BaseModel
from tqdm import tqdm

from paperlens.config import Settings
from paperlens.errors import CorpusError
from paperlens.index import keywords
from paperlens.index.chunking import chunk_paper
from paperlens.index.corpus import RecordNote, merge_duplicates, read_corpus
from paperlens.index.paper_index import (
    PAPERS,
    SIDECAR,
    Manifest,
    read_manifest,
    read_papers_file,
    write_jsonl,
)
from paperlens.index.sentences import SentenceStore, unit_rows
from paperlens.index.store import ChromaStore
from paperlens.providers import embedding_signature, token_counter
from paperlens.types import Chunk, Paper

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
    notes: list[RecordNote] = []  # records capped, skipped, or merged away with a difference
    removed_collections: list[str] = []  # left behind by an interrupted rebuild

    def count(self, *kinds: str) -> int:
        return sum(note.kind in kinds for note in self.notes)

    def summary(self, most: int = 10) -> list[str]:
        """The report as lines for a terminal: totals, then what needs a look."""
        lines = [
            f"Indexed {self.papers} papers ({self.chunks} chunks) in {self.seconds:.1f} s: "
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged; {self.chunks_embedded} chunks embedded."
        ]
        if self.removed_collections:
            lines.append(
                f"Removed {len(self.removed_collections)} Chroma collection(s) left by an interrupted "
                f"rebuild: {', '.join(self.removed_collections)}."
            )
        if self.notes:
            lines.append(
                f"{self.count('capped')} record(s) capped, {self.count('skipped')} skipped, "
                f"{self.count('same_title_other_abstract', 'same_arxiv_id')} duplicate(s) left out:"
            )
            lines += [f"  {note}" for note in self.notes[:most]]
            if len(self.notes) > most:
                lines.append(f"  … and {len(self.notes) - most} more (paperlens ingest --json lists all)")
        return lines


class Ingester:
    """Brings the index in line with a set of papers files."""

    def __init__(self, settings: Settings, embed_model: BaseEmbedding, progress: bool = True) -> None:
        self.settings, self.embed_model, self.progress = settings, embed_model, progress
        self.signature = embedding_signature(settings.embedding)
        self.store = ChromaStore(settings.chroma, settings.index_path / "chroma")

    def ingest(self, paths: list[Path], rebuild: bool = False, add: bool = False) -> IngestReport:
        corpus = read_corpus(paths, self.settings.ingest.max_record_chars)
        return self.ingest_records(corpus.papers, paths, rebuild, add, corpus.notes)

    def ingest_records(
        self,
        papers: list[Paper],
        paths: list[Path],
        rebuild: bool = False,
        add: bool = False,
        notes: list[RecordNote] | None = None,
    ) -> IngestReport:
        """Index papers already read from `paths` (named in errors); `notes` on the records
        read go into the report."""
        started = time.perf_counter()
        notes = list(notes or [])
        previous = self.previous_papers() if not rebuild else {}
        if add:
            entries = [(paper, ", ".join(paper.sources)) for paper in papers]
            papers, merged = merge_duplicates([*entries, *((p, "the index") for p in previous.values())])
            notes += merged
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
        removed_collections = self.remove_leftover_collections(keep=current)
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
        report = self.report(papers, previous, chunks, new_chunks, time.perf_counter() - started)
        return report.model_copy(update={"notes": notes, "removed_collections": removed_collections})

    def current_collection(self) -> str:
        """The collection the present sidecar points at (the configured name before any ingest)."""
        manifest = read_manifest(self.settings.index_path / SIDECAR)
        if manifest is not None and self.store.matches(manifest.chroma) and manifest.collection:
            return manifest.collection
        return self.settings.chroma.collection

    def remove_leftover_collections(self, keep: str) -> list[str]:
        """Drop this index's collections that `keep` (the manifest's) is not: the configured
        name, or it plus "-" and 8 hex digits (a rebuild's), left by a rebuild that was killed."""
        ours = re.compile(re.escape(self.settings.chroma.collection) + r"(-[0-9a-f]{8})?")
        leftovers = [name for name in self.store.collection_names() if ours.fullmatch(name) and name != keep]
        for name in leftovers:
            self.store.drop(name)
        return leftovers

    def previous_papers(self) -> dict[str, Paper]:
        return read_papers_file(self.settings.index_path / SIDECAR)

    def previous_sentences(self, rebuild: bool) -> SentenceStore | None:
        """The sentence vectors of the present index, reusable when the embedder is the same."""
        directory = self.settings.index_path / SIDECAR
        manifest = None if rebuild else read_manifest(directory)
        if manifest is None or manifest.embedding_model != self.signature:
            return None
        return SentenceStore.load(directory)

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
            write_jsonl(fresh / PAPERS, papers)
            write_jsonl(fresh / "chunks.jsonl", chunks)
            keywords.KeywordIndex.build(papers, chunks).save(fresh)
            sentences.save(fresh)
            Manifest(
                embedding_model=self.signature,
                dimension=dimension,
                chroma=self.store.recorded_location,
                collection=collection,
                papers=len(papers),
                chunks=len(chunks),
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
                keywords=keywords.VERSION,
            ).write(fresh)
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


def ingest_papers(
    settings: Settings,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    add: bool = False,
    progress: bool = True,
    on_status: Callable[[str], None] = lambda message: None,
) -> IngestReport:
    """The one ingest path (the CLI and the web app's first run): read and check the papers
    (default: the configured papers folder), and only then load the embedding model and index."""
    from paperlens.providers import make_embedding

    paths = paths or [settings.papers_path]
    on_status(f"Reading papers from {', '.join(str(path) for path in paths)}…")
    # Every input error surfaces here, before the model loads; records are capped as they are read.
    corpus = read_corpus(paths, settings.ingest.max_record_chars)
    on_status("Loading the embedding model…")
    embed_model = make_embedding(settings.embedding)
    on_status(f"Indexing {len(corpus.papers)} papers…")
    ingester = Ingester(settings, embed_model, progress=progress)
    return ingester.ingest_records(corpus.papers, paths, rebuild, add, corpus.notes)
