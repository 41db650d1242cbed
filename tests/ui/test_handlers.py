"""The app's event handlers, called directly with a fake assistant (no server, no browser)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from fakes import ScriptedAssistant
from paperlens.config import AppSettings, Settings
from paperlens.errors import IndexMissingError, LLMError
from paperlens.interfaces.web.eval_view import NO_RUN
from paperlens.interfaces.web.handlers import (
    AssistantProvider,
    ChatSession,
    Handlers,
    Pending,
    make_filters,
    model_info,
)
from paperlens.interfaces.web.layout import launch_options
from paperlens.types import SearchFilters

from .fake_papers import XSS_ID, fake_assistant

Outputs = tuple[Any, ...]


def ask(
    handlers: Handlers, session: ChatSession, question: str, **controls: Any
) -> tuple[list[Outputs], ChatSession]:
    """What one submit does: accept (no queue), then respond (streams). Returns every yield."""
    box, _, session, pending = handlers.accept(question, session)
    assert box == ""
    options = {"mode": "hybrid", "k": 5, "has_code": False, "pages": [], **controls}
    yields = list(handlers.respond(pending, session, **options))
    final_session = [y[4] for y in yields if isinstance(y[4], ChatSession)][-1]
    return yields, final_session


def last_message(session: ChatSession) -> str:
    return session.messages[-1]["content"]


# ---------------------------------------------------------------- asking


def test_empty_question_is_ignored(handlers: Handlers, session: ChatSession) -> None:
    box, _chat, same, pending = handlers.accept("   ", session)
    assert (box, pending) == ("", None)
    assert same.messages == []


def test_question_shows_at_once_escaped(handlers: Handlers, session: ChatSession) -> None:
    _, chat, session, pending = handlers.accept("  what about <b>heads</b>?  ", session)
    assert chat == [{"role": "user", "content": "what about &lt;b&gt;heads&lt;/b&gt;?"}]
    assert isinstance(pending, Pending) and pending.question == "what about <b>heads</b>?"


def test_answer_streams_then_shows_cited_answer(handlers: Handlers, session: ChatSession) -> None:
    yields, session = ask(handlers, session, "How much faster are pruned transformer heads?")
    streamed = [y[0][-1]["content"] for y in yields[:-1]]
    assert streamed[0] == " ▍", "a placeholder appears before the first text"
    assert any(text.endswith(" ▍") and len(text) > 2 for text in streamed[1:]), "partial text was shown"
    chat, sources, trace, markdown, _, pending, saved, conversation = yields[-1]
    answer = chat[-1]["content"]
    assert "[\\[1\\]](#src-1-1)" in answer and "ℹ️" in answer
    assert 'id="src-1-1"' in sources and '<mark class="pl-evidence">' in sources
    assert "Pruning Attention Heads" in sources and "github.com/example/headprune" in sources
    assert 'class="pl-detail"> · score ' in sources, "scores are there, behind the details toggle"
    assert "Retrieval" in trace and "First text shown after" in trace
    assert "References\n[1] Pruning Attention Heads in Transformers (aaaa00000001)" in markdown
    assert pending is None and len(session.turns) == 1 and session.markdown == markdown
    assert saved["turns"][0]["question"] == "How much faster are pruned transformer heads?"
    assert conversation.startswith("# paperlens conversation\n\n## Q1. How much faster")


def test_follow_up_passes_the_conversation(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession
) -> None:
    _, session = ask(handlers, session, "Tell me about pruning attention heads")
    _, session = ask(handlers, session, "How much faster are the pruned models?")
    assert fake.calls[-1]["history"] == ["Tell me about pruning attention heads"]
    assert session.turns[-1].answer.standalone_question.endswith(
        "(after: Tell me about pruning attention heads)"
    )
    # The second answer's markers point at its own cards; the first answer's cards stay on the page.
    assert "(#src-2-1)" in last_message(session)
    sources = ask(handlers, session, "and distillation?")[0][-1][1]
    assert 'id="src-1-1"' in sources and 'id="src-3-1"' in sources


def test_controls_become_search_options(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession
) -> None:
    session.focus = "cccc00000003"
    ask(handlers, session, "experts routing", mode="bm25", k=3, has_code=True, pages=["listing_a.txt"])
    call = fake.calls[-1]
    assert (call["mode"], call["k"]) == ("bm25", 3)
    assert call["filters"] == SearchFilters(
        has_code=True, sources=["listing_a.txt"], paper_ids=["cccc00000003"]
    )


def test_no_controls_means_no_filters() -> None:
    assert make_filters(False, [], None) is None


def test_refusal_looks_different_and_lists_closest_papers(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession
) -> None:
    fake.script("unknown topic: pruning heads?", refuse=True)
    yields, session = ask(handlers, session, "unknown topic: pruning heads?")
    message, sources = last_message(session), yields[-1][1]
    assert message.startswith("<small>ℹ️") and "\n> 🚫 **No cited answer.**" in message
    assert "**Closest papers:**" in message and "(#near-1-1)" in message
    assert 'class="pl-refusal"' in sources and 'id="near-1-1"' in sources


def test_unsupported_sentence_is_marked(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession
) -> None:
    fake.script("unsupported claim about pruning heads", unsupported=True)
    ask(handlers, session, "unsupported claim about pruning heads")
    _, session = ask(handlers, session, "unsupported claim about pruning heads")
    message = last_message(session)
    assert '<mark class="pl-unsupported"' in message and "⚠️" in message
    assert message.count("pl-unsupported") == 1, "only the flagged sentence is marked"


# ---------------------------------------------------------------- errors


def test_unreachable_llm_is_a_readable_message(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession
) -> None:
    fake.script("please fail llm now", error=LLMError("http://127.0.0.1:9/v1", "connection refused"))
    _, session = ask(handlers, session, "please fail llm now")
    message = last_message(session)
    assert message.startswith("⚠️ **Could not answer.**") and "connection refused" in message
    assert "Traceback" not in message and session.turns == []
    _, session = ask(handlers, session, "pruning heads")
    assert len(session.turns) == 1, "the next question works"


def test_bug_is_logged_not_shown(
    handlers: Handlers, fake: ScriptedAssistant, session: ChatSession, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script("trigger a bug", error=RuntimeError("an unexpected failure deep inside"))
    _, session = ask(handlers, session, "trigger a bug")
    assert "Something went wrong on our side (RuntimeError)" in last_message(session)
    assert "deep inside" not in last_message(session)
    assert "an unexpected failure deep inside" in caplog.text


def test_bad_question_is_a_readable_message(handlers: Handlers, session: ChatSession) -> None:
    session.messages.append({"role": "user", "content": " "})
    outputs = list(handlers.respond(Pending(" ", time.perf_counter()), session, "hybrid", 5, False, []))
    assert "The question is empty" in outputs[-1][0][-1]["content"]


def test_missing_index_is_reported_and_retried(settings: Settings, session: ChatSession) -> None:
    attempts: list[int] = []

    def factory() -> ScriptedAssistant:
        attempts.append(1)
        if len(attempts) == 1:
            raise IndexMissingError("No index found in data/index. Build it with `paperlens ingest`.")
        return fake_assistant(settings)

    handlers = Handlers(AssistantProvider(factory), settings)
    info = handlers.on_load()[0]
    assert "No index found" in info
    _, session = ask(handlers, session, "pruning heads")
    assert len(attempts) == 2 and len(session.turns) == 1, "the index appeared, so the retry succeeds"


# ---------------------------------------------------------------- escaping


def test_untrusted_text_never_reaches_the_page_as_markup(handlers: Handlers, session: ChatSession) -> None:
    yields, session = ask(handlers, session, "escaping untrusted abstracts payload")
    chat_text = json.dumps(session.messages)
    for text in (chat_text, yields[-1][1], yields[-1][2], handlers.show_paper(XSS_ID)):
        assert "<script" not in text and "<img" not in text and "<b onmouseover" not in text
        assert 'href="javascript' not in text
    assert "](javascript" not in chat_text, "Markdown links from an abstract are not links"
    panel = handlers.show_paper(XSS_ID)
    assert "&lt;img src=x onerror=" in panel and "&#36;&#123;window" in panel
    assert 'href="https://github.com/example/escape"' in panel


# ---------------------------------------------------------------- chat controls


def test_stop_keeps_partial_text(handlers: Handlers, session: ChatSession) -> None:
    session.messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Partial ▍"}]
    chat, session = handlers.stop(session)
    assert chat[-1]["content"] == "Partial *(stopped)*"
    assert handlers.stop(session)[0] == chat, "stopping twice changes nothing"


def test_clear_forgets_the_conversation(handlers: Handlers, session: ChatSession) -> None:
    _, session = ask(handlers, session, "pruning heads")
    chat, sources, trace, markdown, fresh, saved, conversation = handlers.clear(session)
    assert (chat, trace, markdown) == ([], "", "") and fresh.turns == [] and "appear here" in sources
    assert saved == {"version": 1, "turns": []} and conversation == "", "the browser forgets it too"


def test_a_reload_restores_the_conversation_from_the_browser(
    handlers: Handlers, session: ChatSession
) -> None:
    yields, session = ask(handlers, session, "How much faster are pruned transformer heads?")
    yields, session = ask(handlers, session, "and distillation?")
    saved = json.loads(json.dumps(yields[-1][6]))  # what localStorage gives back
    chat, sources, markdown, restored, conversation = handlers.restore(saved)
    assert chat == session.messages, "the chat reads as it did"
    assert 'id="src-1-1"' in sources and 'id="src-2-1"' in sources, "earlier citations still lead somewhere"
    assert [t.question for t in restored.turns] == [t.question for t in session.turns], "follow-ups see them"
    assert markdown == session.markdown and "## Q2. and distillation?" in conversation


@pytest.mark.parametrize(
    "saved", [None, {}, {"version": 99, "turns": []}, {"version": 1, "turns": [{"x": 1}]}]
)
def test_an_unreadable_saved_conversation_starts_fresh(handlers: Handlers, saved: Any) -> None:
    chat, _, _, session, conversation = handlers.restore(saved)
    assert session.turns == [] and conversation == "" and not isinstance(chat, list)


def test_the_browser_keeps_only_the_latest_turns(handlers: Handlers, session: ChatSession) -> None:
    from paperlens.interfaces.web.handlers import MAX_SAVED_TURNS, saved_conversation

    _, session = ask(handlers, session, "pruning heads")
    saved = saved_conversation(session.turns * (MAX_SAVED_TURNS + 5))
    assert len(saved["turns"]) == MAX_SAVED_TURNS


def test_an_example_question_is_asked(handlers: Handlers, session: ChatSession) -> None:
    event = gr.SelectData(None, {"index": 0, "value": {"text": "Which papers prune heads?"}})
    box, chat, session, pending = handlers.example(event, session)
    assert box == "" and pending.question == "Which papers prune heads?" and chat[-1]["role"] == "user"


# ---------------------------------------------------------------- papers tab


def test_paper_table_searches_and_links_code(handlers: Handlers) -> None:
    rows = handlers.paper_table("distillation")
    assert [row[0] for row in rows] == ["Knowledge Distillation for Compact Image Classifiers"]
    pruning = handlers.paper_table("pruning")[0]
    assert pruning[1] == "2021", "the listing date (or year), never the listing file"
    assert pruning[2] == "[github.com/example/headprune](https://github.com/example/headprune)"
    xss = handlers.paper_table("escaping")[0]
    assert "javascript" not in xss[2]
    assert len(handlers.paper_table("")) == 4


def test_select_row_picks_the_paper_id(handlers: Handlers) -> None:
    event = gr.SelectData(None, {"index": [0, 0], "value": "x", "row_value": ["T", "l", "", "bbbb00000002"]})
    assert handlers.select_row(event) == "bbbb00000002"


def test_ask_about_this_paper_focuses_the_chat(handlers: Handlers, session: ChatSession) -> None:
    tabs, question, banner, _button, session = handlers.focus("aaaa00000001", session)
    assert tabs.selected == "chat" and "contribute" in question
    assert session.focus == "aaaa00000001" and banner.visible and "Pruning Attention Heads" in banner.value
    banner, _button, session = handlers.unfocus(session)
    assert session.focus is None and banner.visible is False


def test_summarize_puts_a_cited_summary_in_the_chat(handlers: Handlers, session: ChatSession) -> None:
    tabs, _, session, pending = handlers.summarize("bbbb00000002", session)
    assert tabs.selected == "chat" and pending.summarize == "bbbb00000002"
    outputs = list(handlers.respond(pending, session, "hybrid", 5, False, []))
    session = outputs[-1][4]
    assert (
        session.turns[0].question
        == "Summarize the paper “Knowledge Distillation for Compact Image Classifiers”"
    )
    assert "(#src-1-1)" in last_message(session)


def test_unknown_paper_warns(handlers: Handlers, session: ChatSession) -> None:
    with pytest.warns(UserWarning):
        assert handlers.summarize(None, session)[3] is None


def test_page_load_fills_model_info_pages_and_table(handlers: Handlers) -> None:
    info, pages, table, choices, chatbot, collection = handlers.on_load()
    assert "Extractive mode" in info and "PAPERLENS_LLM_PROVIDER" in info
    assert pages.choices[:2] == [
        ("Listing 1 · 1 paper", "listing_<x>.txt"),
        ("Listing 2 · 2 papers", "listing_a.txt"),
    ]
    assert len(table) == 4 and len(choices.choices) == 4
    assert "Ask about 4 papers" in chatbot.placeholder and 'class="pl-theme"' in chatbot.placeholder
    assert "2 themes" in collection and "Knowledge Distillation" in collection
    assert "publication year (4)" in collection and "Not recorded: listing date" in collection


def test_generative_model_is_named(settings: Settings) -> None:
    assert "fake-llm" in model_info(fake_assistant(settings, mode="generative"))


# ---------------------------------------------------------------- eval tab


def test_eval_tab_without_runs(handlers: Handlers) -> None:
    summary, plots, report, tab = handlers.eval_view()
    assert (summary, plots, report) == (NO_RUN, [], None) and tab.visible is False


def test_eval_tab_shows_latest_run(handlers: Handlers, settings: Settings) -> None:
    runs = settings.eval_dir / "runs"
    old, new = runs / "2024-01-01", runs / "2024-02-01"
    for run, text in ((old, "old"), (new, "new")):
        run.mkdir(parents=True)
        (run / "summary.md").write_text(f"# Summary {text}\n", encoding="utf-8")
    (new / "recall.png").write_bytes(b"\x89PNG")
    (new / "report.html").write_text("<html></html>", encoding="utf-8")
    os.utime(old / "summary.md", (1, 1))
    summary, plots, report, tab = handlers.eval_view()
    assert tab.visible is True and "Summary new" in summary and "2024-02-01" in summary
    assert [Path(p).name for p in plots] == ["recall.png"] and report and report.endswith("report.html")


# ---------------------------------------------------------------- API and launch options


def test_api_answer_is_json(handlers: Handlers) -> None:
    outputs = list(handlers.api_ask("pruning heads", "", 0, {"has_code": True}, []))
    assert outputs[0][0]["done"] is False and outputs[0][1] is not None
    payload, history = outputs[-1]
    assert payload["done"] and payload["citations"][0]["paper_id"] == "aaaa00000001"
    assert json.loads(json.dumps(payload)) == payload and len(history) == 1


@pytest.mark.parametrize(
    ("mode", "filters", "message"),
    [
        ("fast", {}, "Unknown retrieval mode"),
        ("", {"has_code": "maybe"}, "Invalid filters"),
        ("", {"x": 1}, "x"),
    ],
)
def test_api_rejects_bad_options(
    handlers: Handlers, mode: str, filters: dict[str, Any], message: str
) -> None:
    with pytest.raises(gr.Error, match=message):
        list(handlers.api_ask("q", mode, 0, filters, []))


def test_api_errors_are_messages(handlers: Handlers, fake: ScriptedAssistant) -> None:
    fake.script("fail llm", error=LLMError("http://127.0.0.1:9/v1", "connection refused"))
    with pytest.raises(gr.Error, match="connection refused"):
        list(handlers.api_ask("fail llm", "", 0, {}, []))


def test_launch_options_are_loopback_without_share(settings: Settings) -> None:
    options = launch_options(settings)
    assert options["server_name"] == "127.0.0.1" and options["share"] is False and options["auth"] is None
    assert options["run_history"] is False and options["ssr_mode"] is False


def test_login_comes_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, app=AppSettings(username="ada", password="s3cret"))  # type: ignore[arg-type]
    assert launch_options(settings)["auth"] == ("ada", "s3cret")
