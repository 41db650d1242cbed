"""The OpenAI Python SDK, and plain HTTP, against a live `paperlens serve` over the tiny corpus
(hash embedder, extractive answers): answers with citations, streaming, follow-ups, refusals,
errors in OpenAI's shape, API keys, 20 concurrent clients, and the MCP endpoint over HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import bibtexparser
import httpx
import openai
import pytest
from mcp import Client

from paperlens.answering.assistant import Assistant
from paperlens.index.paper_index import PaperIndex
from paperlens.interfaces.api.openai_compat import reply_text
from paperlens.types import Turn

from .conftest import KEYS, tiny_settings

pytestmark = pytest.mark.integration

QUESTION = "How much faster do pruned attention head models run?"
FOLLOW_UP = "How much accuracy does the first one keep on GLUE?"
PRUNING = "Pruning Attention Heads in Transformers"


def client(url: str, key: str = "unused", retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=retries, timeout=60)


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def extra(response: Any, name: str) -> Any:
    """A field paperlens adds to OpenAI's response (the SDK keeps unknown fields)."""
    return (response.model_extra or {})[name]


@pytest.fixture(scope="module")
def papers(tiny_root: Path) -> dict[str, Any]:
    return dict(PaperIndex.load(tiny_settings(tiny_root)).papers)


def test_plain_answer_has_text_markers_and_citations(api_url: str) -> None:
    reply = client(api_url).chat.completions.create(model="paperlens", messages=[user(QUESTION)])
    content = reply.choices[0].message.content or ""
    assert reply.choices[0].finish_reason == "stop" and reply.model == "paperlens"
    assert "1.8x faster at inference [1]" in content
    assert content.endswith(f"References\n[1] {PRUNING} (97c49830b087)")
    citations = extra(reply, "citations")
    assert [(c["n"], c["title"]) for c in citations] == [(1, PRUNING)]
    assert "https://github.com/example/headprune" in citations[0]["links"]
    details = extra(reply, "paperlens")
    assert details["refused"] is False and details["mode"] == "extractive"
    assert all(sentence["supported"] for sentence in details["sentences"])
    assert details["retrieved"][0]["title"] == PRUNING and "total_ms" in details["timings"]


