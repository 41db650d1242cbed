"""The names `paperlens` exports resolve, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import paperlens


def test_every_exported_name_resolves() -> None:
    for name in paperlens.__all__:
        assert getattr(paperlens, name) is not None, name


def test_import_does_not_load_the_heavy_stack() -> None:
    code = "import sys, paperlens; print(any(m in sys.modules for m in ('torch', 'chromadb', 'gradio')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
