"""Test doubles: a scripted LLM with a response queue and a call history."""

from __future__ import annotations

from collections import deque
from typing import Any

from llama_index.core.llms import (
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

from paperlens.providers import LLMClient


class ScriptedLLM(CustomLLM):
    """Replies with queued responses, in order, and records every prompt it was sent.

    Queue a string to reply with it, or an exception instance to raise it. Streaming replies
    arrive word by word. An empty queue is a test error, not a silent default.
    """

    _queue: deque[Any] = PrivateAttr(default_factory=deque)
    _history: list[str] = PrivateAttr(default_factory=list)

    def enqueue(self, *responses: str | Exception) -> ScriptedLLM:
        self._queue.extend(responses)
        return self

    @property
    def history(self) -> list[str]:
        return self._history

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted-llm", is_chat_model=False)

    def _next(self, prompt: str) -> str:
        self._history.append(prompt)
        if not self._queue:
            raise AssertionError(f"ScriptedLLM got a call with nothing queued:\n{prompt[:500]}")
        response = self._queue.popleft()
        if isinstance(response, Exception):
            raise response
        return response

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = self._next(prompt)

        def gen() -> CompletionResponseGen:
            sent = ""
            for piece in text.split(" "):
                delta = piece if not sent else " " + piece
                sent += delta
                yield CompletionResponse(text=sent, delta=delta)

        return gen()


def scripted_client(*responses: str | Exception) -> tuple[LLMClient, ScriptedLLM]:
    """An LLMClient over a ScriptedLLM, with no backoff so retry tests are instant."""
    llm = ScriptedLLM().enqueue(*responses)
    return LLMClient(llm, endpoint="scripted://fake", max_retries=2, backoff=0.0), llm
