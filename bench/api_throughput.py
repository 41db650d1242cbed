"""Throughput of `paperlens serve`: POST /v1/chat/completions from 20 concurrent clients.

    python bench/api_throughput.py                      # starts `paperlens serve` on a free port
    python bench/api_throughput.py --url http://127.0.0.1:8000 --key KEY

Two runs, each printing the median and 90th-percentile latency of a request and the answers per
second (printed, not asserted): flat out (each client sends its next question as soon as its
last is answered: the most answers per second, with latency set by the queue), and paced (the
clients together send `--rate` questions per second, spread evenly: the latency at that load).
Settings come from PAPERLENS_* variables, so with no LLM configured this measures extractive
mode over the real index (built first if it is missing). Questions are the answerable ones of
eval/tune.jsonl, each client cycling through them from its own offset; every reply is checked to
be the answer to the question that client sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from paperlens import offline

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "tune.jsonl"


def load_questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row.get("answerable")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_server() -> Iterator[str]:
    """`paperlens serve` (API only) as its own process on a free loopback port, stopped by pid."""
    port = free_port()
    env = offline.offline_environ(os.environ) | {"PAPERLENS_API_WEB": "false"}
    command = [sys.executable, "-c", "from paperlens.interfaces.cli import main; main()"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: object) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)  # type: ignore[attr-defined]
            sys.exit(f"the server exited:\n{log.read().decode(errors='replace')[-3000:]}")  # type: ignore[attr-defined]
        try:
            if httpx.get(f"{url}/docs", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not start within 10 minutes")


async def client(
    http: httpx.AsyncClient,
    questions: list[str],
    offset: int,
    count: int,
    latencies: list[float],
    errors: list[str],
    schedule: list[float] | None = None,
) -> None:
    """`count` questions one after another; with a schedule, each is sent at its planned time."""
    for i in range(count):
        if schedule is not None:
            await asyncio.sleep(max(0.0, schedule[i] - time.perf_counter()))
        question = questions[(offset + i) % len(questions)]
        body = {"model": "paperlens", "messages": [{"role": "user", "content": question}]}
        started = time.perf_counter()
        response = await http.post("/v1/chat/completions", json=body)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors.append(f"{response.status_code}: {response.text[:200]}")
        elif response.json()["paperlens"]["standalone_question"] != " ".join(question.split()):
            errors.append(f"cross-talk: asked {question!r}")


async def phase(
    http: httpx.AsyncClient, questions: list[str], clients: int, per_client: int, rate: float | None
) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    schedules: list[list[float] | None] = [None] * clients
    if rate:  # client n sends at n/rate, then every clients/rate seconds
        schedules = [[started + (n + i * clients) / rate for i in range(per_client)] for n in range(clients)]
    runs = [
        client(http, questions, n * 7, per_client, latencies, errors, schedules[n]) for n in range(clients)
    ]
    await asyncio.gather(*runs)
    seconds = time.perf_counter() - started
    answered = len(latencies) - len(errors)
    cuts = statistics.quantiles(latencies, n=10)
    how = f"paced at {rate:g} questions/s" if rate else "flat out"
    print(f"{clients} concurrent clients, {len(latencies)} requests, {how}:")
    print(f"  p50 {statistics.median(latencies):.0f} ms   p90 {cuts[8]:.0f} ms   max {max(latencies):.0f} ms")
    print(f"  {answered / seconds:.1f} answers/s over {seconds:.1f} s; {len(errors)} errors")
    for error in errors[:5]:
        print(f"  error: {error}")


async def run(
    url: str, key: str | None, clients: int, per_client: int, rate: float, questions: list[str]
) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:
        await client(http, questions, 0, 5, [], [])  # the first answers warm caches up
        print(f"POST /v1/chat/completions at {url}")
        await phase(http, questions, clients, per_client, None)
        await phase(http, questions, clients, per_client, rate)


def main() -> None:
    offline.apply_to_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running server (default: start one).")
    parser.add_argument("--key", help="API key for a server with PAPERLENS_API_KEYS.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="Requests per client and run.")
    parser.add_argument("--rate", type=float, default=20.0, help="Questions per second in the paced run.")
    args = parser.parse_args()
    questions = load_questions(QUESTIONS)
    if args.url:
        asyncio.run(run(args.url, args.key, args.clients, args.requests, args.rate, questions))
        return
    with local_server() as url:
        asyncio.run(run(url, args.key, args.clients, args.requests, args.rate, questions))


if __name__ == "__main__":
    main()
