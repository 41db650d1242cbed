"""The `paperlens` command as a person meets it (issue 14, item 3), through typer's CliRunner on
the tiny corpus: rendered answers and the mode banner once, search snippets and match strength,
paged paper lists, `show` by id prefix or title, filters the collection cannot honour, and
`paperlens collection`. tests/test_cli_console_script.py runs the same through the real script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperlens.index.corpus import make_paper_id
from paperlens.interfaces.cli import app

TINY = Path(__file__).parent / "data" / "tiny_papers.jsonl"
QUANT = make_paper_id("Quantization of Large Language Models to 4 Bits")
PRUNING = make_paper_id("Pruning Attention Heads in Transformers")
ANSI = re.compile(r"\x1b\[")


def no_years_corpus(directory: Path) -> Path:
    """The tiny corpus without publication years or categories, like scraped listing pages."""
    path = directory / "listing.jsonl"
    records = [json.loads(line) for line in TINY.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        record.pop("year", None)
        record.pop("categories", None)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERLENS_EMBEDDING_PROVIDER", "hash")
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_RELEVANCE", "0.2")
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_SENTENCE_SCORE", "0.2")
    monkeypatch.setenv("COLUMNS", "200")  # rich's width when not on a terminal: titles stay on one line
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(TINY)])
    assert result.exit_code == 0, result.output
    return runner


def flat(text: str) -> str:
    return " ".join(text.split())


def run(runner: CliRunner, *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, result.output
    return result.output


# ---------------------------------------------------------------- answers


def test_piped_answer_is_plain_text_with_the_banner_once(runner: CliRunner) -> None:
    out = run(runner, "summarize", "--topic", "language models")
    assert not ANSI.search(out), "no terminal codes when the output is not a terminal"
    assert "### " not in out and "**" not in out, "Markdown is rendered, not printed raw"
    assert out.count("Extractive mode") == 1 and "Extractive answer:" not in out
    assert "References" in out and "[1] " in out
    assert "extractive · extractive" not in out and "· extractive" not in out, "labels never repeat"


def test_chat_shows_the_mode_banner_once_per_session(runner: CliRunner) -> None:
    questions = "How much faster do pruned attention head models run?\nWhich papers quantize models?\n/quit\n"
    out = run(runner, "chat", stdin=questions)
    assert out.count("References") == 2, out
    assert out.count("Extractive mode") == 1 and "Extractive answer:" not in out
    assert out.index("Extractive mode") < out.index("References"), "the banner opens the session"


# ---------------------------------------------------------------- search


def test_search_shows_the_matching_sentence_and_a_readable_strength(runner: CliRunner) -> None:
    out = flat(run(runner, "search", "pruned models faster", "--mode", "bm25"))
    assert "Our pruned models run 1.8x faster at inference." in out, "the sentence that matches"
    assert "●●●●●" in out and "100%" in out, "the best result is the yardstick"
    raw = json.loads(run(runner, "search", "pruned models faster", "--mode", "bm25", "--json"))
    assert raw[0]["snippet"] == "Our pruned models run 1.8x faster at inference."
    assert f"{raw[0]['score']:.4f}" not in out and str(raw[0]["score"]) not in out, "raw scores: --json only"
    assert all(0 < hit["relative_score"] <= 1 for hit in raw)


def test_search_says_when_no_paper_mentions_a_word(runner: CliRunner) -> None:
    out = flat(run(runner, "search", "mixtral routing experts", "--mode", "bm25"))
    assert "No paper mentions mixtral" in out and "Sparse Mixture of Experts" in out


# ---------------------------------------------------------------- filters


def test_filters_the_collection_cannot_honour_are_refused_with_the_reason(
    runner: CliRunner, tmp_path: Path
) -> None:
    run(runner, "ingest", str(no_years_corpus(tmp_path)))
    out = flat(run(runner, "search", "pruning", "--year-min", "2020", code=1))
    assert "--year-min cannot be used: the collection has no publication years" in out
    assert "No papers match" not in out and "Traceback" not in out
    out = flat(run(runner, "search", "pruning", "--category", "cs.CL", code=1))
    assert "--category cannot be used: the collection has no categories" in out


def test_filters_the_collection_has_still_work(runner: CliRunner) -> None:
    hits = json.loads(run(runner, "search", "models", "--year-min", "2023", "--json", "--k", "10"))
    assert hits and all(h["title"].startswith(("Quantization", "Time Series")) for h in hits)
    out = flat(run(runner, "search", "models", "--category", "cs.XX", code=1))
    assert "no paper is in cs.XX; the categories are cs.CL, cs.CV" in out


# ---------------------------------------------------------------- papers and show


def test_papers_is_paged_without_file_names(runner: CliRunner) -> None:
    out = flat(run(runner, "papers", "--per-page", "3"))
    assert "10 papers; 2 with code links; publication years 2018–2023" in out
    assert "Papers 1–3 of 10 (page 1 of 4)" in out and "--all" in out
    assert "1 │ Diffusion Models" in out and "3 │ Graph Neural Networks" in out, "sorted by title"
    assert "Knowledge Distillation" not in out and "tiny_papers.jsonl" not in out
    second = flat(run(runner, "papers", "--per-page", "3", "--page", "2"))
    assert "Papers 4–6 of 10" in second and "4 │ Knowledge Distillation" in second
    everything = flat(run(runner, "papers", "--all", "--files"))
    assert "Time Series Forecasting" in everything and "tiny_papers.jsonl" in everything
    assert "Papers 1–" not in everything
    assert "There is no page 9" in flat(run(runner, "papers", "--page", "9", code=1))


def test_show_accepts_an_id_prefix_or_a_title(runner: CliRunner) -> None:
    assert "Quantization of Large Language Models to 4 Bits" in run(runner, "show", QUANT[:6])
    by_title = json.loads(run(runner, "show", "quantization of large language", "--json"))
    assert by_title["paper_id"] == QUANT
    exact = json.loads(run(runner, "show", "Pruning Attention Heads in Transformers", "--json"))
    assert exact["paper_id"] == PRUNING
    ambiguous = flat(run(runner, "show", "models", code=1))
    assert "'models' matches" in ambiguous and "Give more of the title or the id" in ambiguous
    assert "No paper with id or title 'zebra'" in flat(run(runner, "show", "zebra", code=1))


def test_summarize_accepts_a_title(runner: CliRunner) -> None:
    data = json.loads(run(runner, "summarize", "quantization of large", "--json"))
    assert [c["paper_id"] for c in data["citations"]] == [QUANT]


# ---------------------------------------------------------------- the collection


def test_collection_lists_themes_counts_examples_and_fields(runner: CliRunner) -> None:
    data = json.loads(run(runner, "collection", "--json", "--themes", "3"))
    assert data["papers"] == 10 and len(data["themes"]) == 3
    assert sum(theme["papers"] for theme in data["themes"]) == 10
    assert all(theme["label"] and theme["examples"] for theme in data["themes"])
    fields = {field["name"]: field for field in data["fields"]}
    assert fields["year"]["papers"] == 10 and fields["year"]["values"] == "2018–2023"
    assert fields["code_urls"]["papers"] == 2 and fields["date"]["papers"] == 0
    out = flat(run(runner, "collection"))
    assert "10 papers" in out and "Themes" in out and "Metadata" in out
    assert "Not in this collection: listing date" in out
