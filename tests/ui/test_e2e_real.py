"""End to end with the real assistant: `python app.py` in its own process on a free loopback port,
asked through `gradio_client` (extractive mode, no LLM, nothing downloaded)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from paperlens.config import EmbeddingSettings, Settings
from processes import free_port

from .conftest import ROOT, TINY_PAPERS, app_process, settings_env

pytestmark = pytest.mark.integration
GOLD = ROOT / "eval" / "tune.jsonl"


def client(url: str) -> Client:
    return Client(url, verbose=False, download_files=False)


def gold_questions(kinds: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["answerable"] and row["type"] in kinds][:limit]


def cited_or_retrieved(payload: dict[str, Any]) -> set[str]:
    return {c["paper_id"] for c in payload["citations"]} or {h["paper_id"] for h in payload["retrieved"]}


def tiny_settings(tmp_path: Path, with_papers: bool) -> Settings:
    """A fresh data directory over the ten-paper corpus (or no papers), hash embeddings."""
    papers = tmp_path / "papers"
    papers.mkdir()
    if with_papers:
        shutil.copy(TINY_PAPERS, papers)
    return Settings(
        data_dir=tmp_path / "data",
        papers_dir=papers,
        prompts_dir=ROOT / "prompts",
        eval_dir=tmp_path / "eval",
        embedding=EmbeddingSettings(provider="hash"),
    )


def test_real_answer_cites_the_right_papers(real_app: str) -> None:
    result = client(real_app).predict("Which papers work on Kolmogorov-Arnold Networks?", api_name="/ask")
    assert (
        result["mode"] == "extractive" and result["notice"] and result["answer"].startswith(result["notice"])
    )
    assert not result["refused"] and "[1]" in result["answer"]
    gold = set(gold_questions(("multi",), 1)[0]["gold_paper_ids"])
    assert gold & {c["paper_id"] for c in result["citations"]}
    assert all(c["passage"] for c in result["citations"])
    assert result["markdown"].startswith(result["answer"]) and "\n\nReferences\n[1] " in result["markdown"]


def test_ten_parallel_real_chats_keep_their_own_history(real_app: str) -> None:
    questions = [row["question"] for row in gold_questions(("fact", "paraphrase"), 10)]
    assert len(questions) == 10

    def conversation(question: str) -> tuple[dict[str, Any], dict[str, Any]]:
        chat = client(real_app)
        first = chat.predict(question, api_name="/ask")
        return first, chat.predict("What else does it report?", api_name="/ask")

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(conversation, questions))
    for question, (first, follow) in zip(questions, results, strict=True):
        # The follow-up was read against this chat's own first question and its own sources.
        # "it" is rewritten with this chat's own first paper, never another chat's.
        assert follow["standalone_question"] != "What else does it report?", question
        assert first["standalone_question"] == question
        assert {h["paper_id"] for h in follow["retrieved"]} <= cited_or_retrieved(first), question


def test_first_run_builds_the_index_then_answers(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, with_papers=True)
    port = free_port()
    log = tmp_path / "app.log"
    # Hash embeddings score far below the bundled model's calibrated relevance threshold.
    env = settings_env(settings, port) | {"PAPERLENS_TUNING_MIN_RELEVANCE": "0.05"}
    with app_process(env, log, port) as url:
        result = client(url).predict("How much faster are pruned attention-head models?", api_name="/ask")
    output = log.read_text(errors="replace")
    assert "No index yet: building it from" in output and "Indexed 10 papers" in output
    assert result["mode"] == "extractive" and not result["refused"]
    assert "PAPERLENS_LLM_PROVIDER" in result["notice"], "it says how to enable an LLM"


def test_missing_index_is_a_message_and_the_app_keeps_serving(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, with_papers=False)
    port = free_port()
    with app_process(settings_env(settings, port), tmp_path / "app.log", port) as url:
        chat = client(url)
        for _ in range(2):
            with pytest.raises(Exception, match="No index found") as error:
                chat.predict("anything about transformers?", api_name="/ask")
            assert "Traceback" not in str(error.value)


def test_unreachable_llm_is_a_message(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, with_papers=True)
    port = free_port()
    env = settings_env(settings, port) | {
        "PAPERLENS_LLM_PROVIDER": "openai-compatible",
        "PAPERLENS_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
        "PAPERLENS_LLM_MAX_RETRIES": "0",
        "PAPERLENS_LLM_TIMEOUT": "5",
    }
    with app_process(env, tmp_path / "app.log", port) as url:
        chat = client(url)
        with pytest.raises(Exception, match="The language model at") as error:
            chat.predict("How much faster are models after pruning attention heads?", api_name="/ask")
        assert "Traceback" not in str(error.value)
        with pytest.raises(Exception, match="The language model at"):
            chat.predict("Which student network does knowledge distillation train?", api_name="/ask")
