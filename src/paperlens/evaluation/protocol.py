"""The slice of the Assistant the eval depends on, so tests can hand in a fake one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from paperlens.config import RetrievalMode, Settings
from paperlens.types import Answer, Paper, PaperHit, SearchFilters, Turn

if TYPE_CHECKING:
    from paperlens.providers import LLMClient


class PaperCollection(Protocol):
    @property
    def papers(self) -> Mapping[str, Paper]: ...


class AssistantLike(Protocol):
    """What `paperlens.assistant.Assistant` offers and the runner uses."""

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


__all__ = ["AssistantLike", "PaperCollection"]
