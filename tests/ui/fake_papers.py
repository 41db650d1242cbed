"""FAKE papers for the web app's tests (hand-written, not from the corpus), including one whose
title, abstract and links carry markup and script that must render inert; and the scripted
assistant over them (`tests/fakes.py`)."""

from __future__ import annotations

import numpy as np

from fakes import ScriptedAssistant
from paperlens.config import Settings
from paperlens.index.sentences import SentenceStore, unit_rows
from paperlens.providers import HashEmbedding
from paperlens.types import Paper

XSS_ID = "xss000000001"
XSS_ABSTRACT = (
    "Untrusted abstracts such as <img src=x onerror=\"window.pwned='img'\"> and "
    "<script>window.pwned='script'</script> must render as text in escaping tests. "
    "Template syntax ${window.pwned='tpl'} and {{constructor.constructor}} stays inert. "
    "A link [click](javascript:window.pwned='md') is not a link."
)


def make_papers() -> dict[str, Paper]:
    papers = [
        Paper(
            paper_id="aaaa00000001",
            title="Pruning Attention Heads in Transformers",
            abstract=(
                "We study pruning of attention heads in transformer language models. Removing 40% of "
                "heads keeps accuracy within 1 point on GLUE. Our pruned models run 1.8x faster."
            ),
            sources=["listing_a.txt"],
            code_urls=["https://github.com/example/headprune"],
            year=2021,
        ),
        Paper(
            paper_id="bbbb00000002",
            title="Knowledge Distillation for Compact Image Classifiers",
            abstract=(
                "Knowledge distillation transfers knowledge from a large teacher network to a small "
                "student network. The student reaches 74.2% top-1 accuracy with 10x fewer parameters."
            ),
            sources=["listing_b.txt"],
            year=2020,
        ),
        Paper(
            paper_id="cccc00000003",
            title="Sparse Mixture of Experts at Scale",
            abstract=(
                "Sparse mixture of experts layers route each token to a few experts. Routing keeps "
                "compute constant while parameters grow to a trillion."
            ),
            sources=["listing_a.txt", "listing_b.txt"],
            code_urls=["https://github.com/example/moe"],
            year=2022,
        ),
        Paper(
            paper_id=XSS_ID,
            title="Escaping <b onmouseover=\"window.pwned='title'\">untrusted</b> & <i>abstracts</i>",
            abstract=XSS_ABSTRACT,
            sources=["listing_<x>.txt"],
            code_urls=["javascript:window.pwned='href'", "https://github.com/example/escape"],
            url="javascript:window.pwned='url'",
            year=2024,
        ),
    ]
    return {paper.paper_id: paper for paper in papers}


def fake_assistant(settings: Settings, delay: float = 0.0, mode: str = "extractive") -> ScriptedAssistant:
    """The scripted assistant over these papers, with their sentences embedded by the hash
    embedder (so the collection overview has themes)."""
    papers = make_papers()
    assistant = ScriptedAssistant(settings, papers=papers, delay=delay, mode=mode)
    embedder = HashEmbedding()
    assistant.index.sentences = SentenceStore.build(
        list(papers.values()),
        lambda texts: unit_rows(np.array(embedder.get_text_embedding_batch(texts))),
        None,
    )
    return assistant
