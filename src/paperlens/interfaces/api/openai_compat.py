"""`POST /v1/chat/completions` and `GET /v1/models`, as OpenAI clients expect them.

The reply's `content` is what `paperlens chat` prints: the answer with its `[n]` markers, then
"Understood as: ..." when a follow-up was read as a fuller question, then its references
("References\\n[1] Title (paper_id)"). Those lines are also how a follow-up finds what the
previous answer cited and asked: the server keeps no conversation state. Each earlier assistant
message is read back into the `Answer` it came from (text, standalone question, and citations
from its reference lines), so `messages` work exactly like `paperlens chat` history, with any
number of server processes, across restarts, and without re-answering earlier questions.
System messages are ignored (paperlens has its own instructions).

The response adds `citations` (ids, titles, links in marker order) and a `paperlens` object
(refusal, per-sentence support, retrieved papers, mode, timings, and the references in the
requested `citation_format`). Streams are OpenAI chunks as server-sent events; the references
arrive as the last content piece, so the joined stream equals the non-streamed content.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Literal, cast

import anyio.to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from paperlens.answering.export import ExportFormat, answer_references, paper_links, primary_link, render
from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import RetrievalMode
from paperlens.errors import PaperlensError
from paperlens.inputs import validate_request
from paperlens.interfaces.api.context import ApiContext, api_context
from paperlens.interfaces.api.errors import ApiError, from_paperlens, unexpected
from paperlens.types import Answer, AnswerMode, Citation, Delta, Paper, SearchFilters, Turn

REFERENCES_HEADING = "\n\nReferences\n"
UNDERSTOOD_AS = "\n\nUnderstood as: "
REFERENCE_LINE = re.compile(r"^\[(\d+)\] .* \(([^()\s]+)\)$")

router = APIRouter(tags=["OpenAI-compatible"])


# ---------------------------------------------------------------- the request


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """OpenAI's fields that paperlens uses (others are accepted and ignored, as OpenAI does), and
    paperlens' own, which the openai SDK sends with `extra_body`."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(description="`paperlens`, or another id from GET /v1/models.")
    messages: list[ChatMessage] = Field(
        min_length=1, description="The conversation; the last is the question."
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=1, description="Only one choice is produced.")
    k: int | None = Field(default=None, ge=1, le=100, description="Papers to retrieve.")
    retrieval_mode: RetrievalMode | None = Field(default=None, description="bm25, dense or hybrid.")
    filters: SearchFilters | None = None
    citation_format: ExportFormat | None = Field(
        default=None, description="Also return the references as bibtex, csl-json or markdown."
    )


@dataclass
class Conversation:
    question: str
    history: list[Turn]


def conversation(
    messages: list[ChatMessage], papers: Mapping[str, Paper], mode: str, model: str
) -> Conversation:
    """The question (the last user message) and the turns before it, as `paperlens chat` keeps them."""
    last = messages[-1]
    if last.role != "user":
        raise ApiError(400, "The last message must be the user's question.", "invalid_request")
    history: list[Turn] = []
    question: str | None = None
    for message in messages[:-1]:
        if message.role == "user":
            question = message.text()
        elif message.role == "assistant" and question is not None:
            answer = past_answer(question, message.text(), papers, mode, model)
            history.append(Turn(question=question, answer=answer))
            question = None  # a question without a reply (it failed) is not part of the history
    return Conversation(last.text(), history)


def reply_text(answer: Answer) -> str:
    """The reply's content: the answer, how a follow-up was understood, the references."""
    text = answer.answer
    if answer.standalone_question != answer.question:
        text += UNDERSTOOD_AS + " ".join(answer.standalone_question.split())
    if answer.citations:
        text += REFERENCES_HEADING + answer.references
    return text


@dataclass
class Reply:
    """An earlier reply read back: its answer text, the question it answered as understood (None
    when that was the question as asked), and its (number, paper id) references."""

    body: str
    understood_as: str | None
    references: list[tuple[int, str]]


