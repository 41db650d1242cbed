"""Citation markers: parsing, invalid-marker removal, renumbering, streaming, answer sentences."""

from __future__ import annotations

import random

import pytest

from paperlens.answering.citations import (
    CitationRewriter,
    answer_sentences,
    cited_numbers,
    parse_marker,
    renumber,
    strip_markers,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [("1", [1]), (" 2 ", [2]), ("1, 3", [1, 3]), ("1;2", [1, 2]), ("2-4", [2, 3, 4]), ("2–3", [2, 3])],
)
def test_parse_marker_reads_lists_and_ranges(body: str, expected: list[int]) -> None:
    assert parse_marker(body) == expected


@pytest.mark.parametrize("body", ["a", "1a", "see 2", "", "x, 1"])
def test_parse_marker_rejects_other_brackets(body: str) -> None:
    assert parse_marker(body) is None


def test_renumber_orders_by_first_citation_and_drops_invalid() -> None:
    text, rewriter = renumber(
        "Heads prune well [3]. Both agree [1][3]. Made up [9]. Mixed [2, 7].", {1, 2, 3}
    )
    assert text == "Heads prune well [1]. Both agree [2][1]. Made up. Mixed [3]."
    assert rewriter.order == [3, 1, 2]
    assert rewriter.mapping == {3: 1, 1: 2, 2: 3}
    assert rewriter.invalid == [9, 7]


def test_renumber_merges_duplicates_inside_one_marker() -> None:
    text, _ = renumber("Claim [2, 2, 1].", {1, 2})
    assert text == "Claim [1][2]."


def test_non_citation_brackets_are_kept() -> None:
    text, rewriter = renumber("Arrays like [a, b] stay [1].", {1})
    assert text == "Arrays like [a, b] stay [1]."
    assert rewriter.invalid == []


def test_html_tags_are_defused_but_comparisons_kept() -> None:
    text, _ = renumber("<script>alert(1)</script> and p < 0.05 [1]", {1})
    assert "<script" not in text and "</script" not in text
    assert "‹script>" in text
    assert "p < 0.05" in text


SAMPLE = (
    "Pruning keeps accuracy [2]. Quantization [1, 3] cuts memory.\n- A list item [4]\n"
    "<img src=x onerror=alert(1)> fake [12] and [a] bracket, spaced   [3]  . End [1-2]."
)


@pytest.mark.parametrize("seed", range(25))
def test_streaming_gives_exactly_the_whole_text_result(seed: int) -> None:
    """However the model's text is cut into deltas, the streamed text equals the final text."""
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(SAMPLE)), rng.randint(1, 40)))
    pieces = [SAMPLE[a:b] for a, b in zip([0, *cuts], [*cuts, len(SAMPLE)], strict=True)]
    stream = CitationRewriter({1, 2, 3})
    streamed = "".join(stream.feed(piece) for piece in pieces) + stream.close()
    whole, rewriter = renumber(SAMPLE, {1, 2, 3})
    assert streamed == whole
    assert stream.mapping == rewriter.mapping
    assert stream.invalid == rewriter.invalid == [4, 12]


def test_stream_holds_back_an_unfinished_marker() -> None:
    rewriter = CitationRewriter({1, 2})
    assert rewriter.feed("Result [") == "Result"
    assert rewriter.feed("2") == ""
    assert rewriter.feed("] done") == " [1] done"


def test_cited_numbers_and_strip_markers() -> None:
    assert cited_numbers("a [2] b [1][2] c [3-4]") == [2, 1, 3, 4]
    assert strip_markers("A claim [1][2] here [x].") == "A claim here [x]."


def test_answer_sentences_attach_citations_and_skip_headings() -> None:
    text = (
        "### Approach\n"
        "- It prunes heads [1]. It runs faster. [2]\n"
        "**Results**\n"
        "Accuracy holds [1][2].\n"
        "Yes. No citation in this sentence."
    )
    sentences = answer_sentences(text)
    assert [(s.text, s.citations) for s in sentences] == [
        ("It prunes heads.", [1]),
        ("It runs faster.", [2]),
        ("Accuracy holds.", [1, 2]),
        ("No citation in this sentence.", []),
    ]
