"""Ingest and the on-disk index: reports, incremental updates, model checks, failure safety."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import pytest

from paperlens.config import EmbeddingSettings, Settings
from paperlens.errors import CorpusError, IndexMismatchError, IndexMissingError, StoreError
from paperlens.index.corpus import make_paper_id
from paperlens.index.ingest import Ingester, IngestReport
from paperlens.index.paper_index import SIDECAR, PaperIndex
from paperlens.index.retriever import Retriever
from paperlens.index.store import ChromaStore
from paperlens.providers import HashEmbedding
from paperlens.text import split_sentences

TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
HASH_MODEL = "hash:hash-512"
TINY = [json.loads(line) for line in TINY_PAPERS.read_text(encoding="utf-8").splitlines()]
PRUNING = make_paper_id("Pruning Attention Heads in Transformers")
DISTILL = make_paper_id("Knowledge Distillation for Compact Image Classifiers")


class RecordingEmbedding(HashEmbedding):
    """The hash embedder, remembering every text it embedded; optionally failing mid-way."""

    def __init__(self, fail_on_call: int | None = None) -> None:
        super().__init__()
        self._texts: list[str] = []
        self._calls = 0
        self._fail_on_call = fail_on_call

    @property
    def texts(self) -> list[str]:
        return self._texts

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._calls += 1
        if self._calls == self._fail_on_call:
            raise RuntimeError("embedding endpoint went away")
        self._texts.extend(texts)
        return super()._get_text_embeddings(texts)


def write_corpus(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def ingest(
    settings: Settings, paths: list[Path], embed: HashEmbedding | None = None, **kwargs
) -> IngestReport:
    return Ingester(settings, embed or HashEmbedding(), progress=False).ingest(paths, **kwargs)


def stored_ids(settings: Settings) -> set[str]:
    """Chunk ids in the collection the index's manifest points at."""
    return set(PaperIndex.load(settings).vectors().chunk_hashes())


def snapshot(settings: Settings) -> tuple[str, str, str, set[str]]:
    """Everything that makes up the index: sidecar files and the vectors in Chroma."""
    sidecar = settings.index_path / SIDECAR
    return (
        (sidecar / "manifest.json").read_text(),
        (sidecar / "papers.jsonl").read_text(),
        (sidecar / "chunks.jsonl").read_text(),
        stored_ids(settings),
    )


@pytest.fixture
def small_chunks(settings: Settings) -> Settings:
    """Tiny-corpus papers split into several chunks each."""
    settings.embedding.max_tokens = 32
    return settings


# ---------------------------------------------------------------- reports and incremental ingest


def test_first_ingest_reports_and_writes_both_halves(settings: Settings) -> None:
    report = ingest(settings, [TINY_PAPERS])
    index = PaperIndex.load(settings)
    assert (report.added, report.updated, report.removed, report.unchanged) == (10, 0, 0, 0)
    assert report.papers == len(index.papers) == 10
    assert report.chunks == report.chunks_embedded == len(index.chunks) >= 10
    assert set(index.papers) == {make_paper_id(r["title"]) for r in TINY}
    assert stored_ids(settings) == {chunk.chunk_id for chunk in index.chunks}
    assert index.embedding_model == HASH_MODEL and index.manifest.dimension == 512
    assert index.paper(PRUNING).code_urls == ["https://github.com/example/headprune"]


def test_reingest_of_the_same_papers_embeds_nothing(small_chunks: Settings) -> None:
    ingest(small_chunks, [TINY_PAPERS])
    before = snapshot(small_chunks)
    embed = RecordingEmbedding()
    report = ingest(small_chunks, [TINY_PAPERS], embed)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 10)
    assert report.chunks_embedded == 0 and embed.texts == []
    after = snapshot(small_chunks)
    assert after[1:] == before[1:]  # the manifest differs only in its build time


