"""The support checker alone: does the paper a sentence cites say it? (Hash embeddings: FAKE
vectors from hashed words, which still rank texts that share words as close.)"""

from __future__ import annotations

from pathlib import Path

from fakes import scripted_client
from paperlens.answering.citations import AnswerSentence
from paperlens.answering.sentence_bank import SentenceBank
from paperlens.answering.support import SupportChecker, numbers_in
from paperlens.config import TuningSettings
from paperlens.errors import LLMError
from paperlens.prompts import PromptLibrary
from paperlens.providers import HashEmbedding
from paperlens.types import Paper

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
PRUNING = Paper(
    paper_id="p1",
    title="Pruning Attention Heads in Transformers",
    abstract=(
        "We study pruning of attention heads in transformer language models. Removing 40% of heads "
        "keeps accuracy within 1 point on GLUE. Our pruned models run 1.8x faster at inference."
    ),
)
DISTILLATION = Paper(
    paper_id="p2",
    title="Knowledge Distillation for Compact Image Classifiers",
    abstract=(
        "Knowledge distillation transfers knowledge from a large teacher network to a small student "
        "network. The student reaches 74.2% top-1 accuracy on ImageNet."
    ),
)


def checker(**tuning: float) -> SupportChecker:
    return SupportChecker(SentenceBank(HashEmbedding()), TuningSettings(**tuning))  # type: ignore[arg-type]


def test_a_quoted_sentence_is_supported_by_its_paper() -> None:
    [check] = checker().check(
        [AnswerSentence("Removing 40% of heads keeps accuracy within 1 point on GLUE.", [1])], {1: PRUNING}
    )
    assert check.supported and check.support is not None and check.support > 0.9
    assert check.evidence == "Removing 40% of heads keeps accuracy within 1 point on GLUE."
    assert check.citation_support == {1: check.support}


def test_a_sentence_citing_the_wrong_paper_is_not_supported() -> None:
    sentence = AnswerSentence("The student reaches 74.2% top-1 accuracy on ImageNet.", [1])
    [wrong] = checker().check([sentence], {1: PRUNING})
    [right] = checker().check([sentence], {1: DISTILLATION})
    assert not wrong.supported and right.supported
    assert wrong.support is not None and right.support is not None and wrong.support < right.support


def test_an_invented_number_cuts_the_score() -> None:
    true = AnswerSentence("Our pruned models run 1.8x faster at inference.", [1])
    invented = AnswerSentence("Our pruned models run 7.5x faster at inference.", [1])
    [kept, cut] = checker().check([true, invented], {1: PRUNING})
    assert kept.support is not None and cut.support is not None
    assert cut.support <= kept.support * 0.5 + 1e-9
    [lenient] = checker(unknown_number_factor=1.0).check([invented], {1: PRUNING})
    assert lenient.support is not None and lenient.support > cut.support


def test_each_citation_is_scored_alone_and_together() -> None:
    sentence = AnswerSentence(
        "Pruning heads keeps GLUE accuracy; distillation trains a student network.", [1, 2]
    )
    [check] = checker().check([sentence], {1: PRUNING, 2: DISTILLATION})
    assert set(check.citation_support) == {1, 2}
    assert check.support is not None and check.support >= max(check.citation_support.values())


def test_sentences_without_known_citations_get_no_score() -> None:
    checks = checker().check(
        [AnswerSentence("An uncited remark.", []), AnswerSentence("Cites nothing known.", [9])], {1: PRUNING}
    )
    assert [(c.support, c.supported, c.citations) for c in checks] == [(None, False, []), (None, False, [9])]


def test_the_threshold_decides_supported() -> None:
    sentence = AnswerSentence("Transformer language models are pruned.", [1])
    [loose] = checker(support_threshold=0.0).check([sentence], {1: PRUNING})
    [strict] = checker(support_threshold=1.0).check([sentence], {1: PRUNING})
    assert loose.supported and not strict.supported


def test_the_llm_verdict_decides_when_configured() -> None:
    prompts = PromptLibrary.load(PROMPTS, {"system": set(), "support_check": {"sentence", "sources"}})
    client, llm = scripted_client("NOT SUPPORTED", "SUPPORTED")
    judged = SupportChecker(SentenceBank(HashEmbedding()), TuningSettings(), client, prompts)
    quoted = AnswerSentence("Removing 40% of heads keeps accuracy within 1 point on GLUE.", [1])
    weak = AnswerSentence("Heads matter less than layers.", [1])
    first, second = judged.check([quoted, weak], {1: PRUNING})
    assert (first.supported, first.method) == (False, "llm") and (second.supported, second.method) == (
        True,
        "llm",
    )
    assert len(llm.history) == 2 and "Removing 40% of heads" in llm.history[0]


def test_an_llm_failure_keeps_the_offline_verdicts() -> None:
    prompts = PromptLibrary.load(PROMPTS, {"system": set(), "support_check": {"sentence", "sources"}})
    failing = LLMError("scripted://fake", "down")
    client, _ = scripted_client(failing, failing, failing)
    judged = SupportChecker(SentenceBank(HashEmbedding()), TuningSettings(), client, prompts)
    [check] = judged.check(
        [AnswerSentence("Our pruned models run 1.8x faster at inference.", [1])], {1: PRUNING}
    )
    assert check.supported and check.method == "lexical+embedding"


def test_numbers_are_read_without_digit_group_commas() -> None:
    assert numbers_in("It used 3,072 GPUs at 52.5% and version v2") == {"3072", "52.5"}
