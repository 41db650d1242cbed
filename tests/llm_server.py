"""A scripted OpenAI-compatible server for tests, in its own process, stdlib only.

Run it as ``python tests/llm_server.py [--port N]``: it binds 127.0.0.1 (port 0 picks a free one)
and prints ``LISTENING <port>`` on stdout once it accepts connections. It serves

    POST /v1/chat/completions   one scripted behaviour per request (JSON or server-sent events)
    GET  /v1/models             a fixed model list
    POST /_script               append behaviours: a JSON list of objects made by the helpers below
    GET  /_requests             every request so far: method, path, headers, JSON body
    POST /_reset                forget the script and the request log

With nothing scripted, a chat request gets HTTP 418, which no client retries, so a test that
scripts too little fails loudly instead of hanging in retries.

In a test, `LLMServer.start()` launches the process and returns a handle; `stop()` ends it by
its process id (terminate, then kill if it does not exit).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from processes import stop_process

MODEL = "test-model"

# ---------------------------------------------------------------- behaviours (plain dicts, sent as JSON)


def reply(text: str, usage: dict[str, int] | None = None) -> dict[str, Any]:
    """A normal chat completion; usage defaults to word counts."""
    return {"kind": "reply", "text": text, "usage": usage}


def stream(*chunks: str) -> dict[str, Any]:
    """A streamed reply: a role chunk, one chunk per piece, a finish chunk, then [DONE]."""
    return {"kind": "stream", "chunks": list(chunks)}


def broken_stream(*chunks: str) -> dict[str, Any]:
    """A stream that sends these pieces and then drops the connection: no finish, no [DONE]."""
    return {"kind": "broken_stream", "chunks": list(chunks)}


def cut_stream(*chunks: str) -> dict[str, Any]:
    """Like broken_stream, but the body is delimited by connection close (no chunked encoding),
    so the client sees a clean end of body: only the missing finish_reason tells."""
    return {"kind": "cut_stream", "chunks": list(chunks)}


def delay(seconds: float, text: str = "too late") -> dict[str, Any]:
    """Wait before replying (longer than the client timeout, so the client gives up first)."""
    return {"kind": "delay", "seconds": seconds, "text": text}


def status(
    code: int, message: str = "scripted failure", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An HTTP error with an OpenAI-style error body."""
    return {"kind": "status", "status": code, "message": message, "headers": headers or {}}


def rate_limited(retry_after: str = "0") -> dict[str, Any]:
    return status(429, "Rate limit reached, slow down", {"Retry-After": retry_after})


# Faults: servers that misbehave in ways a client must not hang on or mistake for an answer.


def keep_alive(seconds: float = 120.0) -> dict[str, Any]:
    """A 200 event stream that sends only `: keep-alive` comments for `seconds`: never a token.
    Every read returns within the interval, so a per-read timeout never fires."""
    return {"kind": "keep_alive", "seconds": seconds, "chunks": []}


def slow_first_token(seconds: float, *chunks: str) -> dict[str, Any]:
    """A stream whose role chunk comes at once, then keep-alive comments for `seconds`, then the
    chunks and a normal finish."""
    return {"kind": "slow_first_token", "seconds": seconds, "chunks": list(chunks)}


def stall(seconds: float, *chunks: str) -> dict[str, Any]:
    """A stream that sends these chunks, then only keep-alive comments for `seconds`, and then
    ends without finishing: an answer that starts and never completes."""
    return {"kind": "stall", "seconds": seconds, "chunks": list(chunks)}


def raw_body(body: str, content_type: str = "text/html; charset=utf-8") -> dict[str, Any]:
    """A 200 reply with this body and content type whatever was asked: a gateway's HTML page,
    a JSON completion cut short, JSON that is not a completion."""
    return {"kind": "raw_body", "body": body, "content_type": content_type}


def invalid_event(*chunks: str) -> dict[str, Any]:
    """A stream with these chunks, then an event whose data is not valid JSON."""
    return {"kind": "invalid_event", "chunks": list(chunks)}


def trickle(seconds: float, text: str = "too late") -> dict[str, Any]:
    """A non-streamed completion whose body opens with whitespace sent a byte at a time for
    `seconds` (valid JSON in the end): the body keeps arriving, so no read ever times out."""
    return {"kind": "trickle", "seconds": seconds, "text": text}


GATEWAY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>"
)
KEEP_ALIVE_INTERVAL = 0.2  # seconds between comment lines


