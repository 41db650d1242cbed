"""The web app's state and event handlers, without any layout.

Each browser tab (and each API client) gets its own `ChatSession` through gr.State; nothing about
a conversation lives in module globals, so concurrent users never see each other's history.
Handlers are plain methods of `Handlers`, so tests call them without a server or a browser.
Errors the user can act on (`PaperlensError`) become chat messages; anything else is logged as a
bug and shown as a one-line message, never a traceback. The app keeps serving either way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import gradio as gr
from pydantic import ValidationError

from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import Settings
from paperlens.errors import PaperlensError
from paperlens.index.overview import CollectionOverview, describe_collection
from paperlens.inputs import (
    strip_format_characters,
    validate_k,
    validate_mode,
    validate_request,
)
from paperlens.interfaces.web.eval_view import NO_RUN, load_latest_run
from paperlens.interfaces.web.render import (
    answer_payload,
    conversation_markdown,
    escape_md,
    listing_choices,
    overview_placeholder,
    paper_rows,
    render_answer,
    render_error,
    render_overview,
    render_paper,
    render_sources,
    render_streaming,
    render_trace,
)
from paperlens.types import Answer, Paper, SearchFilters, Turn

log = logging.getLogger("paperlens.interfaces.web.layout")

SKIP = object()  # `partial`: leave the pending question as it is
STREAM_INTERVAL = 0.05  # seconds between chat refreshes while streaming; the first piece goes at once
SAVED_VERSION = 1  # of the conversation kept in the browser; another version is not restored
MAX_SAVED_TURNS = 50  # browser storage is small; older turns are dropped from it (not from the chat)


class AssistantProvider:
    """Hands out the assistant, building it on first use. When building fails (no index yet, the
    vector store down) the error reaches the user and the next request tries again, so running
    `paperlens ingest` while the app is up is enough to recover."""

    def __init__(self, factory: Callable[[], AssistantProtocol]) -> None:
        self._factory = factory
        self._assistant: AssistantProtocol | None = None
        self._lock = threading.Lock()

    @classmethod
    def ready(cls, assistant: AssistantProtocol) -> AssistantProvider:
        provider = cls(lambda: assistant)
        provider._assistant = assistant
        return provider

    def get(self) -> AssistantProtocol:
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = self._factory()
        return self._assistant


@dataclass
class ChatSession:
    """One user's conversation: the turns the assistant sees and the messages the chat shows."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    focus: str | None = None  # paper id that questions are limited to ("ask about this paper")
    markdown: str = ""  # latest answer with its references, for "copy as Markdown"


def saved_conversation(turns: list[Turn]) -> dict[str, Any]:
    """What the browser keeps across a reload: the latest turns, as JSON (an empty list, not
    None, after a clear: Gradio leaves browser storage alone when given None)."""
    return {"version": SAVED_VERSION, "turns": [t.model_dump(mode="json") for t in turns[-MAX_SAVED_TURNS:]]}


def saved_turns(saved: Any) -> list[Turn]:
    """The turns a browser kept; anything unreadable (an older app, a tampered value) is dropped."""
    if not isinstance(saved, dict) or saved.get("version") != SAVED_VERSION:
        return []
    try:
        return [Turn.model_validate(turn) for turn in saved.get("turns", [])]
    except ValidationError:
        log.warning("Dropped a saved conversation that no longer reads as turns")
        return []


@dataclass(frozen=True)
class Pending:
    """A question accepted by the UI and waiting for its answer."""

    question: str
    submitted: float
    summarize: str | None = None  # paper id: summarize this paper instead of asking


def partial(session: ChatSession, pending: Any = SKIP) -> tuple[Any, ...]:
    """A `respond` update that changes only the chat (and maybe the pending question)."""
    skip = gr.skip()
    return session.messages, skip, skip, skip, session, gr.skip() if pending is SKIP else pending, skip, skip


def user_message(text: str) -> dict[str, str]:
    return {"role": "user", "content": escape_md(text)}