def test_streamed_answer_reassembles_to_the_same_reply(api_url: str) -> None:
    api = client(api_url)
    whole = api.chat.completions.create(model="paperlens", messages=[user(QUESTION)])
    chunks = list(
        api.chat.completions.create(
            model="paperlens",
            messages=[user(QUESTION)],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len([p for p in pieces if p]) > 3, "the answer arrives in pieces"
    assert "".join(pieces) == whole.choices[0].message.content
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finish) == 1 and extra(finish[0], "citations")[0]["title"] == PRUNING
    assert chunks[-1].usage is not None and not chunks[-1].choices
    assert len({c.id for c in chunks}) == 1


def test_follow_up_resolves_the_previous_answer_like_chat(api_url: str, tiny_root: Path) -> None:
    api = client(api_url)
    first = api.chat.completions.create(model="paperlens", messages=[user(QUESTION)])
    messages = [
        {"role": "system", "content": "You are helpful."},  # ignored: paperlens has its own
        user(QUESTION),
        {"role": "assistant", "content": first.choices[0].message.content},
        user(FOLLOW_UP),
    ]
    reply = api.chat.completions.create(model="paperlens", messages=messages)  # type: ignore[arg-type]
    details = extra(reply, "paperlens")
    assert [h["title"] for h in details["retrieved"]] == [PRUNING], "'the first one' pins the paper"
    assert [c["title"] for c in extra(reply, "citations")] == [PRUNING]
    # The same conversation held in-process, as `paperlens chat` holds it, gives the same answer.
    assistant = Assistant.from_settings(tiny_settings(tiny_root))
    previous = assistant.ask(QUESTION)
    expected = assistant.ask(FOLLOW_UP, history=[Turn(question=QUESTION, answer=previous)])
    assert details["standalone_question"] == expected.standalone_question
    assert reply.choices[0].message.content == reply_text(expected)


def test_refusal_says_so_without_citations(api_url: str) -> None:
    reply = client(api_url).chat.completions.create(
        model="paperlens", messages=[user("Who won the 1998 football world cup?")]
    )
    message = reply.choices[0].message
    details = extra(reply, "paperlens")
    assert details["refused"] is True and details["refusal_reason"] == "nothing_relevant"
    assert message.refusal and message.content == message.refusal
    assert extra(reply, "citations") == []


def test_bad_requests_get_openai_shaped_errors(api_url: str) -> None:
    api = client(api_url)
    with pytest.raises(openai.BadRequestError) as bad:
        api.chat.completions.create(
            model="paperlens", messages=[user(QUESTION), {"role": "assistant", "content": "x"}]
        )
    assert bad.value.code == "invalid_request" and "last message" in bad.value.message
    with pytest.raises(openai.BadRequestError) as wrong_type:
        api.chat.completions.create(model="paperlens", messages=[user(QUESTION)], extra_body={"k": "many"})
    assert wrong_type.value.param == "k"
    with pytest.raises(openai.NotFoundError) as unknown:
        api.chat.completions.create(model="gpt-17", messages=[user(QUESTION)])
    assert unknown.value.code == "model_not_found"
    with pytest.raises(openai.UnprocessableEntityError) as long:
        api.chat.completions.create(model="paperlens", messages=[user("why " * 1000)])
    assert long.value.code == "invalid_question" and "limit is 2000" in long.value.message
    with pytest.raises(openai.UnprocessableEntityError):  # the same check before a stream starts
        api.chat.completions.create(model="paperlens", messages=[user("   ")], stream=True)
    too_big = httpx.post(f"{api_url}/v1/chat/completions", content=b"x" * 300_000, timeout=30)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "request_too_large"


def test_unknown_fields_are_ignored_and_models_are_listed(api_url: str) -> None:
    api = client(api_url)
    ids = [model.id for model in api.models.list()]
    assert ids == ["paperlens", "extractive"]
    reply = api.chat.completions.create(
        model="extractive",
        messages=[user(QUESTION)],
        temperature=0.3,
        extra_body={"some_future_option": True, "k": 2, "citation_format": "bibtex"},
    )
    exported = extra(reply, "paperlens")["references"]
    assert exported["format"] == "bibtex"
    assert [e["title"] for e in bibtexparser.parse_string(exported["content"]).entries] == [f"{{{PRUNING}}}"]


def test_api_keys_are_required_when_configured(keyed_url: str) -> None:
    with pytest.raises(openai.AuthenticationError) as missing:
        client(keyed_url, key="not-a-key").chat.completions.create(
            model="paperlens", messages=[user(QUESTION)]
        )
    assert missing.value.code == "invalid_api_key"
    assert httpx.get(f"{keyed_url}/v1/models").status_code == 401
    assert httpx.post(f"{keyed_url}/mcp", json={}).status_code == 401
    reply = client(keyed_url, key=KEYS[1]).chat.completions.create(
        model="paperlens", messages=[user(QUESTION)]
    )
    assert extra(reply, "citations")[0]["title"] == PRUNING
    assert httpx.get(f"{keyed_url}/docs").status_code == 200, "the docs need no key"


def test_twenty_concurrent_clients_get_their_own_answers(api_url: str, papers: dict[str, Any]) -> None:
    questions = {}
    for paper in papers.values():
        questions[f"What does the work on {paper.title.lower()} show?"] = paper.paper_id
        questions[f"What results are reported for {paper.title}?"] = paper.paper_id
    assert len(questions) == 20

    def ask(question: str) -> Any:
        return client(api_url).chat.completions.create(model="paperlens", messages=[user(question)])

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = dict(zip(questions, pool.map(ask, questions), strict=True))
    for question, reply in replies.items():
        details = extra(reply, "paperlens")
        assert details["standalone_question"] == question, "each client gets the answer to its question"
        assert details["retrieved"][0]["paper_id"] == questions[question]
        cited = [c["paper_id"] for c in extra(reply, "citations")]
        assert details["refused"] or cited[0] == questions[question]


def test_search_papers_and_summaries_endpoints(api_url: str, papers: dict[str, Any]) -> None:
    found = httpx.post(f"{api_url}/v1/search", json={"query": "pruning attention heads", "k": 3}).json()
    assert found["data"][0]["title"] == PRUNING and found["data"][0]["score"] > found["data"][1]["score"]
    bib = httpx.post(
        f"{api_url}/v1/search", json={"query": "pruning attention heads", "k": 3, "format": "bibtex"}
    )
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert len(bibtexparser.parse_string(bib.text).entries) == 3
    listing = httpx.get(f"{api_url}/v1/papers").json()["data"]
    assert {p["paper_id"] for p in listing} == set(papers)
    one = httpx.get(f"{api_url}/v1/papers/97c49830b087").json()
    assert one["title"] == PRUNING and one["cite_key"] == "author202197c498"
    missing = httpx.get(f"{api_url}/v1/papers/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "paper_not_found"
    summary = httpx.post(f"{api_url}/v1/summaries", json={"paper_id": "97c49830b087"}, timeout=30).json()
    assert summary["citations"][0]["title"] == PRUNING and "[1]" in summary["content"]
    topic = httpx.post(f"{api_url}/v1/summaries", json={"topic": "language models", "format": "csl-json"})
    assert topic.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    assert all(item["type"] == "article" for item in topic.json())
    both = httpx.post(f"{api_url}/v1/summaries", json={"paper_id": "x", "topic": "y"})
    assert both.status_code == 400 and "either paper_id or topic" in both.json()["error"]["message"]
    assert httpx.get(f"{api_url}/v1/nothing/here").json()["error"]["code"] == "unknown_endpoint"
    schema = httpx.get(f"{api_url}/openapi.json").json()
    assert {"/v1/chat/completions", "/v1/search", "/v1/papers/{paper_id}"} <= set(schema["paths"])


def test_mcp_over_streamable_http(api_url: str) -> None:
    async def session() -> tuple[list[str], Any]:
        async with Client(f"{api_url}/mcp") as mcp:
            tools = [tool.name for tool in (await mcp.list_tools()).tools]
            return tools, await mcp.call_tool("search_papers", {"query": "pruning attention heads", "k": 2})

    tools, result = anyio.run(session)
    assert tools == ["search_papers", "ask", "get_paper", "summarize"]
    assert not result.is_error and result.structured_content["result"][0]["title"] == PRUNING