def split_reply(text: str) -> Reply:
    body, heading, tail = text.rpartition(REFERENCES_HEADING)
    if not heading:
        body, tail = text, ""
    found = [REFERENCE_LINE.match(line.strip()) for line in tail.splitlines()]
    references = [(int(m.group(1)), m.group(2)) for m in found if m]
    answer, marker, understood = body.rpartition(UNDERSTOOD_AS)
    if marker and understood.strip() and "\n" not in understood.strip():
        return Reply(answer, understood.strip(), references)
    return Reply(body, None, references)


def past_answer(question: str, reply: str, papers: Mapping[str, Paper], mode: str, model: str) -> Answer:
    """An earlier reply read back into the Answer it came from: its text, the question as it was
    understood, and the papers it cited (what the condenser reads from a previous turn)."""
    parsed = split_reply(reply)
    citations = [
        Citation(n=n, paper_id=paper_id, title=papers[paper_id].title, passage="")
        for n, paper_id in parsed.references
        if paper_id in papers
    ]
    answer_mode = cast(AnswerMode, mode if mode in ("extractive", "generative") else "extractive")
    return Answer(
        question=question,
        standalone_question=parsed.understood_as or question,
        answer=parsed.body,
        citations=citations,
        mode=answer_mode,
        model=model,
    )


# ---------------------------------------------------------------- the response


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def citations_payload(answer: Answer, papers: Mapping[str, Paper]) -> list[dict[str, Any]]:
    cited = []
    for citation in sorted(answer.citations, key=lambda c: c.n):
        paper = papers.get(citation.paper_id)
        cited.append(
            {
                "n": citation.n,
                "paper_id": citation.paper_id,
                "title": citation.title,
                "url": primary_link(paper) if paper else None,
                "links": paper_links(paper) if paper else [],
                "passage": citation.passage,
            }
        )
    return cited


def paperlens_payload(
    answer: Answer, papers: Mapping[str, Paper], citation_format: ExportFormat | None
) -> dict[str, Any]:
    """What paperlens knows beyond the text: refusal, support per sentence, retrieval, timings."""
    payload: dict[str, Any] = {
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "notice": answer.notice,
        "mode": answer.mode,
        "model": answer.model,
        "standalone_question": answer.standalone_question,
        "sentences": [s.model_dump(mode="json") for s in answer.sentences],
        "invalid_citations": answer.invalid_citations,
        "retrieved": [
            {"paper_id": h.paper_id, "title": h.title, "score": h.score, "rank": h.rank}
            for h in answer.retrieved
        ],
        "timings": answer.timings,
    }
    if citation_format is not None:
        payload["references"] = {
            "format": citation_format,
            "content": render(answer_references(answer, papers), citation_format),
        }
    return payload


def usage(answer: Answer) -> dict[str, int]:
    prompt = int(answer.usage.get("prompt_tokens", 0))
    completion = int(answer.usage.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(
    answer: Answer, model: str, papers: Mapping[str, Paper], fmt: ExportFormat | None
) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": reply_text(answer),
        "refusal": answer.answer if answer.refused else None,
    }
    return {
        "id": new_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": usage(answer),
        "citations": citations_payload(answer, papers),
        "paperlens": paperlens_payload(answer, papers, fmt),
    }


@dataclass
class ChunkMaker:
    completion_id: str
    created: int
    model: str

    def __call__(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return self.event({"choices": [choice], **extra})

    def event(self, fields: dict[str, Any]) -> bytes:
        chunk = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            **fields,
        }
        return sse(chunk)


def sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


DONE = b"data: [DONE]\n\n"


# ---------------------------------------------------------------- the endpoints


@router.get("/v1/models", summary="The model ids this server answers to")
async def list_models(ctx: ApiContext = Depends(api_context)) -> dict[str, Any]:
    ids = await anyio.to_thread.run_sync(ctx.model_ids)
    return {
        "object": "list",
        "data": [{"id": name, "object": "model", "created": 0, "owned_by": "paperlens"} for name in ids],
    }


