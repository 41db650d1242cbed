"""Citation export: cite keys, links, and each format read back by a real consumer (BibTeX by
bibtexparser, CSL-JSON by the citeproc-py CSL processor with a bundled style).

The official CSL-JSON schema (citation-style-language/schema, csl-data.json) is not vendored:
no package on the registries this project installs from ships it, and copies of fetched
repositories are not committed here. citeproc-py rendering the items is the interoperability
check instead; the item fields are checked against the CSL specification's names below."""

from __future__ import annotations

import json

import bibtexparser
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from paperlens.answering.export import (
    Reference,
    answer_references,
    cite_key,
    hit_references,
    paper_links,
    render,
    to_csl_json,
)
from paperlens.types import Answer, Paper, PaperHit
from paperlens.types import Citation as AnswerCitation

# FAKE papers, hand-written for these tests.
TRICKY = Paper(
    paper_id="0aed0ee2e1bb7916",
    title="Pruning {Attention} Heads: 50% of $x_i$ & #tags in ~Transformers^",
    abstract="We prune heads. Code is at https://github.com/example/headprune.",
    authors=["Ada Lovelace and Bob B. Writer", "Émile Zola"],
    year=2021,
    arxiv_id="2101.00001",
    code_urls=["https://github.com/example/headprune"],
)
BARE = Paper(paper_id="abcdef0123456789", title="The Über Model for Graphs", abstract="Graphs.")
LISTED = Paper(
    paper_id="1234567890abcdef",
    title="A Study of Sparse Experts",
    abstract="Experts.",
    url="https://example.org/listing/sparse-experts",
)
PAPERS = {p.paper_id: p for p in (TRICKY, BARE, LISTED)}
CSL_FIELDS = {"id", "citation-key", "type", "title", "abstract", "author", "issued", "publisher", "number"}
CSL_FIELDS |= {"URL", "note"}


def answer_citing(*paper_ids: str) -> Answer:
    citations = [
        AnswerCitation(n=n, paper_id=pid, title=PAPERS[pid].title, passage="")
        for n, pid in enumerate(paper_ids, start=1)
    ]
    return Answer(
        question="q",
        standalone_question="q",
        answer="text [1]",
        citations=citations,
        mode="extractive",
        model="x",
    )


def test_cite_keys_are_stable_and_readable() -> None:
    assert cite_key(TRICKY) == "lovelace20210aed0e"  # first author's surname, year, short id
    assert cite_key(BARE) == "uberabcdef"  # no authors or year: first title word after 'The'
    assert cite_key(LISTED) == "study123456"
    assert cite_key(TRICKY.model_copy()) == cite_key(TRICKY), "derived from the paper alone"


def test_links_are_the_ones_the_corpus_has() -> None:
    assert paper_links(TRICKY) == ["https://arxiv.org/abs/2101.00001", "https://github.com/example/headprune"]
    assert paper_links(LISTED) == ["https://example.org/listing/sparse-experts"]
    assert paper_links(BARE) == []


def test_answer_references_follow_the_markers_and_skip_unknown_papers() -> None:
    answer = answer_citing(LISTED.paper_id, TRICKY.paper_id)
    answer.citations.append(AnswerCitation(n=3, paper_id="gone", title="Gone", passage=""))
    assert [(r.n, r.paper.paper_id) for r in answer_references(answer, PAPERS)] == [
        (1, LISTED.paper_id),
        (2, TRICKY.paper_id),
    ]
    hits = [PaperHit(paper_id=BARE.paper_id, title=BARE.title, score=0.5, rank=1)]
    assert hit_references(hits, PAPERS) == [Reference(1, BARE)]


def test_bibtex_parses_back_with_every_field() -> None:
    text = render([Reference(1, TRICKY), Reference(2, BARE), Reference(3, LISTED)], "bibtex")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    entries = {entry.key: {f.key: f.value for f in entry.fields} for entry in library.entries}
    assert list(entries) == ["lovelace20210aed0e", "uberabcdef", "study123456"]
    tricky = entries["lovelace20210aed0e"]
    assert tricky["title"] == (
        r"{Pruning \{Attention\} Heads: 50\% of \$x\_i\$ \& \#tags in "
        r"\textasciitilde{}Transformers\textasciicircum{}}"
    )
    assert tricky["author"] == "Ada Lovelace and Bob B. Writer and Émile Zola"
    assert (tricky["year"], tricky["eprint"], tricky["archiveprefix"]) == ("2021", "2101.00001", "arXiv")
    assert tricky["url"] == "https://arxiv.org/abs/2101.00001"
    assert "code: https://github.com/example/headprune" in tricky["note"]
    assert entries["study123456"]["url"] == "https://example.org/listing/sparse-experts"
    assert "author" not in entries["uberabcdef"] and "year" not in entries["uberabcdef"]


def test_csl_json_renders_with_a_real_csl_processor() -> None:
    items = json.loads(render([Reference(1, TRICKY), Reference(2, LISTED)], "csl-json"))
    assert items == to_csl_json([Reference(1, TRICKY), Reference(2, LISTED)])
    for item in items:
        assert set(item) <= CSL_FIELDS and item["type"] == "article"
    assert items[0]["author"][0] == {"family": "Lovelace", "given": "Ada"}
    assert items[0]["issued"] == {"date-parts": [[2021]]}
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert any("Lovelace, A." in entry and "2021" in entry and "Pruning" in entry for entry in rendered)
    assert any("A Study of Sparse Experts" in entry for entry in rendered)


def test_markdown_lists_numbered_references_with_links() -> None:
    text = render([Reference(2, TRICKY), Reference(3, BARE)], "markdown")
    first, second = text.splitlines()
    assert first.startswith("[2] Ada Lovelace, Bob B. Writer, Émile Zola (2021). *Pruning {Attention} Heads")
    assert r"$x\_i$" in first and "[arXiv:2101.00001](https://arxiv.org/abs/2101.00001)" in first
    assert "Code: <https://github.com/example/headprune>" in first and first.endswith("`lovelace20210aed0e`")
    assert second == "[3] *The Über Model for Graphs*. `uberabcdef`"
