"""How the `paperlens` command shows things to a person: answers as Markdown rendered by rich on a
terminal and as plain text when piped, the mode banner once per session, search results with the
matching sentence and a readable match strength, paper lists and the collection overview.
`cli.py` parses arguments and loads things; this module only prints."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import nullcontext

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from paperlens.index.overview import CollectionOverview
from paperlens.index.snippets import Snippet
from paperlens.text import WORD, stem
from paperlens.types import Answer, Delta, Paper, PaperHit

STREAM_TAIL_LINES = 8  # lines of a streaming answer shown live, before the rendered whole
STRENGTH_STEPS = 5
STAGE_NAMES = {"condense": "follow-up", "retrieve": "search", "generate": "answer", "check": "check"}


# ---------------------------------------------------------------- Markdown


def print_markdown(console: Console, text: str) -> None:
    """Rendered on a terminal; when piped, the same layout as plain text without the padding
    rich adds to every line."""
    if console.is_terminal:
        console.print(Markdown(text, hyperlinks=True))
        return
    with console.capture() as captured:
        console.print(Markdown(text, hyperlinks=False))
    console.out("\n".join(line.rstrip() for line in captured.get().splitlines()), highlight=False)


def mode_banner(mode: str, model: str) -> str:
    if mode == "extractive":
        return (
            "Extractive mode: answers quote the abstracts, because no language model is configured "
            "(set PAPERLENS_LLM_PROVIDER to enable one; `paperlens config` lists the settings)."
        )
    return f"Generative mode: answers are written by {model} from the abstracts, every claim cited."


def answer_body(answer: Answer) -> str:
    """The answer without its mode notice: the banner says that once per session."""
    notice, text = answer.notice, answer.answer
    if notice and text.startswith(notice):
        return text[len(notice) :].lstrip()
    return text


def timing_line(answer: Answer) -> str:
    stages = [
        f"{STAGE_NAMES.get(name := key.removesuffix('_ms'), name)} {value:.0f} ms"
        for key, value in answer.timings.items()
        if value >= 0.5  # a stage that did nothing (no follow-up to condense) is not news
    ]
    return " · ".join(stages)


class Tail:
    """The last lines of a renderable: a streaming answer stays in view however long it grows."""

    def __init__(self, renderable: RenderableType, lines: int) -> None:
        self.renderable, self.lines = renderable, lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in console.render_lines(self.renderable, options, pad=False)[-self.lines :]:
            yield from line
            yield Segment.line()


def preview(text: str, mode: str) -> str:
    """The streamed text so far, without the extractive notice that opens it (the banner says it)."""
    if mode != "extractive":
        return text
    _notice, separator, body = text.partition("\n\n")
    return body if separator else ""


class AnswerPrinter:
    """Prints the answers of one session (one `ask`, or a whole `chat`): the mode banner once,
    then each answer rendered. On a terminal the answer is previewed while it streams."""

    def __init__(self, console: Console, mode: str, model: str) -> None:
        self.console, self.mode, self.model = console, mode, model
        self.banner_shown = False

    def banner(self) -> None:
        if not self.banner_shown:
            self.console.print(Text(mode_banner(self.mode, self.model), style="dim"))
            self.banner_shown = True

    def stream(self, items: Iterator[Delta | Answer]) -> Answer:
        """Preview the text while it streams (terminal only), then print the rendered answer."""
        self.banner()
        answer, text = None, ""
        live = Live(console=self.console, transient=True, auto_refresh=False)
        with live if self.console.is_terminal else nullcontext():
            for item in items:
                if isinstance(item, Answer):
                    answer = item
                elif self.console.is_terminal:
                    text += item.text
                    live.update(Tail(Markdown(preview(text, self.mode)), STREAM_TAIL_LINES), refresh=True)
        if answer is None:
            raise RuntimeError("the answer stream ended without a final answer")
        self.show(answer)
        return answer

    def show(self, answer: Answer) -> None:
        """The answer, then what the question was understood as (when that differs from what
        was typed), its references, doubtful sentences and where the time went."""
        console = self.console
        print_markdown(console, answer_body(answer))
        if answer.standalone_question != answer.question:
            console.print(Text(f"Understood as: {answer.standalone_question}", style="dim"))
        if answer.citations:
            console.print(Text("\nReferences", style="bold"))
            for citation in answer.citations:
                console.print(
                    Text.assemble(f"[{citation.n}] ", citation.title, (f"  {citation.paper_id}", "dim"))
                )
        for check in answer.unsupported_sentences:
            console.print(Text.assemble((f"⚠ {check.doubt} (score {check.support}): ", "yellow"), check.text))
        if answer.invalid_citations:
            numbers = ", ".join(str(n) for n in answer.invalid_citations)
            console.print(Text(f"Removed citations to sources that do not exist: {numbers}", style="yellow"))
        if line := timing_line(answer):
            console.print(Text(line, style="dim"))


# ---------------------------------------------------------------- search results


def strength(score: float, top: float) -> tuple[str, float]:
    """A match strength relative to the best result: a bar of five dots and the share."""
    share = score / top if top > 0 else 0.0
    filled = max(1, math.ceil(share * STRENGTH_STEPS)) if share > 0 else 0
    return "●" * filled + "○" * (STRENGTH_STEPS - filled), share


def highlighted(snippet: Snippet) -> Text:
    """The snippet with the query's words in bold."""
    text = Text(snippet.text, style="italic")
    for match in WORD.finditer(snippet.text):
        if stem(match.group(0).lower()) in snippet.matched:
            text.stylize("bold not italic", match.start(), match.end())
    return text


