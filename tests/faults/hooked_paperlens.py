"""`paperlens` with a pause point, for fault tests that kill it at a chosen moment.

    FAULT_PAUSE_AFTER=ChromaStore.add python tests/faults/hooked_paperlens.py ingest --rebuild ...

When the named method returns, the process prints `PAUSED <name>` and sleeps until it is
killed. The variable is read here only: the package itself has no hook and no test seam, the
method is wrapped in this process alone.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from paperlens.index.ingest import Ingester
from paperlens.index.store import ChromaStore
from paperlens.interfaces import cli

PAUSABLE: dict[str, type] = {"ChromaStore": ChromaStore, "Ingester": Ingester}


def pause_after(point: str) -> None:
    owner, name = point.split(".")
    cls = PAUSABLE[owner]
    original = getattr(cls, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        print(f"PAUSED {point}", flush=True)
        while True:
            time.sleep(60)
        return result  # never reached

    setattr(cls, name, paused)


if __name__ == "__main__":
    if point := os.environ.get("FAULT_PAUSE_AFTER"):
        pause_after(point)
    sys.argv[0] = "paperlens"
    cli.main()