@router.post(
    "/v1/chat/completions",
    summary="Answer the last user message from the papers, with citations (OpenAI-compatible)",
    response_model=None,
)
async def chat_completions(
    request: ChatRequest, ctx: ApiContext = Depends(api_context)
) -> JSONResponse | StreamingResponse:
    assistant = await anyio.to_thread.run_sync(ctx.assistant)
    if request.model not in ctx.model_ids():
        message = f"The model `{request.model}` does not exist; GET /v1/models lists the ones served here."
        raise ApiError(404, message, "model_not_found")
    papers = assistant.index.papers
    talk = conversation(request.messages, papers, assistant.mode, assistant.model_name)
    checked = validate_request(  # the CLI's and the web app's checks, before any work
        talk.question,
        ctx.settings.answer.max_question_chars,
        request.k,
        request.retrieval_mode,
        request.filters,
    )
    talk.question = checked.question
    options: dict[str, Any] = {"filters": checked.filters, "k": checked.k, "mode": checked.mode}
    if request.stream:
        return await stream_response(ctx, assistant, talk, options, request)

    def work() -> Answer:
        return assistant.ask(talk.question, history=talk.history, **options)

    answer = await ctx.compute(work)
    return JSONResponse(completion(answer, request.model, papers, request.citation_format))


END = object()


def next_item(items: Iterator[Delta | Answer]) -> Delta | Answer | object:
    """`next` that returns END instead of raising StopIteration (which cannot cross threads)."""
    return next(items, END)


async def stream_response(
    ctx: ApiContext,
    assistant: AssistantProtocol,
    talk: Conversation,
    options: dict[str, Any],
    request: ChatRequest,
) -> StreamingResponse:
    """Hold a slot for the whole stream. The first piece is computed before the response starts,
    so a bad question or a failed retrieval still gets its HTTP status instead of a broken stream."""
    slot = AsyncExitStack()
    ctx.admit()
    await slot.enter_async_context(ctx.gate.run_admitted())
    try:
        items = assistant.stream(talk.question, history=talk.history, **options)
        close = getattr(items, "close", None)  # a generator: closing it stops an LLM stream
        if close is not None:
            slot.callback(close)
        first = await anyio.to_thread.run_sync(next_item, items)
    except BaseException:
        await slot.aclose()
        raise
    chunks = ChunkMaker(new_id(), int(time.time()), request.model)
    events = stream_events(first, items, chunks, assistant.index.papers, request, slot)
    # The background task also releases the slot when the client leaves before the stream starts.
    return StreamingResponse(events, media_type="text/event-stream", background=BackgroundTask(slot.aclose))


async def stream_events(
    first: Delta | Answer | object,
    items: Iterator[Delta | Answer],
    chunks: ChunkMaker,
    papers: Mapping[str, Paper],
    request: ChatRequest,
    slot: AsyncExitStack,
) -> AsyncIterator[bytes]:
    try:
        yield chunks({"role": "assistant", "content": ""})
        item = first
        while isinstance(item, Delta):
            if item.text:
                yield chunks({"content": item.text})
            item = await anyio.to_thread.run_sync(next_item, items)
        if not isinstance(item, Answer):
            raise RuntimeError("the answer stream ended without a final answer")
        references = reply_text(item)[len(item.answer) :]  # the deltas joined are `item.answer`
        if references:
            yield chunks({"content": references})
        yield chunks(
            {},
            finish="stop",
            citations=citations_payload(item, papers),
            paperlens=paperlens_payload(item, papers, request.citation_format),
        )
        if request.stream_options and request.stream_options.include_usage:
            yield chunks.event({"choices": [], "usage": usage(item)})
    except PaperlensError as error:
        failure = from_paperlens(error)
        yield sse(
            {"error": {"message": failure.message, "type": failure.kind, "param": None, "code": failure.code}}
        )
    except Exception as error:
        failure = unexpected(error)
        yield sse(
            {"error": {"message": failure.message, "type": failure.kind, "param": None, "code": failure.code}}
        )
    finally:
        await slot.aclose()
    yield DONE
