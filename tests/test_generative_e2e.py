"""The whole generative path for real: Assistant -> LLMClient -> llama-index OpenAILike -> openai
SDK -> HTTP -> the local OpenAI-compatible test server, and back as a streamed, cited answer."""

from __future__ import annotations

import pytest

from llm_server import LLMServer, reply, stream
from paperlens.answering.assistant import Assistant
from paperlens.config import LLMSettings, Settings
from paperlens.index.paper_index import PaperIndex
from paperlens.providers import HashEmbedding
from paperlens.types import Answer, Delta, Turn

pytestmark = pytest.mark.integration


@pytest.fixture
def server(llm_server_process: LLMServer) -> LLMServer:
    llm_server_process.reset()
    return llm_server_process


@pytest.fixture
def assistant(tiny_index: PaperIndex, settings: Settings, server: LLMServer) -> Assistant:
    settings.tuning.min_relevance = 0.2
    settings.llm = LLMSettings(
        provider="openai-compatible",
        base_url=server.base_url,
        model="local-test",
        api_key="sk-local-1",
        backoff=0,
    )
    return Assistant.from_settings(settings, embed_model=HashEmbedding())


def test_streamed_generated_answer_with_checked_citations(assistant: Assistant, server: LLMServer) -> None:
    server.enqueue(stream("Pruned ", "models run 1.8x ", "faster at inference [", "1]. Made up [", "9]."))
    items = list(assistant.stream("How much faster are models with pruned attention heads?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    assert "".join(i.text for i in items if isinstance(i, Delta)) == answer.answer
    assert answer.answer == "Pruned models run 1.8x faster at inference [1]. Made up."
    assert answer.invalid_citations == [9]
    assert answer.citations[0].title == "Pruning Attention Heads in Transformers"
    assert answer.sentences[0].supported and answer.mode == "generative" and answer.model == "local-test"
    (request,) = server.chat_requests()
    assert request["body"]["model"] == "local-test" and request["body"]["stream"] is True
    assert '<source n="1"' in request["body"]["messages"][1]["content"]


def test_follow_up_condenses_over_http(assistant: Assistant, server: LLMServer) -> None:
    server.enqueue(stream("Pruned heads run 1.8x faster [1]. Memory drops 4x with 4-bit weights [2]."))
    question = "Which papers make language model inference cheaper?"
    first = assistant.ask(question, k=4)
    server.enqueue(reply("What memory saving does 4-bit weight quantization give?"), stream("4x [1]."))
    second = assistant.ask("and the second one?", history=[Turn(question=question, answer=first)])
    assert second.standalone_question == "What memory saving does 4-bit weight quantization give?"
    assert [c.paper_id for c in second.citations] == [first.citations[1].paper_id]
    condense = server.chat_requests()[1]["body"]["messages"][1]["content"]
    assert question in condense and "[2] " in condense
