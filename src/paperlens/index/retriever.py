"""Search: dense (Chroma), BM25 (bm25s) and hybrid (reciprocal rank fusion), at paper level.

Each retriever ranks chunks; chunks are grouped by paper (a paper scores as its best chunk) and
hybrid fuses the two paper rankings. Filters become a set of allowed paper ids, which Chroma
receives as a metadata filter and BM25 as a weight mask, so both search only allowed papers.

The fusion defaults (BM25 weighted twice the dense ranking, rrf_k=20, 100 candidate chunks per
retriever) were measured with bench/retrieval.py on eval/tune.jsonl: equal weights left
hybrid below BM25 alone on nDCG@10 (0.972 against 0.975); the chosen values sit on a broad
plateau (bm25 weight 1.5-3, rrf_k 10-60) around 0.99.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from paperlens.config import RetrievalMode, RetrievalSettings
from paperlens.errors import ConfigError
from paperlens.index.chunking import bm25_terms
from paperlens.index.paper_index import PaperIndex
from paperlens.types import PaperHit, Passage, SearchFilters


@dataclass
class Ranked:
    """One paper in one retriever's ranking."""

    paper_id: str
    score: float
    passages: list[Passage] = field(default_factory=list)


class Retriever(BaseRetriever):
    """Paper-level search over a `PaperIndex`; also usable as a llama-index retriever."""

    def __init__(
        self, index: PaperIndex, embed_model: BaseEmbedding | None, settings: RetrievalSettings
    ) -> None:
        super().__init__()
        self.index, self.embed_model, self.settings = index, embed_model, settings

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        filters: SearchFilters | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
    ) -> list[PaperHit]:
        """The top `k` papers for `query`; pass `vector` when the query is embedded already."""
        k, mode = k or self.settings.k, mode or self.settings.mode
        allowed = self.allowed_papers(filters)
        dense = self.dense(query, allowed, vector) if mode in ("dense", "hybrid") else []
        lexical = self.lexical(query, allowed) if mode in ("bm25", "hybrid") else []
        if mode == "dense":
            ranking = dense
        elif mode == "bm25":
            ranking = lexical
        else:
            ranking = self.fuse(dense, lexical)
        best_dense = {r.paper_id: r.score for r in dense}
        best_bm25 = {r.paper_id: r.score for r in lexical}
        return [
            PaperHit(
                paper_id=r.paper_id,
                title=self.index.papers[r.paper_id].title,
                score=round(r.score, 6),
                rank=rank,
                passages=r.passages[: self.settings.passages_per_paper],
                dense_similarity=best_dense.get(r.paper_id),
                bm25_score=best_bm25.get(r.paper_id),
            )
            for rank, r in enumerate(ranking[:k], 1)
        ]

    def allowed_papers(self, filters: SearchFilters | None) -> list[str] | None:
        if filters is None or filters.is_empty():
            return None
        return [pid for pid, paper in self.index.papers.items() if filters.accepts(paper)]

    def dense(
        self, query: str, allowed: list[str] | None, vector: Sequence[float] | np.ndarray | None = None
    ) -> list[Ranked]:
        if vector is None:
            if self.embed_model is None:
                raise ConfigError("Dense and hybrid search need an embedding model; use --mode bm25.")
            vector = self.embed_model.get_query_embedding(query)
        nearest = self.index.vectors().nearest(list(map(float, vector)), self.settings.candidates, allowed)
        chunks = self.index.chunk_by_id
        hits = [
            (chunk.paper_id, Passage(chunk_id=chunk_id, text=chunk.text, score=similarity))
            for chunk_id, similarity in nearest
            # Chunks the sidecar does not know are leftovers of an interrupted ingest: skip them.
            if (chunk := chunks.get(chunk_id)) is not None
        ]
        return group_by_paper(hits)

    def lexical(self, query: str, allowed: list[str] | None) -> list[Ranked]:
        bm25 = self.index.bm25
        terms = [t for t in bm25_terms(query) if t in bm25.vocab_dict]
        if not terms or not self.index.chunks:
            return []
        mask = None
        if allowed is not None:
            keep = set(allowed)
            mask = np.array([c.paper_id in keep for c in self.index.chunks], dtype=np.float32)
        scores = bm25.get_scores(terms, weight_mask=mask)
        top = np.argsort(-scores)[: self.settings.candidates]
        hits = []
        for i in top:
            if scores[i] <= 0:
                break
            chunk = self.index.chunks[int(i)]
            hits.append(
                (chunk.paper_id, Passage(chunk_id=chunk.chunk_id, text=chunk.text, score=float(scores[i])))
            )
        return group_by_paper(hits)

    def fuse(self, dense: list[Ranked], lexical: list[Ranked]) -> list[Ranked]:
        """Weighted reciprocal rank fusion of two paper rankings; passages merged by their own RRF."""
        fused: dict[str, Ranked] = {}
        passage_score: dict[str, float] = defaultdict(float)
        for ranking, weight in ((dense, self.settings.dense_weight), (lexical, self.settings.bm25_weight)):
            for rank, item in enumerate(ranking, 1):
                entry = fused.setdefault(item.paper_id, Ranked(item.paper_id, 0.0))
                entry.score += weight / (self.settings.rrf_k + rank)
                for p_rank, passage in enumerate(item.passages, 1):
                    if passage.chunk_id not in passage_score:
                        entry.passages.append(passage)
                    passage_score[passage.chunk_id] += weight / (self.settings.rrf_k + rank + p_rank)
        for entry in fused.values():
            entry.passages.sort(key=lambda p: -passage_score[p.chunk_id])
        return sorted(fused.values(), key=lambda r: -r.score)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """llama-index interface: the best passage of each top paper, as scored nodes."""
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.chunk_id, text=p.text, metadata={"paper_id": hit.paper_id, "title": hit.title}
                ),
                score=hit.score,
            )
            for hit in self.search(query_bundle.query_str)
            for p in hit.passages[:1]
        ]


def group_by_paper(hits: list[tuple[str, Passage]]) -> list[Ranked]:
    """Chunk hits (best first) to papers ranked by their best chunk."""
    papers: dict[str, Ranked] = {}
    for paper_id, passage in hits:
        entry = papers.setdefault(paper_id, Ranked(paper_id, passage.score))
        entry.passages.append(passage)
    return sorted(papers.values(), key=lambda r: -r.score)
