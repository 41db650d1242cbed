"""What `providers.LLMClient` guards every call with.

Deadlines. An HTTP read timeout bounds only the wait between two reads: a server that sends a
`: keep-alive` line every few seconds, or trickles a body a byte at a time, never trips it.
So a call runs in a worker thread and the caller waits for it with a clock (`Deadline`): the
first token must come within one limit and the whole reply within another. When the caller
stops waiting, the worker's connection is closed at its next read (`check_reply` makes the body
stop), so it does not keep a connection and a thread busy for as long as the server talks.

Replies. A 200 reply that is not a chat completion (a gateway's HTML page, a JSON body cut
short, some other JSON) is refused as a `MalformedReply` (`check_reply`) instead of turning into
an empty answer.
"""

from __future__ import annotations

import contextvars
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """A call passed one of its deadlines; the message names the setting."""


class MalformedReply(Exception):
    """A reply that is not an OpenAI chat completion (or has no text)."""


class CallAbandoned(Exception):
    """Raised in a worker whose caller stopped waiting, to close its connection."""


@dataclass
class Deadline:
    """The clock of one call: the first token within `first_token` seconds of the start, and
    everything within `total`. Retries and their back-off count against the same clock."""

    first_token: float
    total: float
    started: float = field(default_factory=time.monotonic)
    got_token: bool = False

    def limit(self) -> float:
        """The monotonic time by which the next thing must have arrived."""
        total = self.started + self.total
        return total if self.got_token else min(total, self.started + self.first_token)

    def remaining(self) -> float:
        return self.limit() - time.monotonic()

    def exceeded(self) -> DeadlineExceeded:
        if not self.got_token and self.first_token < self.total:
            return DeadlineExceeded(f"no reply text within {self.first_token:g} s (llm.first_token_timeout)")
        return DeadlineExceeded(f"the reply took longer than {self.total:g} s (llm.total_timeout)")


class _Call:
    """What the response hook needs to know about the call its thread is running."""

    def __init__(self) -> None:
        self.abandoned = threading.Event()
        self.responses: list[httpx.Response] = []

    def close_responses(self) -> None:
        """Close every response of the call in its own thread. Left to the garbage collector,
        an unfinished openai stream (a reference cycle) closes its response in whichever thread
        happens to collect it, and httpcore then takes its pool lock there: if that thread
        holds the lock already, as it does while it hands out a connection, it deadlocks."""
        for response in self.responses:
            response.close()


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("paperlens_llm_call", default=None)


def run_with_deadline(produce: Callable[[], Iterator[T]], deadline: Deadline) -> Iterator[T]:
    """The items of `produce()`, made in a worker thread, until the deadline passes: then
    DeadlineExceeded. An exception in the worker is raised here, as it was raised there."""
    items: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    call = _Call()

    def work() -> None:
        _current.set(call)
        try:
            for item in produce():
                items.put(("item", item))
                if call.abandoned.is_set():
                    return
            items.put(("end", None))
        except BaseException as error:  # handed to the caller, who decides
            items.put(("error", error))
        finally:
            call.close_responses()

    threading.Thread(target=work, name="paperlens-llm-call", daemon=True).start()
    try:
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise deadline.exceeded()
            try:
                kind, value = items.get(timeout=remaining)
            except queue.Empty:
                continue  # the loop raises, unless the limit moved on (a first token arrived)
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        call.abandoned.set()  # the deadline passed, the reply ended or the caller closed the stream


class _AbandonableStream(httpx.SyncByteStream):
    """A response body that stops at the next read once its call is abandoned."""

    def __init__(self, stream: Any, abandoned: threading.Event) -> None:
        self.stream, self.abandoned = stream, abandoned

    def __iter__(self) -> Iterator[bytes]:
        for part in self.stream:
            if self.abandoned.is_set():
                raise CallAbandoned("the caller stopped waiting for this reply")
            yield part

    def close(self) -> None:
        self.stream.close()


def check_reply(response: httpx.Response) -> None:
    """httpx response hook: make the body abandonable, and refuse a 200 reply to a completion
    request that is not a completion. (Raised here, the error reaches LLMClient wrapped in the
    openai SDK's APIConnectionError; `root_cause` unwraps it.)"""
    call = _current.get()
    if call is not None:
        call.responses.append(response)
        response.stream = _AbandonableStream(response.stream, call.abandoned)
    if response.status_code != 200 or not response.request.url.path.endswith("/completions"):
        return
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "text/event-stream":
        return  # each event is checked as it is parsed
    if not content_type.endswith("json"):
        raise MalformedReply(
            f"the server answered with {content_type or 'an untyped body'}, not a chat completion "
            "(is llm.base_url the API itself, usually ending in /v1, and not a web page or proxy?)"
        )
    response.read()
    try:
        body = json.loads(response.content)
    except ValueError:
        raise MalformedReply(
            f"the reply is not valid JSON (cut short after {len(response.content)} bytes?)"
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        error = body.get("error") if isinstance(body, dict) else None
        if error:
            message = error.get("message", error) if isinstance(error, dict) else error
            raise MalformedReply(f"the server sent an error with status 200: {short_text(str(message))}")
        raise MalformedReply("the reply is JSON but not a chat completion (it has no choices)")


def short_text(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def root_cause(error: BaseException) -> BaseException:
    """The MalformedReply or CallAbandoned behind an SDK error that wraps it, else `error`."""
    cause = error.__cause__
    return cause if isinstance(cause, MalformedReply | CallAbandoned) else error
