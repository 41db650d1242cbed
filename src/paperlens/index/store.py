"""Chroma: the embedded PersistentClient by default, an HttpClient when a server is configured.

Vectors go in through llama-index's `ChromaVectorStore`; searches ask the Chroma collection for
ids and distances only (the sidecar has the texts). The collection carries the embedding model's
name and dimension in its metadata, so a store built with one model is never queried or extended
with another.

Every request to a Chroma server has a deadline (`chroma.timeout`): chromadb's HTTP client waits
forever by default, so a server that accepts connections and never answers (stopped, swapped
out, deadlocked) would hold a question, and a web app slot, for good. Failures are StoreErrors.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaClientSettings
from llama_index.core.schema import BaseNode, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from paperlens.config import ChromaSettings
from paperlens.errors import IndexMismatchError, StoreError
from paperlens.types import Chunk

ADD_BATCH = 1000
# HNSW's search breadth. Chroma's default (100) equals the chunks we ask for, and then the same
# query returned different neighbours from one process to the next (dense nDCG@10 0.900 vs 0.911
# on the gold questions); at 500 results are stable and a query still takes about a millisecond.
SEARCH_EF = 500
EMBEDDED = "embedded chroma at "


class ChromaStore:
    def __init__(self, settings: ChromaSettings, persist_dir: Path) -> None:
        self.settings, self.persist_dir = settings, persist_dir
        self._client: Any = None
        self._vectors: ChromaVectorStore | None = None

    @property
    def location(self) -> str:
        """Where the vectors live, for messages (the embedded store's folder as configured)."""
        if self.settings.is_server:
            return f"chroma server {self.settings.host}:{self.settings.port}"
        return f"{EMBEDDED}{self.persist_dir}"

    @property
    def recorded_location(self) -> str:
        """Where the vectors live as the index manifest records it: the server's address, or the
        embedded store's folder relative to the index folder (it always sits inside it), so a
        copied or moved data folder, or one named by an absolute path, still matches."""
        if self.settings.is_server:
            return self.location
        return f"{EMBEDDED}{self.persist_dir.name}"

    def matches(self, recorded: str | None) -> bool:
        """Does a manifest's recorded location name this store? Manifests written before
        locations were relative name the embedded folder by its path as typed then; the embedded
        store is the index folder's own either way."""
        if recorded is None:
            return True
        if not self.settings.is_server:
            return recorded.startswith(EMBEDDED)
        return recorded == self.recorded_location

    def client(self) -> Any:
        if self._client is None:
            offline = ChromaClientSettings(anonymized_telemetry=False)
            try:
                if self.settings.is_server:
                    self._client = self.server_client(offline)
                else:
                    self.persist_dir.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(str(self.persist_dir), settings=offline)
            except StoreError:
                raise
            except Exception as error:
                raise self.failure("opening it", error) from None
        return self._client

    def server_client(self, offline: ChromaClientSettings) -> Any:
        """An HttpClient whose requests time out. chromadb has no setting for it, and its client
        already talks to the server while it is built, so the server is first asked for a
        heartbeat with the deadline, and the timeout is set on the client's session after."""
        host, port, timeout = str(self.settings.host), int(self.settings.port or 0), self.settings.timeout
        scheme = "https" if self.settings.ssl else "http"
        httpx.get(f"{scheme}://{host}:{port}/api/v2/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(host=host, port=port, ssl=self.settings.ssl, settings=offline)
        session = getattr(getattr(client, "_server", None), "_session", None)
        if not isinstance(session, httpx.Client):  # chromadb moved it: fail loudly, never wait forever
            raise StoreError(
                "This chromadb version hides its HTTP session, so requests to the Chroma server "
                "cannot be given a deadline; install the chromadb version pinned in constraints.txt."
            )
        session.timeout = httpx.Timeout(timeout)
        return client

    def failure(self, action: str, error: Exception) -> StoreError:
        """The store failed while doing `action`, as one line that says what to do."""
        if isinstance(error, httpx.TimeoutException):
            return StoreError(
                f"The {self.location} did not answer within {self.settings.timeout:g} s ({action}; "
                "chroma.timeout). Check that it is running and not overloaded, or raise "
                "PAPERLENS_CHROMA_TIMEOUT."
            )
        if isinstance(error, httpx.TransportError):
            return StoreError(f"Cannot reach the {self.location} ({action}: {error}). Is it running?")
        return StoreError(f"The {self.location} failed ({action}): {error}")

    def open(self, signature: str, dimension: int, create: bool, name: str | None = None) -> None:
        """Attach to the collection (by default the configured one), refusing one built with
        another embedding model."""
        name = name or self.settings.collection
        try:
            if create:
                collection = self.client().get_or_create_collection(
                    name,
                    embedding_function=None,
                    metadata={
                        "hnsw:space": "cosine",
                        "hnsw:search_ef": SEARCH_EF,
                        "embedding_model": signature,
                        "dimension": dimension,
                    },
                )
            else:
                collection = self.client().get_collection(name, embedding_function=None)
        except StoreError:
            raise
        except Exception as error:
            if isinstance(error, httpx.HTTPError):
                raise self.failure(f"opening collection {name!r}", error) from None
            hint = "" if create else " Build it with `paperlens ingest` (or `paperlens ingest --rebuild`)."
            raise StoreError(
                f"Could not open collection {name!r} in the {self.location} ({error}).{hint}"
            ) from None
        stored = (collection.metadata or {}).get("embedding_model")
        if stored and stored != signature:
            raise IndexMismatchError(
                f"The index in the {self.location} was built with embedding model {stored!r}, "
                f"but the configured model is {signature!r}. Use the same model, or rebuild "
                "the index with `paperlens ingest --rebuild`."
            )
        stored_dimension = (collection.metadata or {}).get("dimension")
        if stored_dimension is not None and int(stored_dimension) != dimension:
            raise IndexMismatchError(
                f"The index in the {self.location} holds {stored_dimension}-dimensional vectors, but "
                f"the configured model {signature!r} gives {dimension}. Rebuild the index with "
                "`paperlens ingest --rebuild`."
            )
        self._vectors = ChromaVectorStore(chroma_collection=collection)
        self.name = name

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:
            raise StoreError("The Chroma collection is not open.")
        return self._vectors

    def drop(self, name: str) -> None:
        """Delete a collection; one that does not exist is already gone."""
        with contextlib.suppress(Exception):
            self.client().delete_collection(name)
        if getattr(self, "name", None) == name:
            self._vectors = None

    def collection_names(self) -> list[str]:
        try:
            return [str(getattr(c, "name", c)) for c in self.client().list_collections()]
        except StoreError:
            raise
        except Exception as error:
            raise self.failure("listing its collections", error) from None

    def chunk_hashes(self) -> dict[str, str]:
        """chunk id -> content hash of its paper, for everything stored."""
        try:
            got = self.vectors.client.get(include=["metadatas"])
        except Exception as error:
            raise self.failure("reading the stored chunks", error) from None
        return {
            chunk_id: str((meta or {}).get("content_hash", ""))
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        }

    def add(self, chunks: list[Chunk], embeddings: list[list[float]], hashes: dict[str, str]) -> None:
        nodes: list[BaseNode] = [
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
        try:
            for start in range(0, len(nodes), ADD_BATCH):
                self.vectors.add(nodes[start : start + ADD_BATCH])
        except Exception as error:
            raise self.failure("adding vectors", error) from None

    def delete(self, chunk_ids: list[str]) -> None:
        try:
            for start in range(0, len(chunk_ids), ADD_BATCH):
                self.vectors.delete_nodes(node_ids=chunk_ids[start : start + ADD_BATCH])
        except Exception as error:
            raise self.failure("deleting old vectors", error) from None

    def nearest(
        self, embedding: list[float], n: int, paper_ids: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Ids of the `n` chunks nearest to `embedding`, with their cosine similarity, best first.

        Chroma is asked for ids and distances only: fetching documents and metadata too cost
        5-10x more per query (about 14 ms against 2-3 ms CPU for 100 chunks on this machine),
        and the sidecar holds both already.
        """
        where: dict[str, Any] | None = None
        if paper_ids is not None:
            if not paper_ids:
                return []
            where = {"paper_id": {"$in": list(paper_ids)}}
        try:
            result = self.vectors.client.query(
                query_embeddings=[embedding], n_results=n, where=where, include=["distances"]
            )
        except Exception as error:
            raise self.failure("a search", error) from None
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        # In cosine space Chroma's distance is 1 - cosine similarity.
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in zip(ids, distances, strict=True)]
