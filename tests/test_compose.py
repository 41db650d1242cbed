"""Offline answers composed for a reader: a lead that says what was found, the sentences that
answer per paper, a list for "which papers", comparisons side by side, records for "which has
code", and no boilerplate. (Tiny corpus with hash embeddings: FAKE vectors that still rank.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperlens.answering.assistant import Assistant
from paperlens.answering.boilerplate import is_boilerplate
from paperlens.answering.compose import match_sides
from paperlens.answering.forms import asks_for_list, comparison, count_words, record_intent, short_title
from paperlens.config import Settings
from paperlens.index.ingest import Ingester
from paperlens.index.paper_index import PaperIndex
from paperlens.providers import HashEmbedding
from paperlens.types import Answer, Paper, Turn

QUANT = "Quantization of Large Language Models to 4 Bits"
PRUNING = "Pruning Attention Heads in Transformers"
DISTILLATION = "Knowledge Distillation for Compact Image Classifiers"


def offline(settings: Settings) -> Assistant:
    settings.tuning.min_relevance = 0.1  # hashed-word vectors sit far below MiniLM's similarities
    settings.tuning.min_sentence_score = 0.2
    settings.tuning.sentence_margin = 0.5
    return Assistant.from_settings(settings, embed_model=HashEmbedding())


def body(answer: Answer) -> str:
    return answer.answer.removeprefix(answer.notice or "").strip()


def titles(answer: Answer) -> set[str]:
    return {c.title for c in answer.citations}


# ---------------------------------------------------------------- question forms


@pytest.mark.parametrize(
    ("question", "sides", "aspect"),
    [
        ("Compare ProxylessNAS and FBNet on search cost", ["ProxylessNAS", "FBNet"], "search cost"),
        ("How do ProxylessNAS and FBNet compare in search cost?", ["ProxylessNAS", "FBNet"], "search cost"),
        ("How does KAT compare to FlashKAT?", ["KAT", "FlashKAT"], ""),
        ("What is the difference between LoRA and QLoRA in memory?", ["LoRA", "QLoRA"], "memory"),
        ("BERT vs GPT-2: accuracy", ["BERT", "GPT-2"], "accuracy"),
        ("BERT vs GPT-2", ["BERT", "GPT-2"], ""),
        ("Which is cheaper, FBNet or ProxylessNAS?", ["FBNet", "ProxylessNAS"], "cheaper"),
        ("Compare A, B and C", ["A", "B", "C"], ""),
        ("compare them", [], ""),
    ],
)
def test_comparisons_name_their_sides_and_aspect(question: str, sides: list[str], aspect: str) -> None:
    form = comparison(question)
    assert form is not None and (form.sides, form.aspect) == (sides, aspect)


def test_other_forms() -> None:
    assert comparison("Which papers prune attention heads?") is None
    assert comparison("Which papers use pruning versus distillation to shrink models?") is None  # a list
    assert comparison(
        "How does pruning compare to training a much smaller model from scratch on less data?"
    ) == (comparison("compare them"))  # a description, not a name: no sides
    assert asks_for_list("Which papers prune attention heads?") and asks_for_list("List papers on KANs")
    assert not asks_for_list("Is there work on pruning attention heads?")
    assert record_intent("Which of them has code available?") == "code"
    assert record_intent("When were they listed?") == "date"
    assert record_intent("Which of them reports the best accuracy?") is None
    assert short_title("FBNet: Hardware-Aware Efficient ConvNet Design") == "FBNet"
    assert short_title("Kolmogorov-Arnold Transformer") == "Kolmogorov-Arnold Transformer"
    assert (
        count_words(3) == "Three papers" and count_words(1) == "One paper" and count_words(12) == "12 papers"
    )


def test_sides_are_matched_to_the_paper_that_names_them() -> None:
    kat = Paper(paper_id="k", title="Kolmogorov-Arnold Transformer", abstract="We introduce the (KAT).")
    flash = Paper(
        paper_id="f",
        title="FlashKAT: Understanding Bottlenecks in the Kolmogorov-Arnold Transformer",
        abstract="FlashKAT is 86.5x faster than KAT.",
    )
    sides = match_sides(["KAT", "FlashKAT", "Mixtral"], [flash, kat])
    assert [(s.name, s.paper.paper_id if s.paper else None) for s in sides] == [
        ("KAT", "k"),
        ("FlashKAT", "f"),
        ("Mixtral", None),
    ]


# ---------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        (
            "Neural Architecture Search (NAS) methods have been growing in popularity.",
            "Which papers do NAS?",
            True,
        ),
        ("Transformers have attracted much attention in vision.", "How do ViTs work?", True),
        ("Our code is available at https://github.com/x/y.", "How does it prune heads?", True),
        ("Our code is available at https://github.com/x/y.", "Where is the code?", False),
        ("We hope this paves the way for future research.", "What does it find?", True),
        ("Despite the growing popularity of MoE, little work studied CNNs.", "Which papers do MoE?", False),
        ("LLMs have achieved remarkable success, yet deep layers can be pruned.", "Pruning LLMs?", False),
        ("It reaches 74.2% top-1 accuracy.", "What accuracy?", False),
        ("Knowledge distillation transfers knowledge to a student.", "What is distillation?", False),
    ],
)
def test_boilerplate_is_framing_with_nothing_else(sentence: str, question: str, expected: bool) -> None:
    assert is_boilerplate(sentence, question) is expected


def test_boilerplate_is_never_quoted_unless_asked(settings: Settings, tmp_path: Path) -> None:
    paper = {
        "title": "Sparse Attention for Long Documents",
        "abstract": (
            "Sparse attention for long documents has been growing in popularity. "
            "We propose block-sparse attention that reads 16k-token documents. "
            "It cuts attention memory by 8x on long document summarization. "
            "Our code for sparse attention is available at https://github.com/example/sparse."
        ),
    }
    path = tmp_path / "papers.jsonl"
    path.write_text(json.dumps(paper) + "\n", encoding="utf-8")
    Ingester(settings, HashEmbedding(), progress=False).ingest([path])
    assistant = offline(settings)
    answer = assistant.ask("How does sparse attention handle long documents?")
    assert not answer.refused and answer.sentences
    assert "growing in popularity" not in answer.answer and "github.com" not in answer.answer
    asked = assistant.ask("Is the code for sparse attention on long documents available?")
    assert "github.com/example/sparse" in asked.answer


# ---------------------------------------------------------------- layouts


def test_an_answer_leads_with_what_was_found_then_each_paper(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    answer = offline(settings).ask("How much faster do models with pruned attention heads run?")
    lead, *blocks = body(answer).split("\n\n")
    count = len(answer.citations)
    assert lead.startswith(f"{count_words(count)} in the collection address")
    for citation in answer.citations:
        assert f"{short_title(citation.title)} [{citation.n}]" in lead
        assert any(block.startswith(f"**{citation.title}**") for block in blocks)
    assert lead not in {s.text for s in answer.sentences}  # the lead is not a claim from a paper


def test_which_papers_gets_a_list_of_titles_with_one_sentence_each(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    answer = offline(settings).ask("Which papers compress large language models?")
    lead, items = body(answer).split("\n\n", 1)
    assert lead == f"{count_words(len(answer.citations))} in the collection address this:"
    lines = items.splitlines()
    assert len(lines) == len(answer.citations) == len(answer.sentences)
    for line, citation in zip(lines, answer.citations, strict=True):
        assert line.startswith(f"- **{citation.title}**: ") and line.endswith(f"[{citation.n}].")
    assert QUANT in titles(answer)


def test_a_comparison_is_side_by_side_and_says_what_is_missing(
    tiny_index: PaperIndex, settings: Settings
) -> None:
    answer = offline(settings).ask("Compare quantization and knowledge distillation on accuracy")
    text = body(answer)
    assert text.startswith("Side by side on accuracy, from the abstracts of")
    assert "**quantization** (Quantization of Large Language Models to 4 Bits)" in text
    assert "**knowledge distillation** (Knowledge Distillation for Compact Image Classifiers)" in text
    assert "74.2% top-1 accuracy" in text
    assert "The collection says nothing on quantization's accuracy." in text
    assert all(s.question == "accuracy" for s in answer.sentences)  # support is measured on the aspect


def test_a_comparison_with_a_method_the_collection_lacks(tiny_index: PaperIndex, settings: Settings) -> None:
    answer = offline(settings).ask("Compare knowledge distillation and Mixtral on accuracy")
    assert "**Mixtral**\n- The collection has no paper on Mixtral." in answer.answer
    assert titles(answer) == {DISTILLATION}


def test_comparing_the_first_and_second_follow_up(tiny_index: PaperIndex, settings: Settings) -> None:
    assistant = offline(settings)
    first = assistant.ask("Which papers compress large language models?")
    turns = [Turn(question="Which papers compress large language models?", answer=first)]
    answer = assistant.ask("Compare the first and second one", history=turns)
    one, two = (c.title for c in sorted(first.citations, key=lambda c: c.n)[:2])
    assert [c.title for c in answer.citations] == [one, two]  # [1] is the first, [2] the second
    assert answer.standalone_question == f"Compare {short_title(one)} and {short_title(two)}"
    text = body(answer)
    assert text.index(f"**{short_title(one)}**") < text.index(f"**{short_title(two)}**")
    assert all(s.question and s.question.startswith("What is ") for s in answer.sentences)


def test_which_of_them_has_code_answers_from_the_links(tiny_index: PaperIndex, settings: Settings) -> None:
    assistant = offline(settings)
    first = assistant.ask("Which papers compress large language models?")
    turns = [Turn(question="Which papers compress large language models?", answer=first)]
    answer = assistant.ask("Which of them has code available?", history=turns)
    assert answer.notice is None  # nothing is quoted from an abstract
    assert titles(answer) == titles(first)
    assert "code at https://github.com/example/quant4" in answer.answer
    assert all(s.method == "index record" and s.supported for s in answer.sentences)
    assert answer.standalone_question.startswith("Which of ")
    dates = assistant.ask("When were they listed?", history=turns)
    assert "listing pages" in dates.answer and titles(dates) == titles(first)
