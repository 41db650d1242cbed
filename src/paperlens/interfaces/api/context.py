"""What every API handler gets: the assistant (built on first use), the settings, and the gate
that bounds how many answers are computed at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread
from fastapi import Request

from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import Settings
from paperlens.interfaces.api.errors import ApiError
from paperlens.interfaces.api.security import Busy, Gate

T = TypeVar("T")
MODEL_ID = "paperlens"


@dataclass
class ApiContext:
    get_assistant: Callable[[], AssistantProtocol]  # builds on first use, retries after a failure
    settings: Settings
    gate: Gate

    def assistant(self) -> AssistantProtocol:
        return self.get_assistant()

    def busy(self) -> ApiError:
        seconds = str(self.settings.api.retry_after)
        message = f"The server is answering as many requests as it can; retry in {seconds} s."
        return ApiError(429, message, "rate_limit_exceeded", "rate_limit_error", retry_after=seconds)

    def admit(self) -> None:
        try:
            self.gate.admit()
        except Busy:
            raise self.busy() from None

    async def compute(self, work: Callable[[], T]) -> T:
        """Run blocking assistant work in a worker thread, within the concurrency limit."""
        self.admit()
        async with self.gate.run_admitted():
            return await anyio.to_thread.run_sync(work)

    def model_ids(self) -> list[str]:
        """`paperlens`, and the configured LLM's name (or `extractive`) as an alias of it."""
        return list(dict.fromkeys([MODEL_ID, self.assistant().model_name]))


class Lazy:
    """The assistant built on first use, once, by whichever thread asks first; a failed build is
    retried by the next caller (the index may appear later). The web app's `AssistantProvider`
    does the same; this one spares `paperlens mcp` importing the web app."""

    def __init__(self, build: Callable[[], AssistantProtocol]) -> None:
        self._build, self._lock = build, threading.Lock()
        self._assistant: AssistantProtocol | None = None

    def __call__(self) -> AssistantProtocol:
        with self._lock:
            if self._assistant is None:
                self._assistant = self._build()
            return self._assistant


def api_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.paperlens
    return context
