"""Wires everything together: settings -> models -> index -> retriever -> answers."""

from __future__ import annotations

from paperlens.config import Settings
from paperlens.index import PaperIndex
from paperlens.retrieve import Retriever


def build_retriever(settings: Settings, need_embedder: bool = True) -> Retriever:
    """A retriever over the built index; BM25-only searches skip loading the embedding model."""
    from paperlens.providers import make_embedding

    index = PaperIndex.load(settings)
    embed_model = make_embedding(settings.embedding) if need_embedder else None
    return Retriever(index, embed_model, settings.retrieval)
