"""The signals that decide a question is outside the collection or asks an unstated detail."""

from __future__ import annotations

from paperlens.answering.relevance import Vocabulary, missing_detail, unknown_names
from paperlens.text import content_words, stem
from paperlens.types import Paper

PAPERS = [
    Paper(
        paper_id="a",
        title="Megatron-LM: Training Trillion Parameter Models",
        abstract="We train a trillion parameter model at 502 petaFLOP/s speed on 3072 GPUs with Megatron-LM.",
    ),
    Paper(
        paper_id="b",
        title="Adaptive Optimizers",
        abstract="A learning rate schedule with a large batch size.",
    ),
    Paper(paper_id="c", title="ImageNet-1k Baselines", abstract="Baselines on ImageNet-1k and CIFAR."),
]


def vocabulary() -> Vocabulary:
    counts: dict[str, int] = {}
    for paper in PAPERS * 2:  # two chunks per paper
        for term in {stem(w) for w in content_words(f"{paper.title} {paper.abstract}")}:
            counts[term] = counts.get(term, 0) + 1
    for common in ("learn", "rate", "schedul", "batch", "size", "train", "model", "gpus", "baselin"):
        counts[common] = 50  # words most papers of a real collection use
    return Vocabulary(counts, total_chunks=200)


def test_unknown_names_are_names_no_paper_mentions() -> None:
    names = unknown_names(
        "What rank do LoRA adapters use on ImageNet with Megatron-LM and GPT-9?", vocabulary()
    )
    assert names == ["LoRA", "GPT-9"]


def test_first_word_and_common_words_are_not_names() -> None:
    assert unknown_names("Which baselines exist for ImageNet?", vocabulary()) == []


def test_hyphenated_names_match_their_parts() -> None:
    assert vocabulary().knows("ImageNet-1k") and vocabulary().knows("megatron-lm")


def test_named_paper_without_the_detail() -> None:
    question = "What learning rate and global batch size were used to train Megatron-LM?"
    # The optimizer paper ranks first (it talks about learning rates); the question names Megatron.
    assert missing_detail(question, [PAPERS[1], PAPERS[0]], vocabulary())


def test_named_paper_with_the_detail() -> None:
    assert not missing_detail("How fast does Megatron-LM train on GPUs?", PAPERS, vocabulary())
    assert not missing_detail("How large a model does Megatron-LM train?", PAPERS, vocabulary())


def test_questions_that_name_no_paper_or_ask_for_papers_are_not_judged() -> None:
    assert not missing_detail("What learning rate schedules exist?", PAPERS, vocabulary())
    assert not missing_detail("Which papers use Megatron-LM for dropout rates?", PAPERS, vocabulary())


def test_compounds_and_asking_verbs_are_not_the_missing_detail() -> None:
    question = "What speed did Megatron-LM reach when training a trillion-parameter model?"
    assert not missing_detail(question, PAPERS, vocabulary())


def test_vocabulary_from_texts_counts_the_texts_holding_each_stem() -> None:
    texts = [f"{p.title}\n{p.abstract}" for p in PAPERS]
    built = Vocabulary.from_texts(texts)
    assert built.total == 3
    assert built.counts["imagenet-1k"] == 1 and built.counts["train"] == 1 and built.counts["baselin"] == 1
    assert built.knows("Megatron-LM") and built.knows("ImageNet") and not built.knows("LoRA")
