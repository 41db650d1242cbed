"""The web app: Gradio Blocks over an Assistant, with a chat tab (streamed, cited answers and their
sources), a papers tab and an eval tab. `app.py` and `paperlens app` call `launch`.

Each browser tab (and each API client) gets its own `ChatSession` through gr.State; nothing about
a conversation lives in module globals, so concurrent users never see each other's history.
Handlers are plain methods of `Handlers`, so tests call them without a server or a browser.
Errors the user can act on (`PaperlensError`) become chat messages; anything else is logged as a
bug and shown as a one-line message, never a traceback. The app keeps serving either way.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import gradio as gr
from pydantic import ValidationError

from paperlens.config import Settings
from paperlens.errors import PaperlensError, QuestionError
from paperlens.types import Answer, Delta, Paper, SearchFilters, Turn
from paperlens.ui_eval import NO_RUN, load_latest_run, runs_dir
from paperlens.ui_render import (
    CSS,
    answer_payload,
    escape_md,
    paper_rows,
    render_answer,
    render_error,
    render_paper,
    render_sources,
    render_streaming,
    render_trace,
)

log = logging.getLogger("paperlens.ui")

API_NAME = "ask"  # the documented chat endpoint: client.predict(question, api_name="/ask")
MODES = ["hybrid", "dense", "bm25"]
EXAMPLES = [
    "Which papers work on Kolmogorov-Arnold Networks?",
    "What throughput did Megatron-LM reach when training a trillion-parameter model?",
    "How can temporal sparsity make video inference cheaper?",
    "Summarize the work in this collection on neural collapse.",
]
STREAM_INTERVAL = 0.05  # seconds between chat refreshes while streaming; the first piece goes at once
PAPER_HEADERS = ["Title", "Listed in", "Code", "Id"]
OFFLINE_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


class AssistantLike(Protocol):
    """What the app needs from `paperlens.assistant.Assistant` (tests pass a fake)."""

    settings: Settings
    index: Any  # .papers: dict[str, Paper]
    mode: str
    model_name: str

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: Any = None,
    ) -> Iterator[Delta | Answer]: ...

    def summarize_paper(self, paper_id: str) -> Answer: ...


class AssistantProvider:
    """Hands out the assistant, building it on first use. When building fails (no index yet, the
    vector store down) the error reaches the user and the next request tries again, so running
    `paperlens ingest` while the app is up is enough to recover."""

    def __init__(self, factory: Callable[[], AssistantLike]) -> None:
        self._factory = factory
        self._assistant: AssistantLike | None = None
        self._lock = threading.Lock()

    @classmethod
    def ready(cls, assistant: AssistantLike) -> AssistantProvider:
        provider = cls(lambda: assistant)
        provider._assistant = assistant
        return provider

    def get(self) -> AssistantLike:
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


@dataclass(frozen=True)
class Pending:
    """A question accepted by the UI and waiting for its answer."""

    question: str
    submitted: float
    summarize: str | None = None  # paper id: summarize this paper instead of asking


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


def model_info(assistant: AssistantLike) -> str:
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

    def papers(self) -> Mapping[str, Paper]:
        try:
            return self.provider.get().index.papers
        except PaperlensError:
            return {}

    # ------------------------------------------------------------ chat

    def accept(self, question: str, session: ChatSession) -> tuple[str, Any, ChatSession, Pending | None]:
        """Show the question at once (no queue) and hand it to `respond`."""
        question = (question or "").strip()
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
        """Stream the answer into the chat, then show its sources, trace and Markdown."""
        if pending is None:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), session, None
            return
        messages = [*session.messages, bot_message(render_streaming(""))]
        session = replace(session, messages=messages)
        yield messages, gr.skip(), gr.skip(), gr.skip(), session, gr.skip()
        options = {"mode": mode or None, "k": int(k) if k else None}
        filters = make_filters(has_code, pages, session.focus)
        try:
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
            items = self.paper_summary(assistant, pending.summarize)
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
                yield session.messages, gr.skip(), gr.skip(), gr.skip(), session, gr.skip()
        raise RuntimeError("the assistant's stream ended without a final answer")

    @staticmethod
    def paper_summary(assistant: AssistantLike, paper_id: str) -> Iterator[Delta | Answer]:
        """Stream the summary when the assistant can, else deliver it in one piece."""
        streaming = getattr(assistant, "stream_paper_summary", None)
        return streaming(paper_id) if streaming else iter([assistant.summarize_paper(paper_id)])

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
        return session.messages, sources, trace, answer.markdown, session, None

    def failed(self, session: ChatSession, message: str) -> tuple[Any, ...]:
        session = replace(session, messages=with_last(session.messages, bot_message(render_error(message))))
        return session.messages, gr.skip(), gr.skip(), gr.skip(), session, None

    def stop(self, session: ChatSession) -> tuple[Any, ChatSession]:
        """After a cancel, leave the partial answer visible and say it was stopped."""
        last = session.messages[-1] if session.messages else None
        if not last or last["role"] != "assistant" or not last["content"].endswith(" ▍"):
            return session.messages, session
        stopped = bot_message(last["content"].removesuffix(" ▍").rstrip() + " *(stopped)*")
        session = replace(session, messages=with_last(session.messages, stopped))
        return session.messages, session

    def clear(self, session: ChatSession) -> tuple[Any, ...]:
        fresh = ChatSession(focus=session.focus)
        return [], render_sources([], {}), "", "", fresh

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

    def on_load(self) -> tuple[Any, ...]:
        """Fill everything that depends on the index when a page opens (the index may appear
        after the app started)."""
        try:
            assistant = self.provider.get()
        except PaperlensError as error:
            info = f"⚠️ {escape_md(str(error))}"
            return info, gr.Dropdown(choices=[]), [], gr.Dropdown(choices=[])
        pages = sorted({source for paper in assistant.index.papers.values() for source in paper.sources})
        return (
            model_info(assistant),
            gr.Dropdown(choices=pages),
            self.paper_table(),
            gr.Dropdown(choices=self.paper_choices()),
        )

    def eval_view(self) -> tuple[str, list[str], str | None]:
        run = load_latest_run(self.settings.eval_dir)
        if run is None:
            return NO_RUN, [], None
        header = f"Latest run: `{run.directory.name}`\n\n"
        report = str(run.report) if run.report else None
        return header + run.summary, [str(p) for p in run.plots], report

    # ------------------------------------------------------------ API

    def api_ask(
        self, question: str, mode: str, k: float | None, filters: Any, history: list[Turn]
    ) -> Iterator[tuple[Any, Any]]:
        """The /ask endpoint: streams {"answer": partial, "done": false} and ends with the full
        answer and its citations; follow-ups use this client's earlier questions."""
        try:
            options = self.api_options(mode, k, filters)
            assistant = self.provider.get()
            text = ""
            for item in assistant.stream(question, history=history, **options):
                if isinstance(item, Answer):
                    turns = [*history, Turn(question=question, answer=item)]
                    yield {**answer_payload(item), "done": True}, turns
                    return
                text += item.text
                yield {"question": question, "answer": text, "done": False}, gr.skip()
        except PaperlensError as error:
            raise gr.Error(str(error), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as error:
            raise gr.Error(unexpected(error), print_exception=False) from None

    def api_options(self, mode: str, k: float | None, filters: Any) -> dict[str, Any]:
        if mode and mode not in MODES:
            raise QuestionError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
        try:
            parsed = SearchFilters.model_validate(filters or {})
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            raise QuestionError(f"Invalid filters ({problems}).") from None
        return {
            "mode": mode or None,
            "k": int(k) if k else None,
            "filters": None if parsed.is_empty() else parsed,
        }


# ---------------------------------------------------------------- layout


@dataclass
class ChatWidgets:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    clear: gr.Button
    copy: gr.Button
    focus_text: gr.Markdown
    unfocus: gr.Button
    info: gr.Markdown
    mode: gr.Radio
    k: gr.Slider
    has_code: gr.Checkbox
    pages: gr.Dropdown
    sources: gr.HTML
    trace: gr.HTML
    markdown: gr.Textbox


@dataclass
class PaperWidgets:
    search: gr.Textbox
    table: gr.Dataframe
    choice: gr.Dropdown
    view: gr.HTML
    ask: gr.Button
    summarize: gr.Button


@dataclass
class EvalWidgets:
    summary: gr.Markdown
    plots: gr.Gallery
    report: gr.File
    refresh: gr.Button


def html_panel(value: str, elem_id: str) -> gr.HTML:
    # js_on_load=None: the default listener would send every click inside the panel to the server.
    return gr.HTML(value, elem_id=elem_id, js_on_load=None, padding=False)


def chat_tab(settings: Settings) -> ChatWidgets:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row(elem_classes="pl-focus"):
                focus_text = gr.Markdown(visible=False, elem_id="focus")
                unfocus = gr.Button("Ask about all papers", size="sm", visible=False, scale=0)
            chatbot = gr.Chatbot(
                elem_id="chat",
                elem_classes="pl-chat",
                height=560,
                buttons=["copy"],
                feedback_options=None,
                placeholder="Ask a question about the papers. Answers cite their sources as [n].",
                latex_delimiters=[],
                show_label=False,
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about the papers…",
                    show_label=False,
                    elem_id="question",
                    scale=8,
                    max_lines=6,
                    submit_btn=False,
                )
                send = gr.Button("Ask", variant="primary", elem_id="send", scale=1, min_width=80)
                stop = gr.Button("Stop", elem_id="stop", scale=1, min_width=80)
            gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
            with gr.Row():
                clear = gr.Button("Clear chat", size="sm", elem_id="clear")
                copy = gr.Button("Copy answer as Markdown", size="sm", elem_id="copy")
        with gr.Column(scale=2):
            info = gr.Markdown(elem_id="model-info")
            with gr.Accordion("Search settings", open=False):
                mode = gr.Radio(MODES, value=settings.retrieval.mode, label="Retrieval mode")
                k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Papers to retrieve (top-k)")
                has_code = gr.Checkbox(label="Only papers with code")
                pages = gr.Dropdown([], multiselect=True, label="Listing pages", elem_id="pages")
            gr.Markdown("### Sources")
            sources = html_panel(render_sources([], {}), "sources")
            with gr.Accordion("Trace", open=False):
                trace = html_panel("", "trace")
            with gr.Accordion("Answer as Markdown", open=False):
                markdown = gr.Textbox(show_label=False, lines=6, buttons=["copy"], elem_id="markdown")
    return ChatWidgets(
        chatbot,
        question,
        send,
        stop,
        clear,
        copy,
        focus_text,
        unfocus,
        info,
        mode,
        k,
        has_code,
        pages,
        sources,
        trace,
        markdown,
    )


def papers_tab() -> PaperWidgets:
    with gr.Row():
        search = gr.Textbox(placeholder="Search titles, abstracts, authors, ids…", show_label=False, scale=4)
        choice = gr.Dropdown([], label="Paper", scale=3, elem_id="paper-choice")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=PAPER_HEADERS,
                datatype=["str", "str", "markdown", "str"],
                interactive=False,
                wrap=True,
                max_height=640,
                column_widths=["50%", "20%", "18%", "12%"],
                elem_id="papers",
            )
        with gr.Column(scale=2):
            view = html_panel(render_paper(None), "paper-view")
            with gr.Row():
                ask = gr.Button("Ask about this paper", variant="primary", elem_id="ask-paper")
                summarize = gr.Button("Summarize", elem_id="summarize-paper")
    return PaperWidgets(search, table, choice, view, ask, summarize)


