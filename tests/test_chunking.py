"""Chunking: every chunk fits the embedder's input limit by its own token counter, nothing is lost."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from paperlens.index.chunking import chunk_paper
from paperlens.index.corpus import make_paper_id, read_papers
from paperlens.providers import HashEmbedding
from paperlens.types import Paper

TINY_PAPERS = Path(__file__).parent / "data" / "tiny_papers.jsonl"
count_tokens = HashEmbedding().count_tokens


def paper(abstract: str, title: str = "A Study of Long Inputs") -> Paper:
    return Paper(paper_id=make_paper_id(title), title=title, abstract=abstract)


def body_words(chunks: list, title: str) -> set[str]:
    return {word for chunk in chunks for word in chunk.text.removeprefix(title).split()}


@pytest.mark.parametrize("max_tokens", [32, 48, 256])
def test_tiny_corpus_chunks_fit_and_start_with_the_title(max_tokens: int) -> None:
    for item in read_papers([TINY_PAPERS]):
        chunks = chunk_paper(item, count_tokens, max_tokens)
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert all(count_tokens(c.text) <= max_tokens for c in chunks)
        assert all(c.text.startswith(item.title + "\n") for c in chunks)
        assert body_words(chunks, item.title) == set(item.abstract.split())
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        if max_tokens == 256:
            assert len(chunks) == 1


def test_consecutive_chunks_share_one_sentence() -> None:
    sentences = [f"Sentence number {i} says one small thing about topic {i}." for i in range(12)]
    chunks = chunk_paper(paper(" ".join(sentences)), count_tokens, 40)
    assert len(chunks) >= 3
    bodies = [c.text.split("\n", 1)[1] for c in chunks]
    for before, after in itertools.pairwise(bodies):
        last = re.findall(r"Sentence number \d+ [^.]*\.", before)[-1]
        assert after.startswith(last)


def test_one_very_long_sentence_is_cut_into_fitting_pieces() -> None:
    words = [f"word{i}" for i in range(2000)]
    long_paper = paper(" ".join(words) + ".")
    chunks = chunk_paper(long_paper, count_tokens, 32)
    assert len(chunks) > 60
    assert max(count_tokens(c.text) for c in chunks) <= 32
    assert body_words(chunks, long_paper.title) >= set(words[:-1])


def test_sentence_with_uneven_token_density_still_fits() -> None:
    # Hyphenated words count as many tokens each: cutting by the average word would overflow.
    dense_words = ["alpha-beta-gamma-delta-epsilon-zeta-eta-theta"] * 60
    long_paper = paper(" ".join([*dense_words, *[f"plain{i}" for i in range(400)]]) + ".")
    for max_tokens in (32, 64, 256):
        chunks = chunk_paper(long_paper, count_tokens, max_tokens)
        assert max(count_tokens(c.text) for c in chunks) <= max_tokens


def test_a_single_word_longer_than_the_limit_is_cut_too() -> None:
    monster = "-".join(f"t{i}" for i in range(300))
    long_paper = paper(f"Short start. {monster} ends here.")
    chunks = chunk_paper(long_paper, count_tokens, 32)
    assert max(count_tokens(c.text) for c in chunks) <= 32
    assert "".join(c.text.split("\n", 1)[1] for c in chunks).count("t299") == 1


def test_an_absurdly_long_title_is_shortened_in_chunks_only() -> None:
    title = " ".join(f"Title{i}" for i in range(100))
    long_paper = paper("We study things. We find more things.", title=title)
    chunks = chunk_paper(long_paper, count_tokens, 32)
    assert max(count_tokens(c.text) for c in chunks) <= 32
    assert all(c.text.startswith("Title0 Title1") for c in chunks)
    assert long_paper.title == title


def test_chunk_ids_follow_the_embedded_text() -> None:
    record = json.loads(TINY_PAPERS.read_text(encoding="utf-8").splitlines()[0])
    base = paper(record["abstract"], record["title"])
    same_text = base.model_copy(update={"year": 1999, "sources": ["other.txt"], "date": "Jan 1"})
    other_text = base.model_copy(update={"abstract": base.abstract + " One more sentence."})
    ids = [c.chunk_id for c in chunk_paper(base, count_tokens, 256)]
    assert ids == [c.chunk_id for c in chunk_paper(same_text, count_tokens, 256)]
    assert ids != [c.chunk_id for c in chunk_paper(other_text, count_tokens, 256)]
    assert all(chunk_id.startswith(base.paper_id + "-") for chunk_id in ids)


def test_stemming_is_thread_safe() -> None:
    """Each thread has its own stemmer: many threads stemming at once agree with one thread."""
    from concurrent.futures import ThreadPoolExecutor

    from paperlens.text import stem

    words = ["pruning", "pruned", "transformers", "networks", "quantization", "learning"] * 200
    expected = [stem(word) for word in words]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda chunk: [stem(w) for w in chunk], [words] * 16))
    assert all(result == expected for result in results)
