"""On-disk cache of judge verdicts, so a rerun costs no model calls and gives the same numbers.

The key is a hash of everything that can change a verdict: the prompts sent, the model name
and the call parameters. One small JSON file per key, written atomically, so an interrupted
run keeps what it judged and concurrent runs cannot corrupt each other's entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_key(system: str, user: str, model: str, parameters: dict[str, Any]) -> str:
    payload = json.dumps(
        {"system": system, "user": user, "model": model, "parameters": parameters}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class VerdictCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record, or None when absent or unreadable (it is then judged again)."""
        try:
            record = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream, ensure_ascii=False)
        os.replace(temporary, target)