def bot_message(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def with_last(messages: list[dict[str, str]], message: dict[str, str]) -> list[dict[str, str]]:
    """A new list (Gradio diffs the old value against the new one, so never mutate in place)."""
    return [*messages[:-1], message]


def make_filters(has_code: bool, pages: list[str] | None, focus: str | None) -> SearchFilters | None:
    filters = SearchFilters(
        has_code=True if has_code else None,
        sources=list(pages) if pages else None,
        paper_ids=[focus] if focus else None,
    )
    return None if filters.is_empty() else filters


def unexpected(error: Exception) -> str:
    log.exception("Unexpected error in the web app")
    return f"Something went wrong on our side ({type(error).__name__}). The details are in the server log."


def model_info(assistant: AssistantProtocol) -> str:
    count = len(assistant.index.papers)
    if assistant.mode == "extractive":
        return (
            f"**Extractive mode** — no LLM is configured, so answers quote the abstracts of the "
            f"{count} indexed papers. To enable an LLM, set `PAPERLENS_LLM_PROVIDER=openai` and "
            "`OPENAI_API_KEY`, or `PAPERLENS_LLM_PROVIDER=openai-compatible` with "
            "`PAPERLENS_LLM_BASE_URL` and `PAPERLENS_LLM_MODEL`, then restart."
        )
    return f"**LLM:** {escape_md(assistant.model_name)} (generative) over {count} papers."


class Handlers:
    """Every event handler of the app, bound to one assistant provider."""

    def __init__(self, provider: AssistantProvider, settings: Settings) -> None:
        self.provider, self.settings = provider, settings
        self._overview: tuple[object, CollectionOverview] | None = None

    def papers(self) -> Mapping[str, Paper]:
        try:
            return self.provider.get().index.papers
        except PaperlensError:
            return {}

    # ------------------------------------------------------------ chat

    def example(
        self, evt: gr.SelectData, session: ChatSession
    ) -> tuple[str, Any, ChatSession, Pending | None]:
        """A click on an example question asks it."""
        value = evt.value if isinstance(evt.value, dict) else {}
        return self.accept(str(value.get("text", "")), session)

    def accept(self, question: str, session: ChatSession) -> tuple[str, Any, ChatSession, Pending | None]:
        """Show the question at once (no queue) and hand it to `respond`. Invisible format
        characters (bidi overrides) are dropped first, so the chat never shows them."""
        question = strip_format_characters(question or "").strip()
        if not question:
            return "", gr.skip(), session, None
        messages = [*session.messages, user_message(question)]
        return "", messages, replace(session, messages=messages), Pending(question, time.perf_counter())

    def respond(
        self,
        pending: Pending | None,
        session: ChatSession,
        mode: str | None,
        k: float | None,
        has_code: bool,
        pages: list[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat, then show its sources, trace and Markdown, and keep
        the conversation in the browser. Yields (chat, sources, trace, markdown, session,
        pending, saved conversation, conversation as Markdown)."""
        if pending is None:
            yield partial(session, pending=None)
            return
        messages = [*session.messages, bot_message(render_streaming(""))]
        session = replace(session, messages=messages)
        yield partial(session)
        try:
            options = {"mode": validate_mode(mode), "k": validate_k(k or None)}
            filters = make_filters(has_code, pages, session.focus)
            yield from self.stream_answer(pending, session, options, filters)
        except PaperlensError as error:
            yield self.failed(session, str(error))
        except Exception as error:
            yield self.failed(session, unexpected(error))

    def stream_answer(
        self, pending: Pending, session: ChatSession, options: dict[str, Any], filters: SearchFilters | None
    ) -> Iterator[tuple[Any, ...]]:
        assistant = self.provider.get()
        if pending.summarize:
            items = assistant.stream_paper_summary(pending.summarize)
        else:
            items = assistant.stream(pending.question, history=session.turns, filters=filters, **options)
        text, first_ms, shown = "", None, 0.0
        for item in items:
            if isinstance(item, Answer):
                total_ms = (time.perf_counter() - pending.submitted) * 1000
                yield self.finished(session, pending.question, item, first_ms, total_ms)
                return
            text += item.text
            if first_ms is None:
                first_ms = (time.perf_counter() - pending.submitted) * 1000
            if time.perf_counter() - shown >= STREAM_INTERVAL:
                shown = time.perf_counter()
                session = replace(
                    session, messages=with_last(session.messages, bot_message(render_streaming(text)))
                )
                yield partial(session)
        raise RuntimeError("the assistant's stream ended without a final answer")

    def finished(
        self, session: ChatSession, question: str, answer: Answer, first_ms: float | None, total_ms: float
    ) -> tuple[Any, ...]:
        turns = [*session.turns, Turn(question=question, answer=answer)]
        message = bot_message(render_answer(answer, len(turns)))
        session = replace(
            session, turns=turns, messages=with_last(session.messages, message), markdown=answer.markdown
        )
        sources = render_sources(turns, self.papers())
        trace = render_trace(answer, first_ms, total_ms)
        saved, conversation = saved_conversation(turns), conversation_markdown(turns)
        return session.messages, sources, trace, answer.markdown, session, None, saved, conversation

    def failed(self, session: ChatSession, message: str) -> tuple[Any, ...]:
        session = replace(session, messages=with_last(session.messages, bot_message(render_error(message))))
        return partial(session, pending=None)

    def stop(self, session: ChatSession) -> tuple[Any, ChatSession]:
        """After a cancel, leave the partial answer visible and say it was stopped."""
        last = session.messages[-1] if session.messages else None
        if not last or last["role"] != "assistant" or not last["content"].endswith(" ▍"):
            return session.messages, session
        stopped = bot_message(last["content"].removesuffix(" ▍").rstrip() + " *(stopped)*")
        session = replace(session, messages=with_last(session.messages, stopped))
        return session.messages, session

    def clear(self, session: ChatSession) -> tuple[Any, ...]:
        """Forget the conversation, here and in the browser's storage."""
        fresh = ChatSession(focus=session.focus)
        return [], render_sources([], {}), "", "", fresh, saved_conversation([]), ""

    def restore(self, saved: Any) -> tuple[Any, ...]:
        """On page load: the conversation the browser kept, shown as it was (chat, sources,
        latest answer's Markdown), and the assistant sees it again for follow-ups."""
        turns = saved_turns(saved)
        if not turns:
            return gr.skip(), gr.skip(), gr.skip(), ChatSession(), ""
        messages = []
        for n, turn in enumerate(turns, 1):
            messages += [user_message(turn.question), bot_message(render_answer(turn.answer, n))]
        markdown = turns[-1].answer.markdown
        session = ChatSession(turns=turns, messages=messages, markdown=markdown)
        return messages, render_sources(turns, self.papers()), markdown, session, conversation_markdown(turns)

    # ------------------------------------------------------------ papers

    def paper_table(self, query: str = "") -> list[list[str]]:
        return paper_rows(self.papers().values(), query or "")

    def paper_choices(self) -> list[tuple[str, str]]:
        papers = sorted(self.papers().values(), key=lambda p: p.title.lower())
        return [(paper.title, paper.paper_id) for paper in papers]

    def select_row(self, evt: gr.SelectData) -> str | Any:
        row = evt.row_value or []
        return row[3] if len(row) > 3 else gr.skip()

    def show_paper(self, paper_id: str | None) -> str:
        return render_paper(self.papers().get(paper_id or ""))

    def focus(self, paper_id: str | None, session: ChatSession) -> tuple[Any, ...]:
        """'Ask about this paper': limit questions to it and take the user to the chat."""
        paper = self.papers().get(paper_id or "")
        if paper is None:
            gr.Warning("Select a paper first.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), session
        session = replace(session, focus=paper.paper_id)
        question = "What problem does this paper address, and what does it contribute?"
        return gr.Tabs(selected="chat"), question, *self.focus_banner(session), session

    def unfocus(self, session: ChatSession) -> tuple[Any, ...]:
        session = replace(session, focus=None)
        return *self.focus_banner(session), session

    def focus_banner(self, session: ChatSession) -> tuple[Any, Any]:
        paper = self.papers().get(session.focus or "")
        if paper is None:
            return gr.Markdown(value="", visible=False), gr.Button(visible=False)
        text = f"🔎 Questions are limited to **{escape_md(paper.title)}** (`{paper.paper_id}`)."
        return gr.Markdown(value=text, visible=True), gr.Button(visible=True)

    def summarize(self, paper_id: str | None, session: ChatSession) -> tuple[Any, ...]:
        """Put 'Summarize <title>' in the chat at once; `respond` then fetches the summary."""
        paper = self.papers().get(paper_id or "")
        if paper is None:
            gr.Warning("Select a paper first.")
            return gr.skip(), gr.skip(), session, None
        question = f"Summarize the paper “{paper.title}”"
        messages = [*session.messages, user_message(question)]
        pending = Pending(question, time.perf_counter(), summarize=paper.paper_id)
        return gr.Tabs(selected="chat"), messages, replace(session, messages=messages), pending

    # ------------------------------------------------------------ page load and eval

    def overview(self) -> CollectionOverview | None:
        """What the collection covers, computed once per index."""
        try:
            index = self.provider.get().index
        except PaperlensError:
            return None
        if self._overview is None or self._overview[0] is not index:
            store = getattr(index, "sentences", None)  # the real index keeps sentence vectors; a fake may not
            self._overview = (index, describe_collection(index.papers, store))
        return self._overview[1]

    def on_load(self) -> tuple[Any, ...]:
        """Fill everything that depends on the index when a page opens (the index may appear
        after the app started): model info, listing pages, the papers, the collection overview
        (in the empty chat and in its panel)."""
        try:
            assistant = self.provider.get()
        except PaperlensError as error:
            info = f"⚠️ {escape_md(str(error))}"
            return info, gr.Dropdown(choices=[]), [], gr.Dropdown(choices=[]), gr.skip(), ""
        overview = self.overview()
        assert overview is not None  # the assistant exists, so its index does
        return (
            model_info(assistant),
            gr.Dropdown(choices=listing_choices(assistant.index.papers.values())),
            self.paper_table(),
            gr.Dropdown(choices=self.paper_choices()),
            gr.Chatbot(placeholder=overview_placeholder(overview)),
            render_overview(overview),
        )

    def eval_view(self) -> tuple[str, list[str], str | None, Any]:
        """The latest eval run; the Eval tab shows only when there is one."""
        run = load_latest_run(self.settings.eval_dir)
        if run is None:
            return NO_RUN, [], None, gr.Tab(visible=False)
        header = f"Latest run: `{run.directory.name}`\n\n"
        report = str(run.report) if run.report else None
        return header + run.summary, [str(p) for p in run.plots], report, gr.Tab(visible=True)

    # ------------------------------------------------------------ API

    def api_ask(
        self, question: str, mode: str, k: float | None, filters: Any, history: list[Turn]
    ) -> Iterator[tuple[Any, Any]]:
        """The /ask endpoint: streams {"answer": partial, "done": false} and ends with the full
        answer and its citations; follow-ups use this client's earlier questions."""
        try:
            # Every input is checked, with the CLI's rules, before the assistant is even built.
            request = validate_request(
                question, self.settings.answer.max_question_chars, k or None, mode, filters
            )  # k 0 is the documented "default"
            assistant = self.provider.get()
            text = ""
            stream = assistant.stream(
                request.question, history=history, filters=request.filters, k=request.k, mode=request.mode
            )
            for item in stream:
                if isinstance(item, Answer):
                    turns = [*history, Turn(question=request.question, answer=item)]
                    yield {**answer_payload(item), "done": True}, turns
                    return
                text += item.text
                yield {"question": request.question, "answer": text, "done": False}, gr.skip()
        except PaperlensError as error:
            raise gr.Error(str(error), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as error:
            raise gr.Error(unexpected(error), print_exception=False) from None
