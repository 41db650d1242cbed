"""The official `mcp` SDK's client spawning `paperlens mcp` over stdio (the SDK starts the process
and ends it when the session closes): list the tools, call each one, read a paper resource, and
see errors arrive as MCP errors with paperlens' message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import bibtexparser
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp_types import TextContent

from .conftest import PAPERLENS, server_env

pytestmark = pytest.mark.integration

PRUNING_ID = "97c49830b087"
PRUNING = "Pruning Attention Heads in Transformers"


def text(result: Any) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


async def session(env: dict[str, str]) -> dict[str, Any]:
    server = StdioServerParameters(command=str(PAPERLENS), args=["mcp"], env=env)
    seen: dict[str, Any] = {}
    async with Client(server) as mcp:
        seen["tools"] = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        seen["search"] = await mcp.call_tool("search_papers", {"query": "pruning attention heads", "k": 3})
        seen["ask"] = await mcp.call_tool(
            "ask",
            {"question": "How much faster do pruned attention head models run?", "citation_format": "bibtex"},
        )
        seen["refusal"] = await mcp.call_tool("ask", {"question": "Who won the 1998 football world cup?"})
        seen["paper"] = await mcp.call_tool("get_paper", {"paper_id": PRUNING_ID})
        seen["summary"] = await mcp.call_tool("summarize", {"topic": "language models"})
        seen["missing"] = await mcp.call_tool("get_paper", {"paper_id": "nope"})
        seen["neither"] = await mcp.call_tool("summarize", {})
        seen["too_long"] = await mcp.call_tool("ask", {"question": "why " * 1000})
        seen["templates"] = (await mcp.list_resource_templates()).resource_templates
        seen["resource"] = await mcp.read_resource(f"paper://{PRUNING_ID}")
        try:
            await mcp.read_resource("paper://nope")
        except MCPError as error:
            seen["resource_error"] = error
    return seen


@pytest.fixture(scope="module")
def seen(tiny_root: Path) -> dict[str, Any]:
    return anyio.run(session, server_env(tiny_root))


def test_lists_the_four_tools_with_their_arguments(seen: dict[str, Any]) -> None:
    tools = seen["tools"]
    assert list(tools) == ["search_papers", "ask", "get_paper", "summarize"]
    assert tools["ask"].input_schema["required"] == ["question"]
    assert "cites a paper as [n]" in (tools["ask"].description or "")
    assert [t.uri_template for t in seen["templates"]] == ["paper://{paper_id}"]


def test_each_tool_answers(seen: dict[str, Any]) -> None:
    found = seen["search"].structured_content["result"]
    assert not seen["search"].is_error and found[0]["title"] == PRUNING and len(found) == 3
    answer = seen["ask"].structured_content
    assert not seen["ask"].is_error and answer["refused"] is False
    assert "1.8x faster at inference [1]" in answer["answer"]
    assert f"References\n[1] {PRUNING} ({PRUNING_ID})" in answer["answer"]
    assert [c["paper_id"] for c in answer["citations"]] == [PRUNING_ID]
    assert bibtexparser.parse_string(answer["references"]).entries[0].key == "author202197c498"
    assert seen["refusal"].structured_content["refused"] is True
    paper = seen["paper"].structured_content
    assert paper["title"] == PRUNING and "https://github.com/example/headprune" in paper["links"]
    summary = seen["summary"].structured_content
    assert "[1]" in summary["answer"] and summary["citations"]


def test_errors_are_mcp_errors_with_a_clear_message(seen: dict[str, Any]) -> None:
    assert seen["missing"].is_error and "No paper with id 'nope'" in text(seen["missing"])
    assert seen["neither"].is_error and "Give either paper_id or topic" in text(seen["neither"])
    assert seen["too_long"].is_error and "the limit is 2000" in text(seen["too_long"])
    for result in (seen["missing"], seen["neither"], seen["too_long"]):
        assert "Traceback" not in text(result)
    assert "No paper with id 'nope'" in str(seen["resource_error"])


def test_reads_a_paper_resource(seen: dict[str, Any]) -> None:
    contents = seen["resource"].contents[0]
    assert contents.mime_type == "text/markdown"
    assert contents.text.startswith(f"# {PRUNING}") and "Cite key: author202197c498" in contents.text
    assert "Removing 40% of heads" in contents.text
