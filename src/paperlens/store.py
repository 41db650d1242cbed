"""Chroma: the embedded PersistentClient by default, an HttpClient when a server is configured.

Vectors go in and out through llama-index's `ChromaVectorStore`. The collection carries the
embedding model's name and dimension in its metadata, so a store built with one model is never
queried or extended with another.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import chromadb
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from paperlens.config import ChromaSettings
from paperlens.errors import IndexMismatchError, StoreError
from paperlens.types import Chunk, Passage

ADD_BATCH = 1000


class ChromaStore:
    def __init__(self, settings: ChromaSettings, persist_dir: Path) -> None:
        self.settings, self.persist_dir = settings, persist_dir
        self._client: Any = None
        self._vectors: ChromaVectorStore | None = None

    @property
    def location(self) -> str:
        if self.settings.is_server:
            return f"chroma server {self.settings.host}:{self.settings.port}"
        return f"embedded chroma at {self.persist_dir}"

    def client(self) -> Any:
        if self._client is None:
            offline = chromadb.Settings(anonymized_telemetry=False)
            try:
                if self.settings.is_server:
                    self._client = chromadb.HttpClient(
                        host=self.settings.host,
                        port=self.settings.port,
                        ssl=self.settings.ssl,
                        settings=offline,
                    )
                else:
                    self.persist_dir.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(str(self.persist_dir), settings=offline)
            except Exception as error:
                raise StoreError(f"Could not open the {self.location}: {error}") from None
        return self._client

    def open(self, signature: str, dimension: int, create: bool) -> None:
        """Attach to the collection, refusing one built with another embedding model."""
        name = self.settings.collection
        try:
            if create:
                collection = self.client().get_or_create_collection(
                    name,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine", "embedding_model": signature, "dimension": dimension},
                )
            else:
                collection = self.client().get_collection(name, embedding_function=None)
        except StoreError:
            raise
        except Exception as error:
            hint = "" if create else " Build it with `paperlens ingest` (or `paperlens ingest --rebuild`)."
            raise StoreError(
                f"Could not open collection {name!r} in the {self.location}: {error}.{hint}"
            ) from None
        stored = (collection.metadata or {}).get("embedding_model")
        if stored and stored != signature:
            raise IndexMismatchError(
                f"The index in the {self.location} was built with embedding model {stored!r}, "
                f"but the configured model is {signature!r}. Use the same model, or rebuild "
                "the index with `paperlens ingest --rebuild`."
            )
        self._vectors = ChromaVectorStore(chroma_collection=collection)

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:
            raise StoreError("The Chroma collection is not open.")
        return self._vectors

    def drop(self) -> None:
        with contextlib.suppress(Exception):
            self.client().delete_collection(self.settings.collection)
        self._vectors = None

    def count(self) -> int:
        return int(self.vectors.client.count())

    def chunk_hashes(self) -> dict[str, str]:
        """chunk id -> content hash of its paper, for everything stored."""
        got = self.vectors.client.get(include=["metadatas"])
        return {
            chunk_id: str((meta or {}).get("content_hash", ""))
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        }

    def add(self, chunks: list[Chunk], embeddings: list[list[float]], hashes: dict[str, str]) -> None:
        nodes = [
            TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=vector,
                metadata={
                    "paper_id": chunk.paper_id,
                    "position": chunk.position,
                    "content_hash": hashes[chunk.paper_id],
                },
            )
            for chunk, vector in zip(chunks, embeddings, strict=True)
        ]
        for start in range(0, len(nodes), ADD_BATCH):
            self.vectors.add(nodes[start : start + ADD_BATCH])

    def delete(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), ADD_BATCH):
            self.vectors.delete_nodes(node_ids=chunk_ids[start : start + ADD_BATCH])

    def query(
        self, embedding: list[float], n: int, paper_ids: list[str] | None = None
    ) -> list[tuple[str, Passage]]:
        """Nearest chunks as (paper id, passage scored by cosine similarity)."""
        filters = None
        if paper_ids is not None:
            if not paper_ids:
                return []
            filters = MetadataFilters(
                filters=[MetadataFilter(key="paper_id", value=paper_ids, operator=FilterOperator.IN)]
            )
        query = VectorStoreQuery(query_embedding=embedding, similarity_top_k=n, filters=filters)
        try:
            result = self.vectors.query(query)
        except Exception as error:
            raise StoreError(f"The query to the {self.location} failed: {error}") from None
        hits = []
        for node, similarity in zip(result.nodes or [], result.similarities or [], strict=True):
            # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
            cosine = 1.0 + math.log(similarity) if similarity > 0 else -1.0
            passage = Passage(chunk_id=node.node_id, text=node.get_content(), score=cosine)
            hits.append((str(node.metadata["paper_id"]), passage))
        return hits
