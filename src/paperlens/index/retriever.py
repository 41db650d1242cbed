"""Search: dense (Chroma), BM25 (bm25s) and hybrid (a weighted sum of normalized scores), at paper level.

Dense ranks chunks by cosine similarity; a paper scores as its best chunk plus half its best
abstract sentence (the sentence vectors ingest stored). BM25 ranks abstract windows and titles
as two fields (`keywords.py`), with the query's other spellings (`lexical.py`). Hybrid adds the
two paper rankings' min-max normalized scores, BM25 weighted 1.5. Filters become a set of
allowed paper ids, which Chroma receives as a metadata filter and BM25 as a weight mask.

The defaults were chosen with `bench/retrieval.py --sweep` on eval/tune.jsonl (720 settings):
every value kept sits on a plateau, not a spike (BM25 weight 1-2, 100-200 candidate chunks,
sentence weight 0.5-1). With them hybrid nDCG@10 is 0.996 on the tune set (BM25 alone 0.987),
and the report set, scored afterwards, gives 0.977 (BM25 alone 0.968).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from paperlens.config import RetrievalMode, RetrievalSettings
from paperlens.errors import ConfigError
from paperlens.index.paper_index import PaperIndex
from paperlens.types import PaperHit, Passage, SearchFilters


@dataclass
class Ranked:
    """One paper in one retriever's ranking."""

    paper_id: str
    score: float
    passages: list[Passage] = field(default_factory=list)
    similarity: float | None = None  # dense only: the best chunk's cosine similarity


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
        best_dense = {r.paper_id: r.similarity for r in dense}
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
        papers = group_by_paper(hits)
        for paper in papers:
            paper.similarity = paper.score
        return self.with_sentences(papers, np.asarray(vector, dtype=np.float32))

    def with_sentences(self, papers: list[Ranked], vector: np.ndarray) -> list[Ranked]:
        """Re-rank the dense candidates by their best chunk plus `sentence_weight` times their
        best single abstract sentence: a question about one statement meets that sentence
        closer than the window around it."""
        sentences = self.index.sentences
        if sentences is None or not self.settings.sentence_weight or not papers:
            return papers  # an index built before sentence vectors: chunks alone
        norm = float(np.linalg.norm(vector)) or 1.0
        best = sentences.best_similarity([p.paper_id for p in papers], vector / norm)
        for paper in papers:
            paper.score += self.settings.sentence_weight * best.get(paper.paper_id, paper.score)
        return sorted(papers, key=lambda r: -r.score)

    def lexical(self, query: str, allowed: list[str] | None) -> list[Ranked]:
        """BM25 of the abstract windows (a paper scores as its best chunk) plus `title_weight`
        times BM25 of the title; a paper matching by its title alone joins with its first chunk."""
        keywords = self.index.keywords
        own, extra = keywords.query_terms(query)
        if not (own or extra) or not self.index.chunks:
            return []
        keep = None if allowed is None else set(allowed)
        chunk_mask = None if keep is None else mask(keep, [c.paper_id for c in keywords.chunks])
        title_mask = None if keep is None else mask(keep, keywords.paper_ids)
        weight = self.settings.expansion_weight
        scores = keywords.score_chunks(own, extra, weight, chunk_mask)
        hits = []
        for i in np.argsort(-scores)[: self.settings.candidates]:
            if scores[i] <= 0:
                break
            chunk = keywords.chunks[int(i)]
            hits.append(
                (chunk.paper_id, Passage(chunk_id=chunk.chunk_id, text=chunk.text, score=float(scores[i])))
            )
        papers = {r.paper_id: r for r in group_by_paper(hits)}
        titles = keywords.score_titles(own, extra, weight, title_mask) * self.settings.title_weight
        for i in np.flatnonzero(titles > 0):
            paper_id = keywords.paper_ids[int(i)]
            if paper_id not in papers:
                first = keywords.first_chunk(paper_id)
                papers[paper_id] = Ranked(
                    paper_id, 0.0, [Passage(chunk_id=first.chunk_id, text=first.text, score=0.0)]
                )
            papers[paper_id].score += float(titles[i])
        return sorted(papers.values(), key=lambda r: -r.score)

    def fuse(self, dense: list[Ranked], lexical: list[Ranked]) -> list[Ranked]:
        """Weighted sum of each ranking's min-max normalized paper scores (a convex combination,
        as in Bruch et al., 2023). Unlike rank fusion it keeps how far ahead of the rest a
        retriever puts its best papers, so a confident retriever is not outvoted by a ranking
        that merely lists other papers first. A paper one retriever missed gets 0 from it."""
        fused: dict[str, Ranked] = {}
        passage_score: dict[str, float] = {}
        for ranking, weight in ((dense, self.settings.dense_weight), (lexical, self.settings.bm25_weight)):
            for item, share in zip(ranking, normalized([r.score for r in ranking]), strict=True):
                entry = fused.setdefault(item.paper_id, Ranked(item.paper_id, 0.0))
                entry.score += weight * share
                for p_rank, passage in enumerate(item.passages, 1):
                    if passage.chunk_id not in passage_score:
                        entry.passages.append(passage)
                    # a passage both retrievers rank sums its two shares, so it comes first
                    passage_score[passage.chunk_id] = (
                        passage_score.get(passage.chunk_id, 0.0) + weight * share / p_rank
                    )
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


def normalized(scores: list[float]) -> list[float]:
    """Scores mapped onto 0..1 by the lowest and highest of the list (all 1 when they tie)."""
    if not scores:
        return []
    low, high = min(scores), max(scores)
    return [(score - low) / (high - low) if high > low else 1.0 for score in scores]


def mask(keep: set[str], paper_ids: list[str]) -> np.ndarray:
    """1 where the paper is allowed, 0 elsewhere: BM25 scores are multiplied by it."""
    return np.array([paper_id in keep for paper_id in paper_ids], dtype=np.float32)


def group_by_paper(hits: list[tuple[str, Passage]]) -> list[Ranked]:
    """Chunk hits (best first) to papers ranked by their best chunk."""
    papers: dict[str, Ranked] = {}
    for paper_id, passage in hits:
        entry = papers.setdefault(paper_id, Ranked(paper_id, passage.score))
        entry.passages.append(passage)
    return sorted(papers.values(), key=lambda r: -r.score)
