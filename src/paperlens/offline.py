"""The offline switches, named once.

The library itself never reads the network or writes `os.environ`: models load with
`local_files_only=True`, Chroma with `anonymized_telemetry=False`, Gradio Blocks with
`analytics_enabled=False`. These variables are a second guard for third-party code that only
looks at the environment (Hugging Face libraries read them at import). The program's entry
points (`paperlens`, `app.py`, the bench scripts) apply them to their own process before anything
else loads; tests put them into the environment of every test and of the servers they start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
}
# OpenMP threads that sleep instead of spinning while they wait: on 2 shared cores spinning made a
# query embedding take 30-480 ms instead of 11 ms (measured here). A default, not a switch.
PERFORMANCE_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE"}
LOOPBACK = "127.0.0.1,localhost"  # never through a proxy: the app probes its own local URL


def offline_environ(base: Mapping[str, str]) -> dict[str, str]:
    """`base` with the offline switches on and loopback exempt from any proxy."""
    environ = {**PERFORMANCE_DEFAULTS, **base, **OFFLINE_ENV}
    no_proxy = base.get("NO_PROXY", "")
    environ["NO_PROXY"] = f"{no_proxy},{LOOPBACK}" if no_proxy else LOOPBACK
    return environ


def apply_to_process() -> None:
    """For entry points only, before heavy imports: this process's environment goes offline."""
    os.environ.update(offline_environ(os.environ))
