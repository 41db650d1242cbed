"""The installed `paperlens` console script, run for real as a person would (issue 14, item 3): on
a terminal (a pseudo-terminal) and piped, over the tiny corpus with the hash embedder. One real
process per command; the details are in tests/test_cli_people.py (CliRunner)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperlens.index.corpus import make_paper_id
from test_cli_people import ANSI, TINY, no_years_corpus

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "paperlens"
QUANT = make_paper_id("Quantization of Large Language Models to 4 Bits")


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERLENS_", "OPENAI_", "COLUMNS"))}
    env.update(
        {
            "PAPERLENS_DATA_DIR": str(data_dir),
            "PAPERLENS_EMBEDDING_PROVIDER": "hash",
            "PAPERLENS_TUNING_MIN_RELEVANCE": "0.2",
            "PAPERLENS_TUNING_MIN_SENTENCE_SCORE": "0.2",
            "TERM": "xterm-256color",
        }
    )
    env.pop("NO_COLOR", None)
    return env


def paperlens(env: dict[str, str], *args: str, code: int = 0, stdin: str = "") -> str:
    """Run the script with its output piped; returns stdout, checking the exit code."""
    result = subprocess.run(
        [str(SCRIPT), *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout if code == 0 else result.stderr


def on_a_terminal(env: dict[str, str], *args: str) -> str:
    """Run the script with a pseudo-terminal of 120 columns as its stdout and stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [str(SCRIPT), *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=300) == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = environment(tmp_path_factory.mktemp("cli-script") / "data")
    paperlens(env, "ingest", str(TINY))
    yield env


def test_ask_on_a_terminal_renders_markdown(env: dict[str, str]) -> None:
    out = on_a_terminal(env, "summarize", "--topic", "language models")
    assert ANSI.search(out), "styled on a terminal"
    assert "### " not in out and "**" not in out, "headings and bold are rendered, not printed raw"
    assert out.count("Extractive mode") == 1 and "References" in out


def test_ask_piped_is_plain_text_with_one_banner(env: dict[str, str]) -> None:
    out = paperlens(env, "ask", "How much faster do pruned attention head models run?")
    assert not ANSI.search(out) and "**" not in out
    assert out.count("Extractive mode") == 1 and "Extractive answer:" not in out
    assert "[1] Pruning Attention Heads in Transformers" in out
    assert "extractive · extractive" not in out


def test_chat_banner_once_per_session(env: dict[str, str]) -> None:
    session = "How much faster do pruned attention head models run?\nWhich papers quantize models?\n/quit\n"
    out = paperlens(env, "chat", stdin=session)
    assert out.count("References") == 2 and out.count("Extractive mode") == 1


def test_search_shows_snippets_and_match_strength(env: dict[str, str]) -> None:
    out = paperlens(env, "search", "pruned models faster", "--mode", "bm25")
    assert "Our pruned models run 1.8x faster at inference." in flat(out)
    assert "●●●●●" in out and "100%" in out and "Raw scores: --json" in flat(out)
    hits = json.loads(paperlens(env, "search", "pruned models faster", "--mode", "bm25", "--json"))
    assert hits[0]["rank"] == 1 and hits[0]["relative_score"] == 1.0 and hits[0]["score"] > 0


def test_search_refuses_a_filter_the_collection_cannot_honour(env: dict[str, str], tmp_path: Path) -> None:
    listing = environment(tmp_path / "data")
    paperlens(listing, "ingest", str(no_years_corpus(tmp_path)))
    error = flat(paperlens(listing, "search", "pruning", "--year-min", "2020", code=1))
    assert error.startswith("Error: --year-min cannot be used: the collection has no publication years")
    assert "Traceback" not in error
    assert json.loads(paperlens(env, "search", "pruning", "--year-min", "2020", "--json"))


def test_papers_is_paged_and_all_lists_everything(env: dict[str, str]) -> None:
    page = flat(paperlens(env, "papers", "--per-page", "4"))
    assert "Papers 1–4 of 10 (page 1 of 3)" in page and ".jsonl" not in page
    everything = flat(paperlens(env, "papers", "--all"))
    assert everything.count("│ 10 │") == 1 and "Papers 1–" not in everything


def test_show_by_id_prefix_and_title(env: dict[str, str]) -> None:
    assert "Quantization of Large Language Models to 4 Bits" in paperlens(env, "show", QUANT[:5])
    assert json.loads(paperlens(env, "show", "quantization", "--json"))["paper_id"] == QUANT
    assert "matches" in paperlens(env, "show", "models", code=1)


def test_summarize_by_title(env: dict[str, str]) -> None:
    data = json.loads(paperlens(env, "summarize", "quantization of large", "--json"))
    assert [c["paper_id"] for c in data["citations"]] == [QUANT]


def test_collection_describes_the_collection(env: dict[str, str]) -> None:
    out = flat(paperlens(env, "collection"))
    assert out.startswith("10 papers; 2 with code links; publication years 2018–2023")
    assert "themes, found by clustering" in out and "Metadata" in out
    data = json.loads(paperlens(env, "collection", "--json"))
    assert sum(theme["papers"] for theme in data["themes"]) == 10