# ---------------------------------------------------------------- the server


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: deque[dict[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as real servers do
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    # -- plumbing

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    chunked = True

    def _chunk(self, data: bytes) -> None:
        if self.chunked:
            data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
        self.wfile.write(data)

    def _event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._chunk(f"data: {text}\n\n".encode())

    # -- routes

    def do_GET(self) -> None:
        if self.path == "/_requests":
            with self.server.state.lock:
                self._json(200, self.server.state.requests)
        elif self.path.rstrip("/").endswith("/models"):
            self._json(
                200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]}
            )
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        body = self._body()
        state = self.server.state
        if self.path == "/_script":
            with state.lock:
                state.script.extend(body)
            self._json(200, {"queued": len(state.script)})
        elif self.path == "/_reset":
            with state.lock:
                state.script.clear()
                state.requests.clear()
            self._json(200, {"ok": True})
        elif self.path.rstrip("/").endswith("/chat/completions"):
            with state.lock:
                state.requests.append(
                    {"method": "POST", "path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                behaviour = state.script.popleft() if state.script else None
            self._chat(body if isinstance(body, dict) else {}, behaviour)
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def _chat(self, body: dict[str, Any], behaviour: dict[str, Any] | None) -> None:
        if behaviour is None:
            self._json(418, {"error": {"message": "llm_server: nothing scripted for this request"}})
            return
        kind = behaviour["kind"]
        if kind == "delay":
            time.sleep(behaviour["seconds"])
            kind = "reply"
        if kind == "status":
            error = {"message": behaviour["message"], "type": "scripted", "code": behaviour["status"]}
            self._json(behaviour["status"], {"error": error}, behaviour["headers"])
        elif kind == "reply":
            self._reply(body, behaviour["text"], behaviour.get("usage"))
        elif kind in ("stream", "broken_stream", "cut_stream", "invalid_event"):
            self._stream(body, behaviour["chunks"], kind)
        elif kind in ("keep_alive", "slow_first_token", "stall"):
            self._stream(body, behaviour["chunks"], kind, behaviour["seconds"])
        elif kind == "raw_body":
            self._raw(behaviour["body"], behaviour["content_type"])
        elif kind == "trickle":
            self._trickle(body, behaviour["text"], behaviour["seconds"])
        else:
            self._json(400, {"error": {"message": f"llm_server: unknown behaviour {kind!r}"}})

    def _reply(self, body: dict[str, Any], text: str, usage: dict[str, int] | None) -> None:
        if usage is None:
            prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            usage = {"prompt_tokens": prompt, "completion_tokens": len(text.split())}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        self._json(200, self._completion(body, text, usage))

    def _completion(self, body: dict[str, Any], text: str, usage: dict[str, int]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", MODEL),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": usage,
        }

    def _raw(self, text: str, content_type: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _trickle(self, body: dict[str, Any], text: str, seconds: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self._chunk(b" ")
            self.wfile.flush()
            time.sleep(KEEP_ALIVE_INTERVAL)
        self._chunk(json.dumps(self._completion(body, text, {})).encode())
        self._chunk(b"")

    def _keep_alive(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self._chunk(b": keep-alive\n\n")
            self.wfile.flush()
            time.sleep(KEEP_ALIVE_INTERVAL)

    def _stream(self, body: dict[str, Any], chunks: list[str], kind: str, seconds: float = 0.0) -> None:
        self.chunked = kind != "cut_stream"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        if self.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()

        def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body.get("model", MODEL),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        if kind == "keep_alive":  # not even the role chunk: the server never starts its reply
            self._keep_alive(seconds)
            self._chunk(b"")
            return
        self._event(event({"role": "assistant", "content": ""}))
        if kind == "slow_first_token":
            self._keep_alive(seconds)
        for piece in chunks:
            self._event(event({"content": piece}))
        if kind == "stall":
            self._keep_alive(seconds)
            self._chunk(b"")
            return
        if kind == "invalid_event":
            self._event('{"id": "chatcmpl-test", "choices": [{"delta": {"content": "trun')
            self._chunk(b"")
            return
        if kind not in ("stream", "slow_first_token"):
            # Drop the connection mid-body: no terminating chunk, no finish_reason, no [DONE].
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._event(event({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            n = len("".join(chunks).split())
            self._event(
                {
                    **event({}),
                    "choices": [],
                    "usage": {"prompt_tokens": 1, "completion_tokens": n, "total_tokens": n + 1},
                }
            )
        self._event("[DONE]")
        self._chunk(b"")  # the terminating zero-length chunk


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and left makes the late reply fail to write; that is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = Server(args.port)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.1)


# ---------------------------------------------------------------- the handle tests use


class LLMServer:
    """A running llm_server process: `base_url`, `enqueue(...)`, `requests()`, `reset()`, `stop()`."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.port = process, port
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root}/v1"

    @classmethod
    def start(cls, startup_timeout: float = 10.0) -> LLMServer:
        process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            port = _read_port(process, startup_timeout)
            server = cls(process, port)
            server._wait_until_answering(startup_timeout)
        except BaseException:
            stop_process(process)
            process.stdout.close()  # type: ignore[union-attr]
            raise
        return server

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._call("GET", "/v1/models")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        # No proxy: a developer's HTTP_PROXY must not capture loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as response:
            return json.loads(response.read())

    def enqueue(self, *behaviours: dict[str, Any]) -> LLMServer:
        self._call("POST", "/_script", list(behaviours))
        return self

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "/_requests")

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["path"].endswith("/chat/completions")]

    def reset(self) -> None:
        self._call("POST", "/_reset", {})

    def stop(self) -> None:
        stop_process(self.process, seconds=5)
        if self.process.stdout:
            self.process.stdout.close()


def _read_port(process: subprocess.Popen[str], timeout: float) -> int:
    """The port from the server's first line; a reader thread so a silent server cannot hang us."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0].startswith("LISTENING "):
        raise RuntimeError(f"llm_server did not start (exit code {process.poll()}, said {lines!r})")
    return int(lines[0].split()[1])


if __name__ == "__main__":
    main()
