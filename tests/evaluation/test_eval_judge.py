"""The LLM judge with a scripted model: strict JSON, retries, 'undetermined', the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_fakes import QUESTIONS, make_answer

from fakes import scripted_client
from paperlens.errors import LLMError
from paperlens.evaluation.dataset import GoldQuestion
from paperlens.evaluation.judge import UNDETERMINED, Judge, parse_verdict
from paperlens.evaluation.judge_cache import VerdictCache
from paperlens.evaluation.judge_metrics import claim_of, judge_answer

ROOT = Path(__file__).resolve().parents[2]
SUPPORTED = '{"verdict": "supported", "reason": "stated"}'
NOT_SUPPORTED = '{"verdict": "not_supported", "reason": "absent"}'


def make_judge(*responses: str | Exception, cache_dir: Path | None = None):  # type: ignore[no-untyped-def]
    client, llm = scripted_client(*responses)
    judge = Judge.load(client, ROOT / "prompts", cache_dir, {"temperature": 0.0})
    return judge, llm


def test_valid_json_verdict() -> None:
    judge, llm = make_judge(SUPPORTED)
    verdict = judge.support("ResNet-50 reaches 77.33%.", ["It reaches 77.33% with ResNet-50."])
    assert (verdict.label, verdict.reason, verdict.attempts) == ("supported", "stated", 1)
    assert len(llm.history) == 1
    assert "77.33% with ResNet-50" in llm.history[0] and "ResNet-50 reaches 77.33%." in llm.history[0]


def test_malformed_then_valid_retries_with_a_note() -> None:
    judge, llm = make_judge("Sure! It is supported.", '```json\n{"verdict": "not_supported"}\n```')
    verdict = judge.support("claim", ["source"])
    assert verdict.label == "not_supported" and verdict.attempts == 2
    assert "could not be used: it is not valid JSON" in llm.history[1]
    assert judge.stats.calls == 2


def test_always_malformed_ends_undetermined() -> None:
    judge, llm = make_judge('{"verdict": "maybe"}', "[1, 2]", "no")
    verdict = judge.correctness("q", "reference", "answer")
    assert verdict.label == UNDETERMINED and not verdict.determined
    assert "no usable reply" in verdict.reason
    assert len(llm.history) == 3 and llm.pending == 0
    assert judge.stats.undetermined == 1


def test_cache_hit_makes_no_llm_call(tmp_path: Path) -> None:
    first, _ = make_judge(SUPPORTED, cache_dir=tmp_path)
    assert first.support("claim", ["source"]).label == "supported"
    again, idle = make_judge(cache_dir=tmp_path)  # nothing queued: any call would fail
    verdict = again.support("claim", ["source"])
    assert verdict.label == "supported" and verdict.cached
    assert idle.history == [] and again.stats.cache_hits == 1


def test_cache_key_covers_prompt_model_and_parameters(tmp_path: Path) -> None:
    judge, _ = make_judge(SUPPORTED, NOT_SUPPORTED, cache_dir=tmp_path)
    judge.support("claim", ["source"])
    judge.parameters = {**judge.parameters, "temperature": 0.7}
    assert judge.support("claim", ["source"]).label == "not_supported"  # new key, new call
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_undetermined_verdicts_are_cached_too(tmp_path: Path) -> None:
    judge, _ = make_judge("x", "y", "z", cache_dir=tmp_path)
    judge.support("claim", ["source"])
    again, idle = make_judge(cache_dir=tmp_path)
    assert again.support("claim", ["source"]).label == UNDETERMINED and idle.history == []


def test_endpoint_failures_raise_and_are_not_cached(tmp_path: Path) -> None:
    judge, _ = make_judge(
        ConnectionError("refused"), ConnectionError("refused"), ConnectionError("x"), cache_dir=tmp_path
    )
    with pytest.raises(LLMError):
        judge.support("claim", ["source"])
    assert list(tmp_path.rglob("*.json")) == []


def test_unreadable_cache_entry_is_judged_again(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("ab" + "0" * 62, {"label": "supported"})
    cache.path("ab" + "0" * 62).write_text("{broken")
    assert cache.get("ab" + "0" * 62) is None


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("", "not valid JSON"),
        ('"supported"', "not a JSON object"),
        ('{"label": "supported"}', '"verdict" must be one of'),
        ('{"verdict": "supported"} trailing', "not valid JSON"),
    ],
)
def test_parse_verdict_is_strict(reply: str, problem: str) -> None:
    verdict, error = parse_verdict(reply, ("supported", "not_supported"))
    assert verdict is None and problem in error


def test_claims_lose_their_markers() -> None:
    assert claim_of("X improves Y by 3% [1][2], unlike Z [3, 4].") == "X improves Y by 3%, unlike Z."


def test_judge_answer_runs_alce_and_correctness() -> None:
    gold = GoldQuestion.model_validate(QUESTIONS[1])
    answer = make_answer(
        gold.question,
        sources=["p2", "x1"],
        sentences=[("Sparse attention [1][2].", [1, 2], True), ("Federated [2].", [2], False)],
    )
    # s1 joint yes, [1] alone yes, [2] alone no, rest {1} yes -> [2] irrelevant; s2 no.
    judge, llm = make_judge(
        SUPPORTED, SUPPORTED, NOT_SUPPORTED, NOT_SUPPORTED, '{"verdict": "partially_correct"}'
    )
    outcome = judge_answer(answer, gold, judge)
    assert outcome.metrics == {
        "alce_citation_recall": 0.5,
        "alce_citation_precision": pytest.approx(1 / 3),
        "judge_correctness": 0.5,
        "judge_undetermined_rate": 0.0,
    }
    assert outcome.sentence_support == [True, False]
    assert outcome.labels["correctness"] == "partially_correct"
    assert llm.pending == 0 and len(llm.history) == 5  # memoized: {1} is asked once


def test_refused_answers_get_correctness_only() -> None:
    gold = GoldQuestion.model_validate(QUESTIONS[2])
    answer = make_answer(gold.question, text="The collection does not say.", refused=True)
    judge, llm = make_judge(json.dumps({"verdict": "correct", "reason": "declines as it should"}))
    outcome = judge_answer(answer, gold, judge)
    assert outcome.metrics["alce_citation_recall"] is None
    assert outcome.metrics["judge_correctness"] == 1.0
    assert len(llm.history) == 1
