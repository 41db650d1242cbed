"""The one `AssistantProtocol`: what the CLI, the web app, the API, the eval runner and the tests
need from an assistant. `answering.assistant.Assistant` is the real one; tests pass the scripted
fake in `tests/fakes.py`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from paperlens.config import RetrievalMode, Settings
from paperlens.types import Answer, AnswerStream, Paper, PaperHit, SearchFilters, Turn

if TYPE_CHECKING:
    from paperlens.providers import LLMClient


class PaperCollection(Protocol):
    """The read side of an index that the interfaces use: the papers by id, and one by id."""

    @property
    def papers(self) -> Mapping[str, Paper]: ...

    def paper(self, paper_id: str) -> Paper: ...


class AssistantProtocol(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def index(self) -> PaperCollection: ...

    @property
    def llm(self) -> LLMClient | None: ...

    @property
    def mode(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        filters: SearchFilters | None = None,
    ) -> list[PaperHit]: ...

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: RetrievalMode | None = None,
    ) -> Answer: ...

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: SearchFilters | None = None,
        k: int | None = None,
        mode: RetrievalMode | None = None,
    ) -> AnswerStream: ...

    def summarize_paper(self, paper_id: str) -> Answer: ...

    def stream_paper_summary(self, paper_id: str) -> AnswerStream: ...

    def summarize_topic(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> Answer: ...

    def stream_topic_summary(
        self, topic: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> AnswerStream: ...
