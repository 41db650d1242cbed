"""The exceptions paperlens raises on purpose. Each message says what went wrong and what to do.

    PaperlensError
    ├── ConfigError          settings that cannot work together
    ├── CorpusError          a papers file that cannot be read (names file, line or record)
    ├── IndexMissingError    no index yet: run `paperlens ingest`
    ├── IndexMismatchError   the index was built with another embedding model
    ├── StoreError           the vector store (Chroma) failed or is unreachable
    ├── PaperNotFoundError   an unknown paper id
    ├── QuestionError        an empty, over-long or malformed question
    ├── PromptError          a prompt file is missing or lacks a variable
    └── LLMError             the language model endpoint failed after retries

The CLI and the web app turn these into messages; anything else is a bug and is logged as one.
"""

from __future__ import annotations

from typing import Any


class PaperlensError(Exception):
    """Base of every error a user may see as a message."""


class ConfigError(PaperlensError):
    pass


class CorpusError(PaperlensError):
    def __init__(self, source: str, where: str | None, problem: str) -> None:
        self.source, self.where, self.problem = source, where, problem
        location = f"{source}, {where}" if where else source
        super().__init__(f"{location}: {problem}")


class IndexMissingError(PaperlensError):
    pass


class IndexMismatchError(PaperlensError):
    pass


class StoreError(PaperlensError):
    pass


class PaperNotFoundError(PaperlensError):
    pass


class QuestionError(PaperlensError):
    pass


class PromptError(PaperlensError):
    pass


class LLMError(PaperlensError):
    def __init__(self, endpoint: str, cause: str) -> None:
        self.endpoint, self.cause = endpoint, cause
        super().__init__(
            f"The language model at {endpoint} failed: {cause}. Check that the server is running "
            "and the model name and key are right, or unset PAPERLENS_LLM_PROVIDER to answer "
            "offline in extractive mode."
        )


def validation_problems(error: Any) -> str:
    """A pydantic ValidationError as one line: 'llm.timeout: must be > 0; ...'."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
