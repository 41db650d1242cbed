"""The `paperlens` command. Errors become one readable line at this edge (`terminal.friendly`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from paperlens.config import RetrievalMode, Settings, load_settings
from paperlens.errors import PaperlensError
from paperlens.evaluation.cli import eval_app
from paperlens.inputs import validate_k, validate_mode, validate_request
from paperlens.interfaces.terminal import console, errors, friendly, print_json
from paperlens.types import Answer, Delta, Paper, Turn, collect_answer

if TYPE_CHECKING:
    from paperlens.answering.export import Reference

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


@app.command()
@friendly
def papers(json_output: JsonOption = False) -> None:
    """List every paper in the index."""
    from paperlens.index.paper_index import PaperIndex

    index = PaperIndex.load(load_settings())
    if json_output:
        print_json([paper.model_dump(mode="json") for paper in index.papers.values()])
        return
    table = Table("paper_id", "title", "listed in", "code")
    for paper in index.papers.values():
        table.add_row(paper.paper_id, paper.title, ", ".join(paper.sources), "yes" if paper.code_urls else "")
    console.print(table)


@app.command()
@friendly
def show(
    paper_id: Annotated[str, typer.Argument(help="A paper id from `paperlens papers`.")],
    json_output: JsonOption = False,
) -> None:
    """Show one paper: title, abstract, listing pages and links."""
    from paperlens.index.paper_index import PaperIndex

    paper = PaperIndex.load(load_settings()).paper(paper_id)
    if json_output:
        print_json(paper.model_dump(mode="json"))
        return
    console.print(f"[bold]{paper.title}[/]  ({paper.paper_id})", highlight=False)
    details = {
        "Listed in": ", ".join(paper.sources),
        "Date": paper.date,
        "Year": paper.year,
        "Authors": ", ".join(paper.authors),
        "Code/links": " ".join(paper.code_urls),
    }
    for label, value in details.items():
        if value:
            console.print(f"[dim]{label}:[/] {value}", highlight=False)
    console.print(f"\n{paper.abstract}", highlight=False)


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
    category: Annotated[list[str] | None, typer.Option(help="Only papers in this category.")] = None,
    output_format: FormatOption = None,
) -> None:
    """Find the papers that best match QUERY (no answer, just ranked papers)."""
    from paperlens.types import SearchFilters

    settings = load_settings()
    filters = SearchFilters(has_code=has_code, sources=source, year_min=year_min, categories=category)
    request = validate_request(query, settings.answer.max_question_chars, k, mode, filters)
    from paperlens.answering.assistant import build_retriever  # heavy: after the inputs are checked

    need_embedder = (request.mode or settings.retrieval.mode) != "bm25"
    retriever = build_retriever(settings, need_embedder=need_embedder)
    hits = retriever.search(request.question, k=request.k, mode=request.mode, filters=request.filters)
    if output_format not in (None, "json"):
        from paperlens.answering.export import hit_references

        print_export(hit_references(hits, retriever.index.papers), output_format)
        return
    if json_output or output_format == "json":
        print_json(
            [
                {
                    "paper_id": h.paper_id,
                    "title": h.title,
                    "score": h.score,
                    "passages": [p.text for p in h.passages],
                }
                for h in hits
            ]
        )
        return
    table = Table("#", "score", "paper_id", "title")
    for hit in hits:
        table.add_row(str(hit.rank), f"{hit.score:.4f}", hit.paper_id, hit.title)
    console.print(table if hits else "No papers match.")


def build_assistant(settings: Settings, index: Any = None):  # type: ignore[no-untyped-def]
    """The assistant; commands check their inputs before calling this, as it loads the models."""
    from paperlens.answering.assistant import Assistant

    with console.status("Loading models and the index…"):
        return Assistant.from_settings(settings, index=index)


def print_stream(stream: Iterator[Delta | Answer]) -> Answer:
    """Write text as it streams, then the references and what the citation check found."""
    answer, wrote = None, False
    try:
        for item in stream:
            if isinstance(item, Delta):
                sys.stdout.write(item.text)
                sys.stdout.flush()
                wrote = True
            else:
                answer = item
    except BaseException:
        if wrote:  # the error message goes on its own line, not after the partial answer
            sys.stdout.write("\n")
        raise
    assert answer is not None
    sys.stdout.write("\n")
    if answer.standalone_question != answer.question:
        console.print(f"[dim]Understood as: {answer.standalone_question}[/]", highlight=False)
    if answer.citations:
        console.print("\n[bold]References[/]")
        console.print(answer.references, highlight=False)
    for check in answer.unsupported_sentences:
        console.print(f"[yellow]⚠ {check.doubt} (score {check.support}):[/] {check.text}")
    if answer.invalid_citations:
        numbers = ", ".join(str(n) for n in answer.invalid_citations)
        console.print(f"[yellow]Removed citations to sources that do not exist: {numbers}[/]")
    stages = ", ".join(f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in answer.timings.items())
    console.print(f"[dim]{answer.mode} · {answer.model} · {stages}[/]")
    return answer


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
        print_stream(assistant.stream(request.question, **options))


@app.command()
@friendly
def chat(k: KOption = None, mode: ModeOption = None) -> None:
    """An interactive session: follow-ups ("what about the second one?") use the conversation."""
    settings = load_settings()
    k, mode = validate_k(k), validate_mode(mode)
    assistant = build_assistant(settings)
    history: list[Turn] = []
    console.print(
        f"paperlens chat ({assistant.mode}, {assistant.model_name}). "
        "Commands: /clear forgets the conversation, /quit ends it."
    )
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
            answer = print_stream(assistant.stream(question, history=history, k=k, mode=mode))
        except PaperlensError as error:  # one bad question must not end the session
            errors.print(f"[bold red]Error:[/] {error}", highlight=False)
            continue
        history.append(Turn(question=question, answer=answer))


@app.command()
@friendly
def summarize(
    paper_id: Annotated[str | None, typer.Argument(help="A paper id from `paperlens papers`.")] = None,
    topic: Annotated[str | None, typer.Option(help="Summarize the work on a theme instead.")] = None,
    k: KOption = None,
    json_output: JsonOption = False,
    output_format: FormatOption = None,
) -> None:
    """A cited summary of one paper (PAPER_ID) or of a theme (--topic "pruning")."""
    from paperlens.errors import QuestionError

    if (paper_id is None) == (topic is None):
        raise QuestionError("Give either a PAPER_ID or --topic TEXT (not both).")
    settings = load_settings()
    if paper_id is not None:
        validate_k(k)
        from paperlens.index.paper_index import PaperIndex

        index = PaperIndex.load(settings)
        index.paper(paper_id)  # an unknown id is reported before the models load
        assistant = build_assistant(settings, index)
        stream = assistant.stream_paper_summary(paper_id)
    else:
        request = validate_request(topic, settings.answer.max_question_chars, k)
        assistant = build_assistant(settings)
        stream = assistant.stream_topic_summary(request.question, k=request.k)
    if json_output or output_format:
        print_answer(collect_answer(stream), assistant.index.papers, output_format)
    else:
        print_stream(stream)


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
