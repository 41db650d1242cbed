"""paperlens' own endpoints: search, the papers, summaries. Each can answer with the references
as BibTeX, CSL-JSON or Markdown instead of JSON (`format`), served with that format's media type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from paperlens.answering.export import (
    MEDIA_TYPES,
    ExportFormat,
    Reference,
    answer_references,
    cite_key,
    hit_references,
    paper_links,
    render,
)
from paperlens.config import RetrievalMode
from paperlens.inputs import validate_request
from paperlens.interfaces.api.context import ApiContext, api_context
from paperlens.interfaces.api.errors import ApiError
from paperlens.interfaces.api.openai_compat import citations_payload, paperlens_payload
from paperlens.types import Answer, Paper, PaperHit, SearchFilters

ResponseFormat = Literal["json", "bibtex", "csl-json", "markdown"]
FORMAT_HELP = "json (default), or the references as bibtex, csl-json or markdown."

router = APIRouter(tags=["papers"])
fallback = APIRouter()  # included last: any other /v1 path gets an OpenAI-shaped 404


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchRequest(Strict):
    query: str = Field(description="What to look for.")
    k: int | None = Field(default=None, ge=1, le=100, description="Papers to return.")
    mode: RetrievalMode | None = Field(default=None, description="bm25, dense or hybrid.")
    filters: SearchFilters | None = None
    format: ResponseFormat = Field(default="json", description=FORMAT_HELP)


class SummaryRequest(Strict):
    paper_id: str | None = Field(default=None, description="Summarize this paper ...")
    topic: str | None = Field(default=None, description="... or the work on this theme.")
    k: int | None = Field(default=None, ge=1, le=100, description="Papers a topic summary draws on.")
    filters: SearchFilters | None = None
    format: ResponseFormat = Field(default="json", description=FORMAT_HELP)

    @model_validator(mode="after")
    def _one_subject(self) -> SummaryRequest:
        if (self.paper_id is None) == (self.topic is None):
            raise ValueError("give either paper_id or topic")
        return self


def paper_json(paper: Paper) -> dict[str, Any]:
    return {**paper.model_dump(mode="json"), "cite_key": cite_key(paper), "links": paper_links(paper)}


def hit_json(hit: PaperHit, papers: Mapping[str, Paper]) -> dict[str, Any]:
    paper = papers.get(hit.paper_id)
    return {
        **hit.model_dump(mode="json"),
        "cite_key": cite_key(paper) if paper else None,
        "links": paper_links(paper) if paper else [],
    }


def exported(references: Sequence[Reference], fmt: ExportFormat) -> Response:
    return Response(render(references, fmt), media_type=MEDIA_TYPES[fmt])


@router.post("/v1/search", summary="Ranked papers for a query, with scores and best passages")
async def search(request: SearchRequest, ctx: ApiContext = Depends(api_context)) -> Response:
    assistant = await anyio.to_thread.run_sync(ctx.assistant)

    checked = validate_request(
        request.query, ctx.settings.answer.max_question_chars, request.k, request.mode, request.filters
    )

    def work() -> list[PaperHit]:
        return assistant.search(checked.question, k=checked.k, mode=checked.mode, filters=checked.filters)

    hits = await ctx.compute(work)
    papers = assistant.index.papers
    if request.format != "json":
        return exported(hit_references(hits, papers), request.format)
    return JSONResponse(
        {"object": "list", "query": request.query, "data": [hit_json(h, papers) for h in hits]}
    )


@router.get("/v1/papers", summary="Every paper in the index")
async def list_papers(
    ctx: ApiContext = Depends(api_context), format: ResponseFormat = Query("json", description=FORMAT_HELP)
) -> Response:
    assistant = await anyio.to_thread.run_sync(ctx.assistant)
    papers = list(assistant.index.papers.values())
    if format != "json":
        return exported([Reference(n, p) for n, p in enumerate(papers, start=1)], format)
    return JSONResponse({"object": "list", "data": [paper_json(p) for p in papers]})


@router.get("/v1/papers/{paper_id}", summary="One paper: title, abstract, authors, links")
async def get_paper(
    paper_id: str,
    ctx: ApiContext = Depends(api_context),
    format: ResponseFormat = Query("json", description=FORMAT_HELP),
) -> Response:
    assistant = await anyio.to_thread.run_sync(ctx.assistant)
    paper = assistant.index.paper(paper_id)
    if format != "json":
        return exported([Reference(1, paper)], format)
    return JSONResponse(paper_json(paper))


@router.post("/v1/summaries", summary="A cited summary of one paper or of a theme")
async def summarize(request: SummaryRequest, ctx: ApiContext = Depends(api_context)) -> Response:
    assistant = await anyio.to_thread.run_sync(ctx.assistant)

    if request.topic is not None:
        checked = validate_request(
            request.topic, ctx.settings.answer.max_question_chars, request.k, None, request.filters
        )

    def work() -> Answer:
        if request.paper_id is not None:
            return assistant.summarize_paper(request.paper_id)
        return assistant.summarize_topic(checked.question, k=checked.k, filters=checked.filters)

    answer = await ctx.compute(work)
    papers = assistant.index.papers
    if request.format != "json":
        return exported(answer_references(answer, papers), request.format)
    return JSONResponse(
        {
            "object": "summary",
            "content": answer.markdown,
            "citations": citations_payload(answer, papers),
            "paperlens": paperlens_payload(answer, papers, None),
        }
    )


@fallback.api_route(
    "/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def unknown_endpoint(path: str, request: Request) -> Response:
    message = f"There is no endpoint {request.method} /v1/{path}; the API is described at /docs."
    raise ApiError(404, message, "unknown_endpoint")