def test_changed_abstract_reembeds_only_that_paper(small_chunks: Settings, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "papers.jsonl", TINY)
    ingest(small_chunks, [corpus])
    old_chunks = {c.chunk_id for c in PaperIndex.load(small_chunks).chunks if c.paper_id == PRUNING}
    assert len(old_chunks) >= 2

    changed = [dict(r) for r in TINY]
    changed[0]["abstract"] = (
        "We remove whole attention heads after training. Half of the heads can go. "
        "Accuracy on GLUE drops by less than half a point. Latency falls by a third."
    )
    embed = RecordingEmbedding()
    report = ingest(small_chunks, [write_corpus(corpus, changed)], embed)

    index = PaperIndex.load(small_chunks)
    new_chunks = {c.chunk_id for c in index.chunks if c.paper_id == PRUNING}
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 9)
    chunk_texts = [t for t in embed.texts if t.startswith("Pruning Attention Heads in Transformers\n")]
    assert report.chunks_embedded == len(new_chunks) == len(chunk_texts)
    # Besides its chunks, only the changed abstract's sentences are embedded again.
    assert [t for t in embed.texts if t not in chunk_texts] == split_sentences(changed[0]["abstract"])
    stored = stored_ids(small_chunks)
    assert not old_chunks & stored, "the old chunks of the changed paper are still in Chroma"
    assert new_chunks <= stored
    assert stored == {c.chunk_id for c in index.chunks}
    assert "Latency falls by a third." in index.paper(PRUNING).abstract


def test_metadata_change_updates_the_paper_without_reembedding(settings: Settings, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "papers.jsonl", TINY)
    ingest(settings, [corpus])
    changed = [dict(r) for r in TINY]
    changed[1]["year"] = 2015
    report = ingest(settings, [write_corpus(corpus, changed)])
    assert (report.updated, report.chunks_embedded) == (1, 0)
    assert PaperIndex.load(settings).paper(DISTILL).year == 2015


def test_removed_paper_is_deleted_from_sidecar_and_chroma(settings: Settings, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "papers.jsonl", TINY)
    ingest(settings, [corpus])
    report = ingest(settings, [write_corpus(corpus, TINY[1:])])
    index = PaperIndex.load(settings)
    assert (report.removed, report.unchanged, report.papers, report.chunks_embedded) == (1, 9, 9, 0)
    assert PRUNING not in index.papers
    assert not [chunk_id for chunk_id in stored_ids(settings) if chunk_id.startswith(PRUNING)]
    assert all(chunk.paper_id != PRUNING for chunk in index.chunks)


def test_add_keeps_the_papers_already_indexed(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, [TINY_PAPERS])
    extra = write_corpus(
        tmp_path / "extra.jsonl",
        [{"title": "Contrastive Audio Pretraining", "abstract": "We pretrain audio encoders contrastively."}],
    )
    report = ingest(settings, [extra], add=True)
    index = PaperIndex.load(settings)
    assert (report.added, report.removed, report.unchanged, report.papers) == (1, 0, 10, 11)
    assert report.chunks_embedded == 1
    assert stored_ids(settings) == {chunk.chunk_id for chunk in index.chunks}

    # Without --add, the papers files given are the whole collection.
    report = ingest(settings, [extra])
    assert (report.removed, report.papers) == (10, 1)
    assert set(PaperIndex.load(settings).papers) == {make_paper_id("Contrastive Audio Pretraining")}
    assert len(stored_ids(settings)) == 1


def test_add_with_a_new_version_of_an_indexed_paper_updates_it(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, [TINY_PAPERS])
    newer = dict(TINY[0], abstract="We prune heads again, now with 60% of them removed.")
    report = ingest(settings, [write_corpus(tmp_path / "newer.jsonl", [newer])], add=True)
    assert (report.updated, report.unchanged, report.papers) == (1, 9, 10)
    paper = PaperIndex.load(settings).paper(PRUNING)
    assert paper.abstract.startswith("We prune heads again")
    assert set(paper.sources) == {"tiny_papers.jsonl", "newer.jsonl"}