def eval_tab() -> EvalWidgets:
    refresh = gr.Button("Refresh", size="sm")
    summary = gr.Markdown(NO_RUN, elem_id="eval-summary")
    plots = gr.Gallery(label="Plots", columns=2, height=520, object_fit="contain", buttons=["fullscreen"])
    report = gr.File(label="Full report (HTML)", interactive=False)
    return EvalWidgets(summary, plots, report, refresh)


def api_endpoints(handlers: Handlers) -> None:
    """Hidden components behind the documented /ask and /reset endpoints. The history State is
    per client session, so each gradio_client Client has its own conversation."""
    with gr.Group(visible=False):
        question = gr.Textbox(label="question")
        mode = gr.Textbox(value="", label="mode")
        k = gr.Number(value=0, precision=0, label="k")
        filters = gr.JSON(value={}, label="filters")
        result = gr.JSON(label="answer")
        history = gr.State([])
        ask, reset = gr.Button(), gr.Button()
    ask.click(
        handlers.api_ask,
        [question, mode, k, filters, history],
        [result, history],
        api_name=API_NAME,
        api_description=(
            "Answer a question with citations. Streams partial answers; the final value holds "
            "answer, citations, refused, retrieved, timings. mode: hybrid|dense|bm25 or '' for the "
            "default; k: papers to retrieve, 0 for the default; filters: SearchFilters as a dict, "
            'e.g. {"has_code": true}. Follow-ups use this client\'s earlier questions.'
        ),
        concurrency_id="answer",
    )
    reset.click(
        lambda: [], None, history, api_name="reset", api_description="Forget this client's conversation."
    )


