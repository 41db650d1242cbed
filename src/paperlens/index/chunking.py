"""Chunking: a paper's title plus windows of whole abstract sentences, each within the model's limit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from paperlens.text import split_sentences
from paperlens.types import Chunk, Paper


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


def chunk_body(text: str) -> str:
    """The abstract window of a chunk's text, without the title line `chunk_text` put first."""
    return text.partition("\n")[2]
