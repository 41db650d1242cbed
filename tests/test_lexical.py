"""Keyword terms and acronyms (index/lexical.py) and the keyword index (index/keywords.py),
over FAKE papers written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperlens.index.chunking import chunk_text
from paperlens.index.keywords import KeywordIndex
from paperlens.index.lexical import Acronyms, acronym_key, find_acronyms, joined_pairs, long_form, terms
from paperlens.types import Chunk, Paper


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("pre-training", "pretraining"),
        ("pre-training", "pre training"),
        ("8-bit weights", "8 bit weights"),
        ("8-bit weights", "8bit weights"),
        ("ResNet-50", "ResNet50"),
        ("on-device", "on device"),
    ],
)
def test_spellings_of_one_word_share_a_term(one: str, other: str) -> None:
    assert set(terms(one)) & set(terms(other) + joined_pairs(other))


def test_terms_keep_stems_and_drop_stop_words() -> None:
    assert terms("The pruned models of the pruning study") == ["prune", "model", "prune"]
    assert terms("pre-training") == ["pretrain", "pre", "train"]
    assert terms("a 3.5 GB model") == ["3.5", "3.5gb", "gb", "model"]
    assert terms("") == []


def test_joined_pairs_are_neighbouring_words_as_one() -> None:
    assert joined_pairs("pre training on device") == ["pretrain", "trainingon", "ondevic"]
    assert joined_pairs("single") == []


@pytest.mark.parametrize(
    ("short", "key"),
    [
        ("ViT", "vit"),
        ("LLMs", "llm"),
        ("KD", "kd"),
        ("S-KAN", "s-kan"),
        ("Adam", None),
        ("a", None),
        ("42", None),
    ],
)
def test_what_counts_as_an_acronym(short: str, key: str | None) -> None:
    assert acronym_key(short) == key


def test_long_forms_are_found_by_their_initials() -> None:
    assert long_form("ViT", "we pretrain a Vision Transformer") == "Vision Transformer"
    assert long_form("LLM", "Large language models") == "Large language models"
    assert long_form("KD", "in this paper. Knowledge distillation") == "Knowledge distillation"
    assert long_form("XYZ", "nothing that spells it") is None
    assert long_form("KD", "the first sentence ends with knowledge. distillation") is None  # not across


def test_acronyms_defined_in_the_texts() -> None:
    found = find_acronyms(
        [
            "We train a Vision Transformer (ViT) on images. Vision Transformers (ViTs) scale.",
            "Large language models (LLMs) are costly; Large Language Models (LLMs) again.",
            "Results (see Table 2) and a score (p < 0.05) are no acronyms.",
        ]
    )
    assert found == {"llm": ["large language models"], "vit": ["vision transformer", "vision transformers"]}


def test_queries_gain_the_other_side_of_an_acronym() -> None:
    acronyms = Acronyms({"vit": ["vision transformer"], "llm": ["large language models"]})
    assert acronyms.expand("How robust are ViTs?") == ["vision", "transform"]
    assert acronyms.expand("pruning large language models") == ["llm"]
    assert acronyms.expand("a vit of lower case is not read as an acronym") == []


# ---------------------------------------------------------------- the keyword index

PAPERS = [  # FAKE papers
    Paper(
        paper_id="vit",
        title="Robust Vision Transformers",
        abstract="We train a Vision Transformer (ViT) with 8-bit weights. Pre-training helps.",
    ),
    Paper(paper_id="kd", title="Distilling Students", abstract="A teacher network trains a student network."),
    Paper(paper_id="title", title="Glacier Radar", abstract="Measurements of ice from the air."),
]


def index_of(papers: list[Paper]) -> KeywordIndex:
    chunks = [
        Chunk(
            chunk_id=f"{p.paper_id}-0",
            paper_id=p.paper_id,
            position=0,
            text=chunk_text(p.title, [p.abstract]),
        )
        for p in papers
    ]
    return KeywordIndex.build(papers, chunks)


def best(index: KeywordIndex, query: str) -> str:
    own, extra = index.query_terms(query)
    scores = index.score_chunks(own, extra, 0.5) + index.score_titles(own, extra, 0.5)
    return index.paper_ids[int(scores.argmax())]


@pytest.mark.parametrize(
    "query", ["vit with 8 bit weights", "pretraining of a ViT", "vision transformer", "pre training"]
)
def test_other_spellings_find_the_paper(query: str) -> None:
    assert best(index_of(PAPERS), query) == "vit"


def test_titles_and_abstracts_are_separate_fields() -> None:
    index = index_of(PAPERS)
    own, extra = index.query_terms("glacier")
    assert index.score_chunks(own, extra, 0.5).max() == 0  # the title is not in the abstract field
    assert index.paper_ids[int(index.score_titles(own, extra, 0.5).argmax())] == "title"


def test_masks_and_unknown_terms() -> None:
    index = index_of(PAPERS)
    own, extra = index.query_terms("teacher student")
    masked = index.score_chunks(own, extra, 0.5, mask=index.score_chunks(own, extra, 0.5) == 0)
    assert masked.max() == 0
    own, extra = index.query_terms("zeppelin")
    assert index.score_chunks(own, extra, 0.5).max() == 0


def test_save_and_load_give_the_same_scores(tmp_path: Path) -> None:
    index = index_of(PAPERS)
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path, index.chunks, index.paper_ids)
    own, extra = loaded.query_terms("ViT pre training")
    assert (loaded.score_chunks(own, extra, 0.5) == index.score_chunks(own, extra, 0.5)).all()
    assert (loaded.score_titles(own, extra, 0.5) == index.score_titles(own, extra, 0.5)).all()
    assert loaded.acronyms.long_forms == {"vit": ["vision transformer"]}
