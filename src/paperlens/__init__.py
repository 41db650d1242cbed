"""paperlens: cited question answering over a collection of research papers.

    from paperlens import Assistant, Settings
    assistant = Assistant.from_settings(Settings())
    answer = assistant.ask("Which papers prune transformers?")
    print(answer.markdown)

Names load on first use, so `import paperlens` (and `paperlens --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_WHERE = {
    "Assistant": "paperlens.answering.assistant",
    "Settings": "paperlens.config",
    "load_settings": "paperlens.config",
    "Answer": "paperlens.types",
    "Citation": "paperlens.types",
    "Delta": "paperlens.types",
    "Paper": "paperlens.types",
    "PaperHit": "paperlens.types",
    "SearchFilters": "paperlens.types",
    "SentenceCheck": "paperlens.types",
    "Turn": "paperlens.types",
    "Ingester": "paperlens.index.ingest",
    "PaperIndex": "paperlens.index.paper_index",
    "read_papers": "paperlens.index.corpus",
    "PaperlensError": "paperlens.errors",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'paperlens' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
