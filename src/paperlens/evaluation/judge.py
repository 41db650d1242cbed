"""An LLM as judge: strict JSON verdicts, bounded retries, an explicit 'undetermined', a cache.

A reply counts only if it is a JSON object (optionally inside one ``` fence) whose "verdict"
is one of the allowed labels. Anything else is answered with a note saying what was wrong,
up to `attempts` times; then the verdict is "undetermined" rather than a guess. Failures of
the endpoint itself (LLMError) are not verdicts: they stop the run, and the cache keeps what
was already judged so the rerun resumes for free.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from paperlens.evaluation.judge_cache import VerdictCache, cache_key
from paperlens.prompts import PromptLibrary

if TYPE_CHECKING:
    from paperlens.providers import LLMClient

UNDETERMINED = "undetermined"
SUPPORT_LABELS = ("supported", "not_supported")
CORRECTNESS_SCORES = {"correct": 1.0, "partially_correct": 0.5, "incorrect": 0.0}
JUDGE_PROMPTS: dict[str, set[str]] = {
    "judge_system": set(),
    "judge_support": {"claim", "passages"},
    "judge_correctness": {"question", "reference", "answer"},
    "judge_retry": {"error"},
}
FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


class Verdict(BaseModel):
    label: str
    reason: str = ""
    attempts: int = 0
    cached: bool = False

    @property
    def determined(self) -> bool:
        return self.label != UNDETERMINED


@dataclass
class JudgeStats:
    calls: int = 0
    cache_hits: int = 0
    verdicts: int = 0
    undetermined: int = 0


def parse_verdict(reply: str, allowed: Sequence[str]) -> tuple[Verdict | None, str]:
    """The verdict in a reply, or None and what is wrong with the reply."""
    text = reply.strip()
    if fenced := FENCE.match(text):
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"it is not valid JSON ({error.msg})"
    if not isinstance(data, dict):
        return None, "it is not a JSON object"
    label = data.get("verdict")
    if label not in allowed:
        return (
            None,
            f'"verdict" must be one of {", ".join(map(json.dumps, allowed))}, not {json.dumps(label)}',
        )
    reason = data.get("reason", "")
    return Verdict(label=label, reason=reason if isinstance(reason, str) else json.dumps(reason)), ""


class Judge:
    """Asks the judge model for verdicts; every verdict goes through the cache."""

    def __init__(
        self,
        client: LLMClient,
        prompts: PromptLibrary,
        cache: VerdictCache | None = None,
        attempts: int = 3,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        self.client, self.prompts, self.cache, self.attempts = client, prompts, cache, attempts
        self.parameters = {"attempts": attempts, **(parameters or {})}
        self.stats = JudgeStats()

    @classmethod
    def load(
        cls, client: LLMClient, prompts_dir: Path, cache_dir: Path | None, parameters: dict[str, Any]
    ) -> Judge:
        prompts = PromptLibrary.load(prompts_dir, JUDGE_PROMPTS)
        return cls(client, prompts, VerdictCache(cache_dir) if cache_dir else None, parameters=parameters)

    @property
    def model_name(self) -> str:
        return self.client.model_name

    def support(self, claim: str, passages: Sequence[str]) -> Verdict:
        """Does the concatenated source text entail the claim?"""
        return self.verdict("judge_support", SUPPORT_LABELS, claim=claim, passages="\n\n".join(passages))

    def correctness(self, question: str, reference: str, answer: str) -> Verdict:
        """How well the answer agrees with the reference answer."""
        return self.verdict(
            "judge_correctness",
            tuple(CORRECTNESS_SCORES),
            question=question,
            reference=reference,
            answer=answer,
        )

    def verdict(self, prompt: str, allowed: Sequence[str], **values: str) -> Verdict:
        system = self.prompts.render("judge_system")
        user = self.prompts.render(prompt, **values)
        key = cache_key(system, user, self.model_name, self.parameters)
        self.stats.verdicts += 1
        if self.cache and (record := self.cache.get(key)):
            self.stats.cache_hits += 1
            return self.count(Verdict(**record, cached=True))
        verdict = self.ask(system, user, allowed)
        if self.cache:
            self.cache.put(key, verdict.model_dump(exclude={"cached"}) | {"model": self.model_name})
        return self.count(verdict)

    def ask(self, system: str, user: str, allowed: Sequence[str]) -> Verdict:
        """Up to `attempts` calls, each retry told what was wrong with the last reply."""
        message, problem = user, ""
        for attempt in range(1, self.attempts + 1):
            self.stats.calls += 1
            verdict, problem = parse_verdict(self.client.chat(system, message), allowed)
            if verdict is not None:
                return verdict.model_copy(update={"attempts": attempt})
            message = f"{user}\n\n{self.prompts.render('judge_retry', error=problem)}"
        return Verdict(label=UNDETERMINED, reason=f"no usable reply: {problem}", attempts=self.attempts)

    def count(self, verdict: Verdict) -> Verdict:
        self.stats.undetermined += not verdict.determined
        return verdict
