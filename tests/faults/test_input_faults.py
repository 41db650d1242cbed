"""Hostile or careless input (issue 15, defects 5, 8 and 9): every surface applies the same rules
(paperlens.inputs), and applies them before any model is loaded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gradio as gr
import pytest
from typer.testing import CliRunner

from paperlens import providers
from paperlens.answering import assistant as assistant_module
from paperlens.config import Settings, load_settings
from paperlens.index.ingest import Ingester
from paperlens.interfaces.cli import app
from paperlens.interfaces.web.handlers import AssistantProvider, ChatSession, Handlers
from paperlens.providers import HashEmbedding

from .conftest import TINY_PAPERS

BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: the text shown reads differently from the text sent


def never_built() -> Any:
    raise AssertionError("the assistant was built before the input was checked")


@pytest.fixture
def api(settings: Settings) -> Callable[..., Any]:
    """The web app's /ask handler, over an assistant that must never be needed."""
    handlers = Handlers(AssistantProvider(never_built), settings)

    def ask(question: str = "pruning", mode: str = "", k: float | None = 0, filters: Any = None) -> Any:
        return list(handlers.api_ask(question, mode, k, filters or {}, []))

    return ask


@pytest.mark.parametrize(
    ("k", "message"),
    [
        (-3, "k must be from 1 to 100 papers; got -3."),
        (10**9, "k must be from 1 to 100 papers; got 1000000000."),
        (101, "k must be from 1 to 100 papers; got 101."),
        (2.5, "k must be a whole number of papers from 1 to 100; got 2.5."),
    ],
)
def test_the_api_refuses_k_outside_the_cli_range(api: Callable[..., Any], k: float, message: str) -> None:
    with pytest.raises(gr.Error) as caught:
        api(k=k)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"question": "   "}, "The question is empty"),
        ({"question": "x" * 2001}, "the limit is 2000"),
        ({"question": "pruning\x00"}, "control characters"),
        ({"question": BIDI}, "The question is empty"),
        ({"mode": "sparse"}, "Unknown retrieval mode 'sparse'"),
        ({"filters": {"has_code": "maybe"}}, "Invalid filters"),
        ({"filters": {"year_min": 2024, "year_max": 2020}}, "year_min 2024 is after year_max 2020"),
    ],
)
def test_the_api_checks_every_input_before_building_anything(
    api: Callable[..., Any], request_: dict[str, Any], message: str
) -> None:
    with pytest.raises(gr.Error, match=message):
        api(**request_)


def test_the_cli_uses_the_same_rule_for_k(cli_env: Callable[..., None]) -> None:
    cli_env()
    for command in (["ask", "pruning"], ["search", "pruning"], ["chat"], ["summarize", "--topic", "x"]):
        result = CliRunner().invoke(app, [*command, "--k", "-3"])
        assert result.exit_code == 1, (command, result.output)
        assert "k must be from 1 to 100 papers; got -3." in result.stderr


@pytest.fixture
def no_model_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Building an embedding model fails the command loudly, and is recorded."""
    loads: list[str] = []

    def load(settings: Any) -> Any:
        loads.append(settings.provider)
        raise AssertionError("a model was loaded before the input was checked")

    # The assistant module first: importing it binds providers.make_embedding, which must still
    # be the real one then, or the real one is never put back.
    monkeypatch.setattr(assistant_module, "make_embedding", load)
    monkeypatch.setattr(providers, "make_embedding", load)
    return loads


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["ask", "   "], "The question is empty"),
        (["ask", "pruning", "--k", "500"], "k must be from 1 to 100"),
        (["ask", "pruning\x07heads"], "control characters"),
        (["search", "   "], "The question is empty"),  # search skipped the check before
        (["search", "pruning\x01heads"], "control characters"),
        (["summarize", "--topic", " "], "The question is empty"),
        (["summarize", "000000000000"], "No paper with id or title '000000000000'"),
        (["ingest", "missing.jsonl"], "missing.jsonl: no such file or directory"),
    ],
)
def test_input_errors_come_before_any_model_loads(
    cli_env: Callable[..., None], no_model_loads: list[str], command: list[str], message: str
) -> None:
    cli_env()
    Ingester(load_settings(), HashEmbedding(), progress=False).ingest([TINY_PAPERS])
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.stderr.split())
    assert no_model_loads == []


def test_a_bidi_override_never_reaches_an_answer_or_the_chat(
    cli_env: Callable[..., None], settings: Settings
) -> None:
    cli_env()
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(TINY_PAPERS)]).exit_code == 0
    result = runner.invoke(app, ["ask", f"pruned {BIDI}attention heads", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["question"] == "pruned attention heads" and BIDI not in result.stdout

    handlers = Handlers(AssistantProvider(never_built), settings)
    _, messages, session, pending = handlers.accept(f"pruned {BIDI}heads", ChatSession())
    assert messages[-1]["content"] == "pruned heads" and pending is not None
    assert pending.question == "pruned heads" and BIDI not in str(session)