def test_rebuild_embeds_everything_again(small_chunks: Settings) -> None:
    ingest(small_chunks, [TINY_PAPERS])
    before = snapshot(small_chunks)
    report = ingest(small_chunks, [TINY_PAPERS], rebuild=True)
    assert report.chunks_embedded == report.chunks == len(PaperIndex.load(small_chunks).chunks)
    assert report.added == 10
    assert snapshot(small_chunks)[1:] == before[1:]


# ---------------------------------------------------------------- embedding model checks


def test_loading_with_another_embedding_model_is_refused(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    other = settings.model_copy(update={"embedding": EmbeddingSettings()})  # the bundled model
    with pytest.raises(IndexMismatchError) as caught:
        PaperIndex.load(other)
    message = str(caught.value)
    assert "'hash:hash-512'" in message and "'bundled:all-MiniLM-L6-v2'" in message
    assert "paperlens ingest --rebuild" in message


@pytest.mark.parametrize("create", [False, True])
def test_chroma_collection_refuses_another_model(settings: Settings, create: bool) -> None:
    ingest(settings, [TINY_PAPERS])
    store = ChromaStore(settings.chroma, settings.index_path / "chroma")
    with pytest.raises(IndexMismatchError) as caught:
        store.open("bundled:all-MiniLM-L6-v2", 384, create=create)
    message = str(caught.value)
    assert "'hash:hash-512'" in message and "'bundled:all-MiniLM-L6-v2'" in message
    assert "--rebuild" in message


def test_chroma_collection_refuses_another_dimension(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    store = ChromaStore(settings.chroma, settings.index_path / "chroma")
    with pytest.raises(IndexMismatchError, match="512-dimensional vectors") as caught:
        store.open(HASH_MODEL, 768, create=True)
    assert "--rebuild" in str(caught.value)


def test_ingest_with_another_model_needs_rebuild(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    before = snapshot(settings)
    other = settings.model_copy(
        update={"embedding": EmbeddingSettings(provider="sentence-transformers", model="/models/other")}
    )
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest(other, [TINY_PAPERS])
    assert snapshot(settings) == before
    report = ingest(other, [TINY_PAPERS], rebuild=True)
    assert report.chunks_embedded == report.chunks
    assert PaperIndex.load(other).embedding_model == "sentence-transformers:/models/other"


# ---------------------------------------------------------------- failures leave the previous index


def test_bad_file_among_good_ones_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    papers_dir = tmp_path / "papers"
    papers_dir.mkdir()
    write_corpus(papers_dir / "good.jsonl", TINY)
    ingest(settings, [papers_dir])
    before = snapshot(settings)
    write_corpus(papers_dir / "more.jsonl", [{"title": "New Paper", "abstract": "New."}])
    (papers_dir / "zz_bad.jsonl").write_text('{"title": "Broken", "abs\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"zz_bad\.jsonl, line 1"):
        ingest(settings, [papers_dir])
    assert snapshot(settings) == before
    assert len(PaperIndex.load(settings).papers) == 10


@pytest.mark.parametrize("rebuild", [False, True])
def test_embedder_failing_midway_leaves_the_previous_index(
    small_chunks: Settings, tmp_path: Path, rebuild: bool
) -> None:
    ingest(small_chunks, [TINY_PAPERS])
    before = snapshot(small_chunks)
    changed = [dict(r, abstract="We also release a benchmark. " + r["abstract"]) for r in TINY]
    corpus = write_corpus(tmp_path / "changed.jsonl", changed)
    with pytest.raises(RuntimeError, match="went away"):
        ingest(small_chunks, [corpus], RecordingEmbedding(fail_on_call=2), rebuild=rebuild)
    assert snapshot(small_chunks) == before
    index = PaperIndex.load(small_chunks)
    hits = Retriever(index, HashEmbedding(), small_chunks.retrieval).search("pruning attention heads")
    assert hits[0].paper_id == PRUNING


def test_failure_after_vectors_were_added_leaves_a_searchable_index(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, [TINY_PAPERS])
    old_texts = {c.chunk_id: c.text for c in PaperIndex.load(settings).chunks}
    newcomer = {"title": "Pruning Convolution Filters", "abstract": "We prune convolution filters by norm."}
    corpus = write_corpus(tmp_path / "more.jsonl", [*TINY[1:], newcomer])

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(bm25s.BM25, "save", disk_full)
        with pytest.raises(OSError, match="No space left"):
            ingest(settings, [corpus])
    assert not list(settings.index_path.glob(".sidecar-*")), "the half-written sidecar was left behind"

    # The old sidecar is still the index; Chroma holds extra vectors it does not know about.
    index = PaperIndex.load(settings)
    assert set(index.papers) == {make_paper_id(r["title"]) for r in TINY}
    hits = Retriever(index, HashEmbedding(), settings.retrieval).search("pruning", k=10, mode="dense")
    assert hits and all(hit.paper_id in index.papers for hit in hits)
    assert all(old_texts.get(p.chunk_id) == p.text for hit in hits for p in hit.passages)

    # The next ingest that succeeds cleans up.
    report = ingest(settings, [corpus])
    assert report.removed == 1 and report.added == 1
    assert stored_ids(settings) == {c.chunk_id for c in PaperIndex.load(settings).chunks}


def test_ingest_of_no_papers_is_refused_and_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, [TINY_PAPERS])
    before = snapshot(settings)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no papers"):
        ingest(settings, [empty])
    assert snapshot(settings) == before


def test_missing_index_says_to_run_ingest(settings: Settings) -> None:
    with pytest.raises(IndexMissingError, match="paperlens ingest"):
        PaperIndex.load(settings)


def test_missing_chroma_collection_says_to_run_ingest(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    index = PaperIndex.load(settings)
    ChromaStore(settings.chroma, settings.index_path / "chroma").drop(index.manifest.collection)
    with pytest.raises(StoreError, match="paperlens ingest"):
        PaperIndex.load(settings).vectors()


def test_rebuild_fills_a_new_collection_and_drops_the_old_one(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    old = PaperIndex.load(settings).manifest.collection
    ingest(settings, [TINY_PAPERS], rebuild=True)
    new = PaperIndex.load(settings).manifest.collection
    assert new != old and new.startswith(settings.chroma.collection)
    client = ChromaStore(settings.chroma, settings.index_path / "chroma").client()
    assert [c.name for c in client.list_collections()] == [new]


def test_rebuild_that_fails_in_chroma_leaves_the_old_index_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, [TINY_PAPERS])
    before = snapshot(settings)

    def broken_add(*args: object, **kwargs: object) -> None:
        raise StoreError("the Chroma server went away")

    monkeypatch.setattr(ChromaStore, "add", broken_add)
    with pytest.raises(StoreError, match="went away"):
        ingest(settings, [TINY_PAPERS], rebuild=True)
    monkeypatch.undo()
    assert snapshot(settings) == before
    hits = Retriever(PaperIndex.load(settings), HashEmbedding(), settings.retrieval).search(
        "pruning heads", mode="dense"
    )
    assert hits and hits[0].title.startswith("Pruning")
    client = ChromaStore(settings.chroma, settings.index_path / "chroma").client()
    assert len(client.list_collections()) == 1  # the half-built collection was removed


def test_index_built_elsewhere_says_to_ingest_there(settings: Settings) -> None:
    ingest(settings, [TINY_PAPERS])
    settings.chroma.host, settings.chroma.port = "127.0.0.1", 9
    with pytest.raises(IndexMissingError, match=r"chroma server 127\.0\.0\.1:9.*paperlens ingest"):
        PaperIndex.load(settings)
