"""make_llm and make_embedding: what each setting builds, and what it must never do (fall back to
OpenAI, send the OpenAI key elsewhere, download a model). Nothing here opens a connection."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from paperlens.config import EmbeddingSettings, LLMSettings
from paperlens.errors import ConfigError
from paperlens.providers import (
    HashEmbedding,
    LLMClient,
    embedding_signature,
    make_embedding,
    make_llm,
)

LOCAL = "http://127.0.0.1:9/v1"  # never contacted: these tests only build clients


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"network access to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def compatible(**overrides: object) -> LLMClient:
    client = make_llm(LLMSettings(provider="openai-compatible", base_url=LOCAL, model="llama3", **overrides))
    assert client is not None
    return client


# ---------------------------------------------------------------- LLMs


def test_no_provider_means_no_llm() -> None:
    assert make_llm(LLMSettings()) is None
    assert make_llm(LLMSettings(provider="none", base_url=LOCAL)) is None


def test_openai_without_a_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_llm(LLMSettings(provider="openai"))


def test_openai_reads_openai_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    client = make_llm(LLMSettings(provider="openai", model="gpt-4o-mini"))
    assert client is not None
    assert client.endpoint == "https://api.openai.com/v1"
    assert client.llm._get_client().api_key == "sk-from-env"  # type: ignore[attr-defined]
    assert "sk-from-env" not in repr(client)


def test_openai_with_a_model_llama_index_does_not_know_is_a_config_error() -> None:
    # Otherwise every chat() would raise a bare ValueError from llama-index's metadata lookup.
    with pytest.raises(ConfigError, match="openai-compatible"):
        make_llm(LLMSettings(provider="openai", model="no-such-model", api_key="sk-x"))


def test_openai_compatible_needs_a_base_url() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        LLMSettings(provider="openai-compatible")


def test_openai_compatible_never_uses_the_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_API_KEY belongs to api.openai.com; a local server must not receive it, and the
    OpenAI base-URL variables must not redirect a configured server."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-account")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_API_BASE", "https://api.openai.com/v1")
    sdk = compatible().llm._get_client()  # type: ignore[attr-defined]
    assert sdk.auth_headers == {"Authorization": "Bearer not-needed"}
    assert str(sdk.base_url).rstrip("/") == LOCAL


def test_openai_compatible_sends_its_own_key() -> None:
    client = compatible(api_key="sk-local")
    assert client.llm._get_client().auth_headers == {"Authorization": "Bearer sk-local"}  # type: ignore[attr-defined]
    assert "sk-local" not in repr(client)


def test_the_client_is_the_only_retry_loop() -> None:
    client = compatible(max_retries=4, timeout=7.5)
    assert client.max_retries == 4
    assert client.llm.max_retries == 0  # type: ignore[attr-defined]  # llama-index's tenacity off
    sdk = client.llm._get_client()  # type: ignore[attr-defined]
    assert sdk.max_retries == 0  # the openai SDK's own retries off
    assert sdk.timeout == 7.5


def test_settings_and_client_reprs_hide_the_key() -> None:
    settings = LLMSettings(provider="openai-compatible", base_url=LOCAL, api_key="sk-hidden")
    client = make_llm(settings)
    assert "sk-hidden" not in repr(settings)
    assert "sk-hidden" not in repr(client)
    assert LOCAL in repr(client)


# ---------------------------------------------------------------- embeddings


def test_hash_embedding_ranks_texts_sharing_words_first() -> None:
    embed = make_embedding(EmbeddingSettings(provider="hash"))
    assert isinstance(embed, HashEmbedding)
    query = embed.get_query_embedding("sparse attention for long documents")
    texts = [
        "Protein folding with graph networks on molecular data.",
        "We propose sparse attention so transformers handle long documents.",
        "A survey of reinforcement learning for robotics.",
    ]
    vectors = embed.get_text_embedding_batch(texts)
    scores = [float(np.dot(query, vector)) for vector in vectors]
    assert max(range(len(texts)), key=scores.__getitem__) == 1
    assert scores[1] > 0.3 > max(scores[0], scores[2])
    assert embed.get_text_embedding(texts[1]) == vectors[1]  # deterministic


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("model", ["sentence-transformers/all-MiniLM-L6-v2", "/no/such/model/dir"])
def test_sentence_transformers_needs_a_local_directory(model: str) -> None:
    with pytest.raises(ConfigError, match="nothing is downloaded"):
        make_embedding(EmbeddingSettings(provider="sentence-transformers", model=model))


def test_openai_embedding_without_a_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_embedding(EmbeddingSettings(provider="openai", model="text-embedding-3-small"))


def test_openai_compatible_embedding_never_gets_the_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-account")
    local = make_embedding(EmbeddingSettings(provider="openai", model="nomic-embed-text", base_url=LOCAL))
    assert local.api_key == "not-needed"  # type: ignore[attr-defined]
    hosted = make_embedding(EmbeddingSettings(provider="openai", model="text-embedding-3-small"))
    assert hosted.api_key == "sk-openai-account"  # type: ignore[attr-defined]


def test_embedding_signature_differs_between_providers(tmp_path: Path) -> None:
    settings = [
        EmbeddingSettings(provider="bundled"),
        EmbeddingSettings(provider="hash"),
        EmbeddingSettings(provider="sentence-transformers", model=str(tmp_path)),
        EmbeddingSettings(provider="openai", model="text-embedding-3-small"),
        EmbeddingSettings(provider="openai", model="text-embedding-3-large"),
    ]
    signatures = [embedding_signature(s) for s in settings]
    assert len(set(signatures)) == len(signatures)
    assert embedding_signature(EmbeddingSettings(provider="hash")) == signatures[1]  # stable
