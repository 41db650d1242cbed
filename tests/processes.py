"""Real servers started by tests: a free loopback port, waiting for them, stopping them by pid."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

CHROMA = Path(sys.executable).with_name("chroma")  # installed with the chromadb package


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(
    url: str, seconds: float, process: subprocess.Popen | None = None, ok: tuple[int, ...] = (200,)
) -> None:
    """Poll `url` until it answers with an `ok` status; fail early if `process` exits."""
    deadline = time.monotonic() + seconds
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server exited with code {process.returncode} before answering")
            try:
                if client.get(url).status_code in ok:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")


def stop_process(process: subprocess.Popen, seconds: float = 10.0) -> None:
    """Stop a server we started, by its process: terminate, then kill if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=seconds)


def start_chroma(root: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`chroma run` on a free loopback port, storing under `root`, with telemetry off and no
    proxies; returns once its heartbeat answers. Stop it with `stop_process`."""
    assert CHROMA.exists(), f"no chroma executable at {CHROMA} (it comes with the chromadb package)"
    port, log = free_port(), root / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("OTEL_", "CHROMA_"))}
    env = {k: v for k, v in env.items() if "PROXY" not in k.upper()}
    env.update(ANONYMIZED_TELEMETRY="False", NO_PROXY="127.0.0.1,localhost")
    command = [str(CHROMA), "run", "--path", str(root / "db"), "--port", str(port), "--host", "127.0.0.1"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, process)
    except (RuntimeError, TimeoutError) as error:
        stop_process(process)
        raise RuntimeError(f"{error}; chroma said:\n{log.read_text(errors='replace')}") from None
    return process, port

@contextmanager
def uvicorn_in_thread(app: Any, port: int, seconds: float = 30.0) -> Iterator[str]:
    """An ASGI app served by uvicorn on a loopback port from a thread of this process (for apps
    built over a fake assistant); stopped by asking the server to exit, then joining it."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=seconds)
