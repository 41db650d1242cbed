"""The web app: Gradio Blocks over an Assistant, with a chat tab (streamed, cited answers and their
sources), a papers tab and an eval tab. `app.py` and `paperlens app` call `launch`.

Layout and wiring live here; per-user state and the handlers are in `ui_handlers`, the escaping
and HTML of answers and source cards in `ui_render`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from paperlens.config import Settings
from paperlens.errors import PaperlensError
from paperlens.inputs import MODES
from paperlens.interfaces.web.downloads import FORMAT_CHOICES, ReferenceFiles
from paperlens.interfaces.web.eval_view import NO_RUN, runs_dir
from paperlens.interfaces.web.handlers import AssistantProvider, ChatSession, Handlers
from paperlens.interfaces.web.render import CSS, render_paper, render_sources
from paperlens.interfaces.web.scripts import COPY_JS, DETAILS_JS, EXPORT_JS, PAGE_JS

log = logging.getLogger("paperlens.interfaces.web.layout")

API_NAME = "ask"  # the documented chat endpoint: client.predict(question, api_name="/ask")
EXAMPLES = [
    "Which papers work on Kolmogorov-Arnold Networks?",
    "What throughput did Megatron-LM reach when training a trillion-parameter model?",
    "How can temporal sparsity make video inference cheaper?",
    "Summarize the work in this collection on neural collapse.",
]
PAPER_HEADERS = ["Title", "Listed", "Code", "Id"]


# ---------------------------------------------------------------- layout


@dataclass
class ChatWidgets:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    clear: gr.Button
    copy: gr.Button
    export: gr.Button
    focus_text: gr.Markdown
    unfocus: gr.Button
    info: gr.Markdown
    details: gr.Checkbox
    mode: gr.Radio
    k: gr.Slider
    has_code: gr.Checkbox
    pages: gr.Dropdown
    sources: gr.HTML
    trace: gr.HTML
    markdown: gr.Textbox
    export_format: gr.Dropdown
    download: gr.DownloadButton
    collection: gr.HTML
    conversation: gr.Textbox  # hidden: the whole conversation as Markdown, for the export button
    saved: gr.BrowserState  # the conversation, kept in the browser across reloads
    show_details: gr.BrowserState  # the details toggle, remembered too


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
    tab: gr.Tab
    summary: gr.Markdown
    plots: gr.Gallery
    report: gr.File
    refresh: gr.Button


def html_panel(value: str, elem_id: str) -> gr.HTML:
    # js_on_load=None: the default listener would send every click inside the panel to the server.
    return gr.HTML(value, elem_id=elem_id, js_on_load=None, padding=False)


def chat_tab(settings: Settings) -> ChatWidgets:
    """The chat beside its sources. The empty chat shows what the collection covers and example
    questions (filled in on page load), so both are in view without scrolling."""
    with gr.Row(equal_height=False, elem_id="chat-row"):
        with gr.Column(scale=3, min_width=300):
            with gr.Row(elem_classes="pl-focus"):
                focus_text = gr.Markdown(visible=False, elem_id="focus")
                unfocus = gr.Button("Ask about all papers", size="sm", visible=False, scale=0)
            chatbot = gr.Chatbot(
                elem_id="chat",
                elem_classes="pl-chat",
                height="min(560px, 64vh)",
                buttons=["copy"],
                feedback_options=None,
                placeholder="Ask a question about the papers. Answers cite their sources as [n].",
                examples=[{"text": question} for question in EXAMPLES],
                latex_delimiters=[],
                show_label=False,
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about the papers…",
                    show_label=False,
                    elem_id="question",
                    scale=8,
                    min_width=160,
                    max_lines=6,
                    submit_btn=False,
                )
                send = gr.Button("Ask", variant="primary", elem_id="send", scale=1, min_width=64)
                stop = gr.Button("Stop", elem_id="stop", scale=1, min_width=64)
            with gr.Row(elem_id="chat-actions"):
                clear = gr.Button("Clear chat", size="sm", elem_id="clear", min_width=80)
                copy = gr.Button("Copy answer", size="sm", elem_id="copy", min_width=80)
                export = gr.Button("Export .md", size="sm", elem_id="export", min_width=80)
        with gr.Column(scale=2, min_width=300, elem_id="side"):
            info = gr.Markdown(elem_id="model-info")
            details = gr.Checkbox(
                label="Show details: scores, listing files, trace", elem_id="details-toggle", container=False
            )
            gr.Markdown("### Sources")
            sources = html_panel(render_sources([], {}), "sources")
            with gr.Row(elem_id="reference-download"):
                export_format = gr.Dropdown(
                    FORMAT_CHOICES, value="bibtex", show_label=False, elem_id="export-format", scale=1
                )
                download = gr.DownloadButton(
                    "Download references", size="sm", interactive=False, elem_id="download", scale=1
                )
            with gr.Accordion("Trace", open=False, elem_classes="pl-detail", elem_id="trace-panel"):
                trace = html_panel("", "trace")
            with gr.Accordion("Search settings", open=False):
                mode = gr.Radio(list(MODES), value=settings.retrieval.mode, label="Retrieval mode")
                k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Papers to retrieve (top-k)")
                has_code = gr.Checkbox(label="Only papers with code")
                pages = gr.Dropdown([], multiselect=True, label="Listing pages", elem_id="pages")
            with gr.Accordion("Answer as Markdown", open=False):
                markdown = gr.Textbox(show_label=False, lines=6, buttons=["copy"], elem_id="markdown")
            with gr.Accordion("About this collection", open=False, elem_id="collection-panel"):
                collection = html_panel("", "collection")
    conversation = gr.Textbox(visible=False, elem_id="conversation")
    saved = gr.BrowserState(None, storage_key="paperlens-conversation")
    show_details = gr.BrowserState(False, storage_key="paperlens-details")
    return ChatWidgets(
        chatbot,
        question,
        send,
        stop,
        clear,
        copy,
        export,
        focus_text,
        unfocus,
        info,
        details,
        mode,
        k,
        has_code,
        pages,
        sources,
        trace,
        markdown,
        export_format,
        download,
        collection,
        conversation,
        saved,
        show_details,
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


def eval_tab(tab: gr.Tab) -> EvalWidgets:
    refresh = gr.Button("Refresh", size="sm")
    summary = gr.Markdown(NO_RUN, elem_id="eval-summary")
    plots = gr.Gallery(label="Plots", columns=2, height=520, object_fit="contain", buttons=["fullscreen"])
    report = gr.File(label="Full report (HTML)", interactive=False)
    return EvalWidgets(tab, summary, plots, report, refresh)


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


def respond_outputs(chat: ChatWidgets, session: gr.State, pending: gr.State) -> list[Any]:
    """What `Handlers.respond` yields into, in its order."""
    return [
        chat.chatbot,
        chat.sources,
        chat.trace,
        chat.markdown,
        session,
        pending,
        chat.saved,
        chat.conversation,
    ]


def wire_chat(handlers: Handlers, chat: ChatWidgets, session: gr.State, pending: gr.State) -> None:
    private: dict[str, Any] = {"api_visibility": "private"}
    accept_args: dict[str, Any] = {
        "fn": handlers.accept,
        "inputs": [chat.question, session],
        "outputs": [chat.question, chat.chatbot, session, pending],
        "queue": False,
        **private,
    }
    respond_args: dict[str, Any] = {
        "fn": handlers.respond,
        "inputs": [pending, session, chat.mode, chat.k, chat.has_code, chat.pages],
        "outputs": respond_outputs(chat, session, pending),
        "concurrency_id": "answer",
        "show_progress": "hidden",
        **private,
    }
    submitted = chat.question.submit(**accept_args).then(**respond_args)
    clicked = chat.send.click(**accept_args).then(**respond_args)
    example = chat.chatbot.example_select(**{**accept_args, "fn": handlers.example, "inputs": [session]})
    example.then(**respond_args)
    chat.stop.click(
        handlers.stop,
        [session],
        [chat.chatbot, session],
        cancels=[submitted, clicked],
        queue=False,
        **private,
    )
    chat.clear.click(
        handlers.clear,
        [session],
        [chat.chatbot, chat.sources, chat.trace, chat.markdown, session, chat.saved, chat.conversation],
        queue=False,
        **private,
    )
    chat.unfocus.click(
        handlers.unfocus,
        [session],
        [chat.focus_text, chat.unfocus, session],
        queue=False,
        **private,
    )
    # The download follows the latest answer (the Markdown box changes with every answer).
    files = ReferenceFiles(handlers.papers)
    for changed in (chat.markdown.change, chat.export_format.change):
        changed(
            files.latest,
            [session, chat.export_format],
            [chat.download],
            queue=False,
            api_visibility="private",
        )
    # Copying, exporting and the details toggle happen in the browser (no round trip).
    chat.copy.click(None, [chat.markdown], None, js=COPY_JS, **private)
    chat.export.click(None, [chat.conversation], None, js=EXPORT_JS, **private)
    chat.details.change(None, [chat.details], None, js=DETAILS_JS, **private)
    chat.details.input(lambda on: on, [chat.details], [chat.show_details], queue=False, **private)


def wire_papers(
    handlers: Handlers,
    papers: PaperWidgets,
    chat: ChatWidgets,
    tabs: gr.Tabs,
    session: gr.State,
    pending: gr.State,
) -> None:
    private: dict[str, Any] = {"api_visibility": "private"}
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
        respond_outputs(chat, session, pending),
        concurrency_id="answer",
        show_progress="hidden",
        **private,
    )


def build_app(provider: AssistantProvider, settings: Settings) -> gr.Blocks:
    """The whole app. Nothing is fetched from the index here: the page-load event fills it in."""
    handlers = Handlers(provider, settings)
    demo = gr.Blocks(title="paperlens", analytics_enabled=False)
    with demo:
        session = gr.State(ChatSession())
        pending = gr.State(None)
        gr.Markdown("## paperlens · cited answers from research papers", elem_id="title")
        with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
            with gr.Tab("Chat", id="chat"):
                chat = chat_tab(settings)
            with gr.Tab("Papers", id="papers"):
                papers = papers_tab()
            with gr.Tab("Eval", id="eval", visible=False) as tab:  # shown once an eval run exists
                evals = eval_tab(tab)
        api_endpoints(handlers)
        wire_chat(handlers, chat, session, pending)
        wire_papers(handlers, papers, chat, tabs, session, pending)
        wire_page_load(handlers, demo, chat, papers, evals, session)
    demo.queue(default_concurrency_limit=settings.app.concurrency)
    return demo


def wire_page_load(
    handlers: Handlers,
    demo: gr.Blocks,
    chat: ChatWidgets,
    papers: PaperWidgets,
    evals: EvalWidgets,
    session: gr.State,
) -> None:
    """What a page (or a reload) fills in: the index's papers and overview, the conversation
    and details setting the browser kept, the latest eval run."""
    private: dict[str, Any] = {"api_visibility": "private"}
    loaded = [chat.info, chat.pages, papers.table, papers.choice, chat.chatbot, chat.collection]
    demo.load(handlers.on_load, None, loaded, **private)
    restored = [chat.chatbot, chat.sources, chat.markdown, session, chat.conversation]
    demo.load(handlers.restore, [chat.saved], restored, **private)
    demo.load(lambda on: bool(on), [chat.show_details], [chat.details], **private)
    eval_outputs = [evals.summary, evals.plots, evals.report, evals.tab]
    demo.load(handlers.eval_view, None, eval_outputs, **private)
    evals.refresh.click(handlers.eval_view, None, eval_outputs, **private)


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
        "js": PAGE_JS,
        "footer_links": ["api"],
        "run_history": False,  # the browser would keep copies of every answer otherwise
        "ssr_mode": False,
        "mcp_server": False,
        "allowed_paths": [str(runs)],  # eval plots may live outside the working directory
        "show_error": False,
    }


def ensure_index(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Build the index on first run, with a progress bar on the terminal. A failure (no papers,
    unreadable file) is reported and the app still starts: the chat shows the same message."""
    from paperlens.errors import IndexMissingError
    from paperlens.index.ingest import ingest_papers
    from paperlens.index.paper_index import PaperIndex

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
        report = ingest_papers(settings, on_status=echo)
    except PaperlensError as error:
        echo(f"Could not build the index: {error}\nThe app starts anyway and shows this in the chat.")
        return
    echo("\n".join(report.summary()))


def build_assistant(settings: Settings) -> AssistantProvider:
    """Build the assistant now (so the first question is fast); if that fails, keep serving and
    retry on the next question."""
    from paperlens.answering.assistant import Assistant

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
    if provider is None:
        ensure_index(settings)
        provider = build_assistant(settings)
    demo = build_app(provider, settings)
    demo.launch(**{**launch_options(settings), **overrides})
    return demo
