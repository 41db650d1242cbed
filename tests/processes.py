"""Real servers started by tests: a free loopback port, waiting for them, stopping them by pid."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


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
