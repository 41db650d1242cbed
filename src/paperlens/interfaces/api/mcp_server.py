"""The MCP server (official `mcp` SDK): tools to search the papers, ask a cited question, read a
paper and summarize, and each paper as the resource `paper://{paper_id}`.

`paperlens mcp` serves it over stdio; `paperlens serve` at /mcp over streamable HTTP (stateless,
so any number of server processes work). A paperlens error reaches the client as an MCP tool
error (or resource error) carrying its one-line message; anything unexpected is logged and the
client only learns that the tool failed, never a traceback.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import BaseModel, Field

from paperlens.answering.export import ExportFormat, answer_references, cite_key, paper_links, render
from paperlens.answering.protocol import AssistantProtocol
from paperlens.errors import PaperlensError, PaperNotFoundError
from paperlens.interfaces.api.security import Busy, Gate
from paperlens.types import Answer, Paper, SearchFilters

T = TypeVar("T")
INSTRUCTIONS = (
    "paperlens answers questions from a collection of research-paper abstracts. Use search_papers "
    "to find papers, ask for an answer whose every claim cites a paper as [n], get_paper or the "
    "paper://{paper_id} resource for a paper's abstract and links, summarize for a cited summary."
)


class PaperResult(BaseModel):
    paper_id: str
    title: str
    score: float
    rank: int
    cite_key: str
    links: list[str]
    passage: str = Field(description="The passage that matched best.")


class CitedSource(BaseModel):
    n: int
    paper_id: str
    title: str
    links: list[str]


class CitedAnswer(BaseModel):
    answer: str = Field(description="The answer with [n] markers, then its numbered references.")
    refused: bool = Field(description="True when the collection does not answer the question.")
    citations: list[CitedSource]
    references: str | None = Field(default=None, description="The references in the requested format.")


class PaperRecord(BaseModel):
    paper_id: str
    title: str
    abstract: str
    authors: list[str]
    year: int | None
    cite_key: str
    links: list[str]


def paper_markdown(paper: Paper) -> str:
    lines = [f"# {paper.title}", ""]
    if paper.authors:
        lines.append("Authors: " + ", ".join(paper.authors))
    if paper.year:
        lines.append(f"Year: {paper.year}")
    lines += [f"Links: {' '.join(paper_links(paper)) or 'none'}", f"Cite key: {cite_key(paper)}", ""]
    return "\n".join([*lines, paper.abstract]) + "\n"


def cited_answer(answer: Answer, assistant: AssistantProtocol, fmt: ExportFormat | None) -> CitedAnswer:
    papers = assistant.index.papers
    sources = [
        CitedSource(
            n=c.n,
            paper_id=c.paper_id,
            title=c.title,
            links=paper_links(papers[c.paper_id]) if c.paper_id in papers else [],
        )
        for c in sorted(answer.citations, key=lambda c: c.n)
    ]
    references = render(answer_references(answer, papers), fmt) if fmt else None
    return CitedAnswer(
        answer=answer.markdown, refused=answer.refused, citations=sources, references=references
    )


class Tools:
    """The assistant work behind each tool, run in a worker thread within the gate's limit."""

    def __init__(self, get_assistant: Callable[[], AssistantProtocol], gate: Gate | None) -> None:
        self.get_assistant, self.gate = get_assistant, gate

    async def run(self, work: Callable[[AssistantProtocol], T], resource: bool = False) -> T:
        try:
            if self.gate is None:
                return await anyio.to_thread.run_sync(lambda: work(self.get_assistant()))
            async with self.gate.slot():
                return await anyio.to_thread.run_sync(lambda: work(self.get_assistant()))
        except Busy:
            raise failure(
                resource, "The server is busy answering other requests; try again in a moment."
            ) from None
        except PaperNotFoundError as error:
            raise (ResourceNotFoundError(str(error)) if resource else ToolError(str(error))) from None
        except PaperlensError as error:
            raise failure(resource, str(error)) from None


def failure(resource: bool, message: str) -> Exception:
    return ResourceError(message) if resource else ToolError(message)


def build_mcp(get_assistant: Callable[[], AssistantProtocol], gate: Gate | None = None) -> MCPServer:
    mcp: MCPServer = MCPServer("paperlens", instructions=INSTRUCTIONS)
    tools = Tools(get_assistant, gate)

    @mcp.tool()
    async def search_papers(
        query: str, k: int = 5, has_code: bool | None = None, year_min: int | None = None
    ) -> list[PaperResult]:
        """Find the papers that best match a query (ranked, with scores and the best passage)."""
        filters = SearchFilters(has_code=has_code, year_min=year_min)

        def work(assistant: AssistantProtocol) -> list[PaperResult]:
            hits = assistant.search(query, k=k, filters=None if filters.is_empty() else filters)
            papers = assistant.index.papers
            return [
                PaperResult(
                    paper_id=h.paper_id,
                    title=h.title,
                    score=h.score,
                    rank=h.rank,
                    cite_key=cite_key(papers[h.paper_id]),
                    links=paper_links(papers[h.paper_id]),
                    passage=h.passages[0].text if h.passages else "",
                )
                for h in hits
            ]

        return await tools.run(work)

    @mcp.tool()
    async def ask(
        question: str, k: int | None = None, citation_format: ExportFormat | None = None
    ) -> CitedAnswer:
        """Answer a question from the papers: every claim cites a paper as [n], followed by the
        numbered references; or say that the collection does not answer it. citation_format
        (bibtex, csl-json, markdown) also returns the references in that format."""
        return await tools.run(lambda a: cited_answer(a.ask(question, k=k), a, citation_format))

    @mcp.tool()
    async def get_paper(paper_id: str) -> PaperRecord:
        """One paper by its id (from search_papers or a citation): abstract, authors, links."""

        def work(assistant: AssistantProtocol) -> PaperRecord:
            paper = assistant.index.paper(paper_id)
            return PaperRecord(
                paper_id=paper.paper_id,
                title=paper.title,
                abstract=paper.abstract,
                authors=paper.authors,
                year=paper.year,
                cite_key=cite_key(paper),
                links=paper_links(paper),
            )

        return await tools.run(work)

    @mcp.tool()
    async def summarize(
        paper_id: str | None = None, topic: str | None = None, citation_format: ExportFormat | None = None
    ) -> CitedAnswer:
        """A cited summary of one paper (paper_id) or of the work on a theme (topic); give one."""
        if (paper_id is None) == (topic is None):
            raise ToolError("Give either paper_id or topic (not both).")

        def work(assistant: AssistantProtocol) -> CitedAnswer:
            if paper_id is not None:
                answer = assistant.summarize_paper(paper_id)
            else:
                answer = assistant.summarize_topic(str(topic))
            return cited_answer(answer, assistant, citation_format)

        return await tools.run(work)

    @mcp.resource("paper://{paper_id}", mime_type="text/markdown")
    async def paper_resource(paper_id: str) -> str:
        """A paper's title, authors, links and abstract."""
        return await tools.run(lambda a: paper_markdown(a.index.paper(paper_id)), resource=True)

    return mcp


def warm_up(get_assistant: Callable[[], AssistantProtocol]) -> None:
    """Build the assistant in the background so the first tool call does not wait for it; a
    failure (no index yet) is left for that call to report."""

    def build() -> None:
        with contextlib.suppress(PaperlensError):
            get_assistant()

    threading.Thread(target=build, name="paperlens-warm-up", daemon=True).start()


def run_stdio(get_assistant: Callable[[], AssistantProtocol]) -> None:
    """Serve MCP over stdin/stdout until the client closes them."""
    warm_up(get_assistant)
    build_mcp(get_assistant).run("stdio")
