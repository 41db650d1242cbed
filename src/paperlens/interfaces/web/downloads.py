"""The web app's "Download references" button: the latest answer's references as a BibTeX,
CSL-JSON or Markdown file, written by `answering.export` into a private temporary folder
(named by content, so asking twice for the same references writes one file)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import gradio as gr

from paperlens.answering.export import EXPORT_FORMATS, EXTENSIONS, answer_references, render
from paperlens.interfaces.web.handlers import ChatSession
from paperlens.types import Paper

FORMAT_CHOICES = [("BibTeX", "bibtex"), ("CSL-JSON", "csl-json"), ("Markdown", "markdown")]


class ReferenceFiles:
    def __init__(self, papers: Callable[[], Mapping[str, Paper]]) -> None:
        self.papers = papers
        self.directory = Path(tempfile.mkdtemp(prefix="paperlens-references-"))

    def latest(self, session: ChatSession, fmt: str | None) -> gr.DownloadButton:
        """The button, armed with the latest answer's references (disabled when there are none)."""
        chosen = next((f for f in EXPORT_FORMATS if f == fmt), None)
        references = answer_references(session.turns[-1].answer, self.papers()) if session.turns else []
        if chosen is None or not references:
            return gr.DownloadButton(value=None, interactive=False)
        text = render(references, chosen)
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        path = self.directory / f"paperlens-references-{digest}{EXTENSIONS[chosen]}"
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)
