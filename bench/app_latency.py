"""How fast the web app answers: median time from submit to the first streamed text and to the
complete answer, measured through the app's /ask endpoint with gradio_client (the same queue,
streaming and assistant path the chat uses).

    python bench/app_latency.py                 # starts the app in-process on a free port
    python bench/app_latency.py --url http://127.0.0.1:7860 --auth user:password

Settings come from PAPERLENS_* variables; with no LLM configured this measures extractive mode.
The index is built first if it is missing. Each question runs in a fresh client (no history).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperlens import offline

offline.apply_to_process()

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "tune.jsonl"


def load_questions(path: Path, limit: int) -> list[str]:
    """Answerable questions of the gold set (refusals would flatter the figures)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row.get("answerable")][:limit]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_app() -> Iterator[tuple[str, str]]:
    """The app over the configured index, served from this process on a free loopback port."""
    from paperlens.interfaces.cli import load_settings
    from paperlens.interfaces.web.layout import build_assistant, ensure_index, launch

    settings = load_settings()
    settings.app.port = free_port()
    settings.app.username = None  # the bench talks to its own private instance
    ensure_index(settings, echo=lambda line: print(line, file=sys.stderr))
    provider = build_assistant(settings)
    mode = provider.get().mode
    demo = launch(settings, provider, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{settings.app.port}", mode
    finally:
        demo.close()


Row = tuple[float, float, float, bool]


def measure(url: str, question: str, auth: tuple[str, str] | None) -> Row:
    """Seconds to the first non-empty streamed text and to the final answer, the seconds the
    assistant itself reported, and whether it refused."""
    from gradio_client import Client

    client = Client(url, verbose=False, auth=auth, download_files=False)
    started = time.perf_counter()
    first = None
    job = client.submit(question, api_name="/ask")
    for update in job:
        if first is None and update.get("answer"):
            first = time.perf_counter() - started
    total = time.perf_counter() - started
    final = job.outputs()[-1]
    inside = final.get("timings", {}).get("total_ms", 0.0) / 1000
    return (first if first is not None else total), total, inside, bool(final.get("refused"))


def report(rows: list[Row], mode: str) -> None:
    firsts = [row[0] * 1000 for row in rows]
    totals = [row[1] * 1000 for row in rows]
    overhead = [(row[1] - row[2]) * 1000 for row in rows]
    refused = sum(1 for row in rows if row[3])
    print(f"mode: {mode}; questions: {len(rows)} ({refused} refused)")
    print(
        f"submit -> first streamed text: median {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms"
    )
    print(
        f"submit -> complete answer:     median {statistics.median(totals):.0f} ms, max {max(totals):.0f} ms"
    )
    print(
        f"app + queue + transport (complete answer minus the assistant's own total_ms): "
        f"median {statistics.median(overhead):.0f} ms"
    )


def run(url: str, mode: str, questions: list[str], auth: tuple[str, str] | None) -> None:
    measure(url, "warm-up: which papers study sparsity?", auth)  # first-use costs are paid once
    rows = []
    print(" first      complete   assistant  question")
    for question in questions:
        row = measure(url, question, auth)
        rows.append(row)
        first, total, inside, refused = row
        print(
            f"{first * 1000:6.0f} ms  {total * 1000:6.0f} ms  {inside * 1000:6.0f} ms  "
            f"{'refused ' if refused else ''}{question[:64]}"
        )
    report(rows, mode)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="A running app (default: start one in this process).")
    parser.add_argument("--auth", help="user:password when the app asks for a login.")
    parser.add_argument("-n", "--questions", type=int, default=12, help="How many gold questions to time.")
    args = parser.parse_args()
    questions = load_questions(QUESTIONS, args.questions)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    if args.url:
        run(args.url.rstrip("/"), "as configured on the server", questions, auth)  # type: ignore[arg-type]
        return 0
    with local_app() as (url, mode):
        run(url, mode, questions, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