def search_table(hits: list[PaperHit], snippets: dict[str, Snippet]) -> Table:
    table = Table("#", "match", "paper", show_lines=True)
    top = hits[0].score if hits else 0.0
    for hit in hits:
        bar, share = strength(hit.score, top)
        paper = Text.assemble((hit.title, "bold"), (f"  {hit.paper_id}", "dim"))
        cell: RenderableType = paper
        if snippet := snippets.get(hit.paper_id):
            cell = Group(paper, highlighted(snippet))
        table.add_row(str(hit.rank), Text(f"{bar}\n{share:.0%}"), cell)
    return table


SEARCH_FOOTNOTE = (
    "match: strength relative to the best result. Raw scores: --json. Read a paper: paperlens show ID."
)


# ---------------------------------------------------------------- papers


def papers_table(papers: Iterable[Paper], first: int, files: bool) -> Table:
    table = Table("#", "title", "id", "listed", "code")
    if files:
        table.add_column("listing file")
    for number, paper in enumerate(papers, first):
        row = [str(number), paper.title, paper.paper_id, paper.date or "", "yes" if paper.code_urls else ""]
        if files:
            row.append(", ".join(paper.sources))
        table.add_row(*row)
    return table


def collection_line(overview: CollectionOverview) -> str:
    """'364 papers; 82 with code links; listing dates: Mar 11, …'"""
    parts = [f"{overview.papers} papers"]
    code = overview.coverage("code_urls").papers
    parts.append(f"{code} with code links")
    for name in ("year", "date"):
        coverage = overview.coverage(name)
        if coverage.papers:
            parts.append(f"{coverage.label}s {coverage.values}")
    return "; ".join(parts)


def paper_details(paper: Paper) -> list[tuple[str, str]]:
    details = [
        ("Id", paper.paper_id),
        ("Authors", ", ".join(paper.authors)),
        ("Year", str(paper.year or "")),
        ("Listed", paper.date or ""),
        ("Categories", ", ".join(paper.categories)),
        ("Link", paper.url or ""),
        ("Code", " ".join(paper.code_urls)),
        ("Listing file", ", ".join(paper.sources)),
    ]
    return [(label, value) for label, value in details if value]


def print_paper(console: Console, paper: Paper) -> None:
    console.print(Text(paper.title, style="bold"))
    for label, value in paper_details(paper):
        console.print(Text.assemble((f"{label}: ", "dim"), value))
    console.print()
    console.print(Text(paper.abstract))


# ---------------------------------------------------------------- the collection


def themes_table(overview: CollectionOverview) -> Table:
    table = Table("papers", "theme", "for example", show_lines=True, title="Themes")
    for theme in overview.themes:
        examples = Text("\n".join(f"• {title}" for _, title in theme.examples))
        table.add_row(str(theme.papers), Text(theme.label, style="bold"), examples)
    return table


def fields_table(overview: CollectionOverview) -> Table:
    table = Table("field", "papers", "values", title="Metadata")
    for coverage in overview.fields:
        papers = f"{coverage.papers} of {overview.papers}" if coverage.papers else "none"
        style = "" if coverage.papers else "dim"
        table.add_row(coverage.label, papers, coverage.values, style=style)
    return table


def print_collection(console: Console, overview: CollectionOverview) -> None:
    console.print(Text(collection_line(overview), style="bold"))
    if overview.themes:
        console.print(
            Text(
                f"{len(overview.themes)} themes, found by clustering the papers' abstract vectors "
                "(k-means); each is named by the words that set its papers apart.",
                style="dim",
            )
        )
        console.print(themes_table(overview))
    else:
        console.print(Text(overview.themes_note, style="yellow"))
    console.print(fields_table(overview))
    if absent := overview.absent:
        names = ", ".join(f.label for f in absent)
        console.print(
            Text(f"Not in this collection: {names} (search refuses filters that need them).", style="dim")
        )


def overview_json(overview: CollectionOverview) -> dict[str, object]:
    return {
        "papers": overview.papers,
        "themes": [
            {
                "label": t.label,
                "papers": t.papers,
                "examples": [{"paper_id": i, "title": title} for i, title in t.examples],
            }
            for t in overview.themes
        ],
        "themes_note": overview.themes_note,
        "fields": [
            {"name": f.name, "label": f.label, "papers": f.papers, "values": f.values}
            for f in overview.fields
        ],
    }
