"""What stands between the network and the assistant: where the server may bind, API keys
(checked in constant time), request body size, and how many answers are computed at once.

The key and body checks are one ASGI middleware over the API and MCP paths (`/v1`, `/mcp`); the
web app keeps its own login. The concurrency `Gate` is used by the handlers that compute answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperlens.config import ApiSettings
from paperlens.errors import ConfigError

GUARDED_PREFIXES = ("/v1", "/mcp")


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind(host: str, keys: list[SecretStr]) -> None:
    """Refuse to serve beyond this machine without API keys."""
    if not is_loopback(host) and not keys:
        raise ConfigError(
            f"Refusing to listen on {host} without API keys: anyone on the network could use the "
            "server. Set PAPERLENS_API_KEYS (comma-separated keys) or bind 127.0.0.1."
        )


class KeyChecker:
    """Bearer tokens compared with every configured key in constant time."""

    def __init__(self, keys: list[SecretStr]) -> None:
        self._keys = [key.get_secret_value().encode("utf-8") for key in keys]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def accepts(self, authorization: str | None) -> bool:
        if not self._keys:
            return True
        scheme, _, token = (authorization or "").partition(" ")
        offered = token.strip().encode("utf-8")
        # Compare with all keys (no early exit) so timing says nothing about which key is close.
        matches = [hmac.compare_digest(offered, key) for key in self._keys]
        return scheme.lower() == "bearer" and any(matches)


def error_payload(message: str, kind: str, code: str) -> dict[str, Any]:
    """The OpenAI error shape."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


async def send_json(send: Send, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
    body = json.dumps(payload).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware for the API and MCP paths: 401 without a valid key, 413 for a body over
    the limit (read before the app sees it, so no handler ever holds an oversized body)."""

    def __init__(self, app: ASGIApp, keys: KeyChecker, max_body_bytes: int) -> None:
        self.app, self.keys, self.max_body_bytes = app, keys, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] != "OPTIONS" and not self.keys.accepts(headers.get("authorization")):
            message = (
                "Missing or invalid API key. Send 'Authorization: Bearer <key>' "
                "with a key from PAPERLENS_API_KEYS."
            )
            payload = error_payload(message, "invalid_request_error", "invalid_api_key")
            await send_json(send, 401, payload, {"www-authenticate": "Bearer"})
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self.too_large(send)
            return
        body = await self.read_body(receive)
        if body is None:
            await self.too_large(send)
            return
        await self.app(scope, replay(body, receive), send)

    async def read_body(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None once they exceed the limit."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away; the app sees the disconnect
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def too_large(self, send: Send) -> None:
        message = (
            f"The request body is larger than {self.max_body_bytes} bytes (PAPERLENS_API_MAX_BODY_BYTES)."
        )
        await send_json(send, 413, error_payload(message, "invalid_request_error", "request_too_large"), {})


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that hands out the buffered body first, then waits on the real one."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


class Busy(Exception):
    """More requests than the server answers at once plus those allowed to wait."""


class Gate:
    """At most `running` answers are computed at once and at most `waiting` more wait for a slot;
    a request beyond that is refused at once (429) instead of queueing without bound."""

    def __init__(self, running: int, waiting: int) -> None:
        self.limit = running + waiting
        self.admitted = 0  # only touched from the event loop, so no lock
        self._slots = anyio.Semaphore(running)

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> Gate:
        return cls(settings.concurrency, settings.queue)

    def admit(self) -> None:
        """Count a request in, or raise Busy; pair with `run_admitted`."""
        if self.admitted >= self.limit:
            raise Busy
        self.admitted += 1

    @asynccontextmanager
    async def run_admitted(self) -> AsyncIterator[None]:
        """Hold a slot for an admitted request (waiting for one if needed), then count it out."""
        try:
            async with self._slots:
                yield
        finally:
            self.admitted -= 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.admit()
        async with self.run_admitted():
            yield