def wire_chat(handlers: Handlers, chat: ChatWidgets, session: gr.State, pending: gr.State) -> None:
    accept_args = {
        "fn": handlers.accept,
        "inputs": [chat.question, session],
        "outputs": [chat.question, chat.chatbot, session, pending],
        "queue": False,
        "api_visibility": "private",
    }
    respond_args = {
        "fn": handlers.respond,
        "inputs": [pending, session, chat.mode, chat.k, chat.has_code, chat.pages],
        "outputs": [chat.chatbot, chat.sources, chat.trace, chat.markdown, session, pending],
        "concurrency_id": "answer",
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    submitted = chat.question.submit(**accept_args).then(**respond_args)
    clicked = chat.send.click(**accept_args).then(**respond_args)
    chat.stop.click(
        handlers.stop,
        [session],
        [chat.chatbot, session],
        cancels=[submitted, clicked],
        queue=False,
        api_visibility="private",
    )
    chat.clear.click(
        handlers.clear,
        [session],
        [chat.chatbot, chat.sources, chat.trace, chat.markdown, session],
        queue=False,
        api_visibility="private",
    )
    chat.unfocus.click(
        handlers.unfocus,
        [session],
        [chat.focus_text, chat.unfocus, session],
        queue=False,
        api_visibility="private",
    )
    # Copying happens in the browser (no round trip); the Markdown box is the fallback.
    chat.copy.click(None, [chat.markdown], None, js=COPY_JS, api_visibility="private")


COPY_JS = """(text) => {
  if (!text) { return; }
  navigator.clipboard.writeText(text).catch(() => {});
  window.paperlensCopied = text;
}"""


def wire_papers(
    handlers: Handlers,
    papers: PaperWidgets,
    chat: ChatWidgets,
    tabs: gr.Tabs,
    session: gr.State,
    pending: gr.State,
) -> None:
    private = {"api_visibility": "private"}
    papers.search.change(handlers.paper_table, [papers.search], [papers.table], queue=False, **private)
    papers.table.select(handlers.select_row, None, [papers.choice], queue=False, **private)
    papers.choice.change(handlers.show_paper, [papers.choice], [papers.view], queue=False, **private)
    papers.ask.click(
        handlers.focus,
        [papers.choice, session],
        [tabs, chat.question, chat.focus_text, chat.unfocus, session],
        queue=False,
        **private,
    )
    papers.summarize.click(
        handlers.summarize,
        [papers.choice, session],
        [tabs, chat.chatbot, session, pending],
        queue=False,
        **private,
    ).then(
        handlers.respond,
        [pending, session, chat.mode, chat.k, chat.has_code, chat.pages],
        [chat.chatbot, chat.sources, chat.trace, chat.markdown, session, pending],
        concurrency_id="answer",
        show_progress="hidden",
        **private,
    )


def build_app(provider: AssistantProvider, settings: Settings) -> gr.Blocks:
    """The whole app. Nothing is fetched from the index here: the page-load event fills it in."""
    handlers = Handlers(provider, settings)
    with gr.Blocks(title="paperlens", analytics_enabled=False) as demo:
        session = gr.State(ChatSession())
        pending = gr.State(None)
        gr.Markdown("## paperlens · cited answers from research papers")
        with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
            with gr.Tab("Chat", id="chat"):
                chat = chat_tab(settings)
            with gr.Tab("Papers", id="papers"):
                papers = papers_tab()
            with gr.Tab("Eval", id="eval"):
                evals = eval_tab()
        api_endpoints(handlers)
        wire_chat(handlers, chat, session, pending)
        wire_papers(handlers, papers, chat, tabs, session, pending)
        private = {"api_visibility": "private"}
        demo.load(handlers.on_load, None, [chat.info, chat.pages, papers.table, papers.choice], **private)
        demo.load(handlers.eval_view, None, [evals.summary, evals.plots, evals.report], **private)
        evals.refresh.click(handlers.eval_view, None, [evals.summary, evals.plots, evals.report], **private)
    demo.queue(default_concurrency_limit=settings.app.concurrency)
    return demo


# ---------------------------------------------------------------- launching


def launch_options(settings: Settings) -> dict[str, Any]:
    """Everything passed to `Blocks.launch`: loopback, no share link, optional login."""
    auth = None
    if settings.app.username and settings.app.password:
        auth = (settings.app.username, settings.app.password.get_secret_value())
    runs = runs_dir(settings.eval_dir).resolve()
    return {
        "server_name": settings.app.host,
        "server_port": settings.app.port,
        "share": False,
        "auth": auth,
        "auth_message": "paperlens: sign in with the username and password from the settings.",
        "css": CSS,
        "footer_links": ["api"],
        "run_history": False,  # the browser would keep copies of every answer otherwise
        "ssr_mode": False,
        "mcp_server": False,
        "allowed_paths": [str(runs)],  # eval plots may live outside the working directory
        "show_error": False,
    }


def offline_environment() -> None:
    """No analytics and no model downloads, whatever the caller's environment says."""
    os.environ.update(OFFLINE_ENV)
    loopback = "127.0.0.1,localhost"
    current = os.environ.get("NO_PROXY", "")
    os.environ["NO_PROXY"] = f"{current},{loopback}" if current else loopback


def ensure_index(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Build the index on first run, with a progress bar on the terminal. A failure (no papers,
    unreadable file) is reported and the app still starts: the chat shows the same message."""
    from paperlens.errors import IndexMissingError
    from paperlens.index import Ingester, PaperIndex
    from paperlens.providers import make_embedding

    try:
        PaperIndex.load(settings)
        return
    except IndexMissingError:
        pass
    except PaperlensError as error:
        echo(f"The index cannot be opened: {error}")
        return
    echo(f"No index yet: building it from {settings.papers_path} (first run only).")
    try:
        echo("Loading the embedding model…")
        embed_model = make_embedding(settings.embedding)
        report = Ingester(settings, embed_model, progress=True).ingest([settings.papers_path])
    except PaperlensError as error:
        echo(f"Could not build the index: {error}\nThe app starts anyway and shows this in the chat.")
        return
    echo(f"Indexed {report.papers} papers ({report.chunks} chunks) in {report.seconds:.1f} s.")


def build_assistant(settings: Settings) -> AssistantProvider:
    """Build the assistant now (so the first question is fast); if that fails, keep serving and
    retry on the next question."""
    from paperlens.assistant import Assistant

    provider = AssistantProvider(lambda: Assistant.from_settings(settings))
    try:
        provider.get()
    except PaperlensError as error:
        log.warning("The assistant is not ready: %s", error)
    return provider


def launch(settings: Settings, provider: AssistantProvider | None = None, **overrides: Any) -> gr.Blocks:
    """Serve the app: `python app.py` and `paperlens app` call this with just the settings (the
    index is built first if missing); tests pass a ready provider and prevent_thread_lock=True.
    Blocks until the server stops unless prevent_thread_lock is given."""
    offline_environment()
    if provider is None:
        ensure_index(settings)
        provider = build_assistant(settings)
    demo = build_app(provider, settings)
    demo.launch(**{**launch_options(settings), **overrides})
    return demo
