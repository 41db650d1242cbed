"""The `paperlens` command. Errors become one readable line at this edge (`terminal.friendly`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table
from rich.text import Text

from paperlens.config import RetrievalMode, Settings, load_settings
from paperlens.errors import PaperlensError, QuestionError
from paperlens.evaluation.cli import eval_app
from paperlens.inputs import validate_k, validate_mode, validate_request
from paperlens.interfaces.cli_render import (
    SEARCH_FOOTNOTE,
    AnswerPrinter,
    collection_line,
    overview_json,
    papers_table,
    print_collection,
    print_paper,
    search_table,
)
from paperlens.interfaces.terminal import console, errors, friendly, print_json
from paperlens.types import Answer, Paper, PaperHit, SearchFilters, Turn, collect_answer

if TYPE_CHECKING:
    from paperlens.answering.export import Reference
    from paperlens.index.paper_index import PaperIndex

app = typer.Typer(
    help="Cited question answering over a collection of research papers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModeOption = Annotated[
    RetrievalMode | None, typer.Option("--mode", help="Retrieval mode: bm25, dense or hybrid.")
]
# k, the mode and the question are checked by paperlens.inputs, like every other surface does.
KOption = Annotated[int | None, typer.Option("--k", help="Papers to retrieve (1-100).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OutputFormat = Literal["json", "bibtex", "csl-json", "markdown"]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        help="Print only the references as bibtex, csl-json or markdown, or everything as json.",
    ),
]


@app.command()
@friendly
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories of papers (default: the data/papers folder)."),
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index and build it from scratch.")] = False,
    add: Annotated[
        bool, typer.Option(help="Keep indexed papers that are not in PATHS (default: remove them).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON (progress still goes to stderr).")
    ] = False,
) -> None:
    """Read papers and bring the index up to date (only new or changed papers are embedded).
    Records that were capped, skipped or left out as duplicates are listed in the report."""
    from paperlens.index.ingest import ingest_papers

    report = ingest_papers(load_settings(), paths, rebuild, add, on_status=errors.print)
    if json_output:
        print_json(report.model_dump(mode="json"))
        return
    for line in report.summary():
        console.print(line, highlight=False, markup=False)


PageOption = Annotated[int, typer.Option("--page", min=1, help="Which page of the list to show.")]


@app.command()
@friendly
def papers(
    page: PageOption = 1,
    per_page: Annotated[int, typer.Option("--per-page", min=1, max=500, help="Papers per page.")] = 20,
    show_all: Annotated[bool, typer.Option("--all", help="List every paper (no paging).")] = False,
    files: Annotated[bool, typer.Option("--files", help="Add each paper's listing file.")] = False,
    json_output: JsonOption = False,
) -> None:
    """A summary of the collection and one page of its papers, by title (--all for every one)."""
    from paperlens.index.overview import describe_collection
    from paperlens.index.paper_index import PaperIndex

    index = PaperIndex.load(load_settings())
    ordered = sorted(index.papers.values(), key=lambda paper: paper.title.lower())
    if json_output:
        print_json([paper.model_dump(mode="json") for paper in ordered])
        return
    pages = max(1, -(-len(ordered) // per_page))
    if show_all:
        page, per_page = 1, max(1, len(ordered))
    elif page > pages:
        raise QuestionError(
            f"There is no page {page}: {len(ordered)} papers fill {pages} pages of {per_page}."
        )
    first = (page - 1) * per_page
    shown = ordered[first : first + per_page]
    console.print(Text(collection_line(describe_collection(index.papers, None)), style="bold"))
    console.print(papers_table(shown, first + 1, files))
    if not show_all:
        console.print(
            Text(
                f"Papers {first + 1}–{first + len(shown)} of {len(ordered)} (page {page} of {pages}). "
                "Next page: --page N; every paper: --all; what the collection covers: paperlens collection.",
                style="dim",
            )
        )


@app.command()
@friendly
def show(
    paper: Annotated[str, typer.Argument(help="A paper id, the start of one, or (part of) a title.")],
    json_output: JsonOption = False,
) -> None:
    """Show one paper: title, abstract, listing date and links."""
    from paperlens.index.lookup import find_paper
    from paperlens.index.paper_index import PaperIndex

    found = find_paper(PaperIndex.load(load_settings()).papers, paper)
    if json_output:
        print_json(found.model_dump(mode="json"))
    else:
        print_paper(console, found)


@app.command()
@friendly
def collection(
    themes: Annotated[
        int | None, typer.Option("--themes", min=2, max=40, help="How many themes (default: by size).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """What the collection covers: its papers, the themes they group into, its metadata fields."""
    from paperlens.index.overview import describe_collection
    from paperlens.index.paper_index import PaperIndex

    index = PaperIndex.load(load_settings())
    overview = describe_collection(index.papers, index.sentences, themes)
    if json_output:
        print_json(overview_json(overview))
    else:
        print_collection(console, overview)


FILTER_OPTIONS = {
    "year_min": "--year-min",
    "year_max": "--year-max",
    "categories": "--category",
    "sources": "--source",
    "has_code": "--has-code",
}


def check_filters(filters: SearchFilters, papers: Mapping[str, Paper]) -> None:
    """Refuse filters the collection cannot honour, saying why, instead of finding nothing."""
    from paperlens.index.overview import filter_problems

    problems = filter_problems(filters, papers)
    if problems:
        raise QuestionError(
            " ".join(f"{FILTER_OPTIONS[name]} cannot be used: {reason}." for name, reason in problems.items())
        )


@app.command()
@friendly
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: KOption = None,
    mode: ModeOption = None,
    json_output: JsonOption = False,
    has_code: Annotated[
        bool | None, typer.Option("--has-code/--no-code", help="Filter on code links.")
    ] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only papers from this listing file.")] = None,
    year_min: Annotated[int | None, typer.Option(help="Only papers from this year on.")] = None,
    year_max: Annotated[int | None, typer.Option(help="Only papers up to this year.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only papers in this category.")] = None,
    output_format: FormatOption = None,
) -> None:
    """Find the papers that best match QUERY, each with its best matching sentence."""
    settings = load_settings()
    filters = SearchFilters(
        has_code=has_code, sources=source, year_min=year_min, year_max=year_max, categories=category
    )
    request = validate_request(query, settings.answer.max_question_chars, k, mode, filters)
    from paperlens.answering.assistant import build_retriever  # heavy: after the inputs are checked
    from paperlens.index.snippets import matching_sentence

    need_embedder = (request.mode or settings.retrieval.mode) != "bm25"
    retriever = build_retriever(settings, need_embedder=need_embedder)
    if request.filters is not None:
        check_filters(request.filters, retriever.index.papers)
    embedder = retriever.embed_model if need_embedder else None
    vector = embedder.get_query_embedding(request.question) if embedder is not None else None
    hits = retriever.search(
        request.question, k=request.k, mode=request.mode, filters=request.filters, vector=vector
    )
    if output_format not in (None, "json"):
        from paperlens.answering.export import hit_references

        print_export(hit_references(hits, retriever.index.papers), output_format)
        return
    papers, store = retriever.index.papers, retriever.index.sentences
    snippets = {
        h.paper_id: matching_sentence(papers[h.paper_id], request.question, vector, store) for h in hits
    }
    if json_output or output_format == "json":
        top = hits[0].score if hits else 0.0
        print_json([search_json(hit, snippets[hit.paper_id].text, top) for hit in hits])
        return
    unknown = unknown_words(request.question, retriever.index)
    missing = f"No paper mentions {', '.join(unknown)}" if unknown else ""
    if not hits:
        nothing = "No papers match" + ("." if request.filters is None else " with these filters.")
        console.print(f"{missing}. {nothing}" if missing else nothing)
        return
    if missing:
        console.print(Text(f"{missing}, so these are only the closest matches.", style="yellow"))
    console.print(search_table(hits, snippets))
    console.print(Text(SEARCH_FOOTNOTE, style="dim"))


def unknown_words(query: str, index: PaperIndex) -> list[str]:
    """Words of the query that no paper contains: a strong hint the collection lacks the topic."""
    from paperlens.answering.relevance import Vocabulary
    from paperlens.text import content_words

    vocabulary = Vocabulary.from_texts([chunk.text for chunk in index.chunks])
    return list(dict.fromkeys(w for w in content_words(query) if not vocabulary.knows(w)))


def search_json(hit: PaperHit, snippet: str, top: float) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "paper_id": hit.paper_id,
        "title": hit.title,
        "snippet": snippet,
        "relative_score": round(hit.score / top, 4) if top > 0 else 0.0,
        "score": hit.score,
        "dense_similarity": hit.dense_similarity,
        "bm25_score": hit.bm25_score,
        "passages": [p.text for p in hit.passages],
    }


def build_assistant(settings: Settings, index: Any = None):  # type: ignore[no-untyped-def]
    """The assistant; commands check their inputs before calling this, as it loads the models."""
    from paperlens.answering.assistant import Assistant

    with console.status("Loading models and the index…"):
        return Assistant.from_settings(settings, index=index)


def answer_json(answer: Answer) -> dict[str, Any]:
    return {**answer.model_dump(mode="json"), "references": answer.references}


def print_export(references: list[Reference], output_format: str | None) -> None:
    """Only the references, in a citation format, so the output can go straight into a file."""
    from paperlens.answering.export import EXPORT_FORMATS, render

    if not references:
        errors.print("Nothing cited, so there are no references to export.")
    fmt = next(f for f in EXPORT_FORMATS if f == output_format)
    sys.stdout.write(render(references, fmt))


def print_answer(answer: Answer, papers: Mapping[str, Paper], output_format: str | None) -> None:
    """An answer as json (`--json` or `--format json`), or its references in a citation format."""
    from paperlens.answering.export import answer_references

    if output_format in (None, "json"):
        print_json(answer_json(answer))
    else:
        print_export(answer_references(answer, papers), output_format)


@app.command()
@friendly
def ask(
    question: Annotated[str, typer.Argument(help="Your question about the papers.")],
    k: KOption = None,
    mode: ModeOption = None,
    json_output: JsonOption = False,
    output_format: FormatOption = None,
) -> None:
    """Answer QUESTION from the papers, every claim cited by number, or say the collection cannot."""
    settings = load_settings()
    request = validate_request(question, settings.answer.max_question_chars, k, mode)
    assistant = build_assistant(settings)
    options: dict[str, Any] = {"k": request.k, "mode": request.mode}
    if json_output or output_format:
        print_answer(assistant.ask(request.question, **options), assistant.index.papers, output_format)
    else:
        AnswerPrinter(console, assistant.mode, assistant.model_name).stream(
            assistant.stream(request.question, **options)
        )


@app.command()
@friendly
def chat(k: KOption = None, mode: ModeOption = None) -> None:
    """An interactive session: follow-ups ("what about the second one?") use the conversation."""
    settings = load_settings()
    k, mode = validate_k(k), validate_mode(mode)
    assistant = build_assistant(settings)
    printer = AnswerPrinter(console, assistant.mode, assistant.model_name)
    printer.banner()
    console.print(Text("Commands: /clear forgets the conversation, /quit ends it.", style="dim"))
    history: list[Turn] = []
    while True:
        try:
            question = console.input("[bold cyan]you>[/] ").strip()
        except EOFError:
            break
        if question in {"/quit", "/exit"}:
            break
        if question == "/clear":
            history.clear()
            console.print("[dim]Conversation cleared.[/]")
            continue
        if not question:
            continue
        try:
            answer = printer.stream(assistant.stream(question, history=history, k=k, mode=mode))
        except PaperlensError as error:  # one bad question must not end the session
            errors.print(f"[bold red]Error:[/] {error}", highlight=False)
            continue
        history.append(Turn(question=question, answer=answer))


@app.command()
@friendly
def summarize(
    paper: Annotated[
        str | None, typer.Argument(help="A paper id, the start of one, or (part of) a title.")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Summarize the work on a theme instead.")] = None,
    k: KOption = None,
    json_output: JsonOption = False,
    output_format: FormatOption = None,
) -> None:
    """A cited summary of one paper (PAPER) or of a theme (--topic "pruning")."""
    if (paper is None) == (topic is None):
        raise QuestionError("Give either a PAPER or --topic TEXT (not both).")
    settings = load_settings()
    if paper is not None:
        validate_k(k)
        from paperlens.index.lookup import find_paper
        from paperlens.index.paper_index import PaperIndex

        index = PaperIndex.load(settings)
        paper_id = find_paper(index.papers, paper).paper_id  # reported before the models load
        assistant = build_assistant(settings, index)
        stream = assistant.stream_paper_summary(paper_id)
    else:
        request = validate_request(topic, settings.answer.max_question_chars, k)
        assistant = build_assistant(settings)
        stream = assistant.stream_topic_summary(request.question, k=request.k)
    if json_output or output_format:
        print_answer(collect_answer(stream), assistant.index.papers, output_format)
    else:
        AnswerPrinter(console, assistant.mode, assistant.model_name).stream(stream)


@app.command("config")
@friendly
def config_command(json_output: JsonOption = False) -> None:
    """Print the effective settings, where each value came from, and what it means."""
    from paperlens.config import setting_rows

    rows = setting_rows(load_settings())
    if json_output:
        print_json([{**vars(row), "value": row.value} for row in rows])
        return
    table = Table()
    table.add_column("setting", no_wrap=True)
    for title in ("value", "source", "meaning"):
        table.add_column(title)
    for row in rows:
        table.add_row(f"{row.name}\n[dim]{row.env}[/]", str(row.value), row.source, row.description)
    console.print(table)


@app.command("app")
@friendly
def app_command(
    port: Annotated[int | None, typer.Option(help="Port (default: PAPERLENS_APP_PORT or 7860).")] = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: 127.0.0.1).")] = None,
) -> None:
    """Start the web app (builds the index first if it is missing)."""
    from paperlens.interfaces.web.layout import launch

    settings = load_settings()
    if port is not None:
        settings.app.port = port
    if host is not None:
        settings.app.host = host
    launch(settings)


@app.command()
@friendly
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PAPERLENS_API_PORT or 8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=32, help="Server processes (the web app needs one).")
    ] = None,
) -> None:
    """Serve the OpenAI-compatible API (/v1), the MCP server (/mcp), the API docs (/docs) and the
    web app (/) on one port. Beyond loopback it needs PAPERLENS_API_KEYS."""
    from paperlens.interfaces.api.server import serve as run_server

    settings = load_settings()
    for name, value in {"host": host, "port": port, "workers": workers}.items():
        if value is not None:
            setattr(settings.api, name, value)
    run_server(settings)


@app.command("mcp")
@friendly
def mcp_command() -> None:
    """Serve the MCP server over stdio, for MCP clients that start it (stdout carries the protocol)."""
    from paperlens.answering.assistant import Assistant
    from paperlens.interfaces.api.context import Lazy
    from paperlens.interfaces.api.mcp_server import run_stdio

    settings = load_settings()
    run_stdio(Lazy(lambda: Assistant.from_settings(settings)))


app.add_typer(eval_app, name="eval")


def main() -> None:
    from paperlens import offline

    offline.apply_to_process()  # before any model library is imported
    app()


if __name__ == "__main__":
    main()
