"""Citation export: the references of an answer, a summary or a search as BibTeX, CSL-JSON or
Markdown. Pure functions over papers; callers choose the papers and write the text somewhere.

Cite keys are stable: they depend only on the paper (first author's surname, else the first
title word; the year where known; the first six characters of the paper id), so the same paper
gets the same key in every export. Links are the ones the corpus has: the arXiv id, the listing
URL and the code links found in the abstract.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from paperlens.types import Answer, Paper, PaperHit

ExportFormat = Literal["bibtex", "csl-json", "markdown"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
MEDIA_TYPES: dict[str, str] = {
    "bibtex": "application/x-bibtex",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "markdown": "text/markdown",
}
EXTENSIONS: dict[str, str] = {"bibtex": ".bib", "csl-json": ".json", "markdown": ".md"}

TITLE_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward"}
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|])")


@dataclass(frozen=True)
class Reference:
    """A paper as the n-th source of an answer (n is the [n] marker), or the n-th search hit."""

    n: int
    paper: Paper


def answer_references(answer: Answer, papers: Mapping[str, Paper]) -> list[Reference]:
    """The papers an answer cites, in marker order; citations of unknown papers are left out."""
    cited = sorted(answer.citations, key=lambda c: c.n)
    return [Reference(c.n, papers[c.paper_id]) for c in cited if c.paper_id in papers]


def hit_references(hits: Iterable[PaperHit], papers: Mapping[str, Paper]) -> list[Reference]:
    """Search results as references, numbered by rank."""
    return [Reference(hit.rank, papers[hit.paper_id]) for hit in hits if hit.paper_id in papers]


# ---------------------------------------------------------------- what every format needs


def ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def author_names(paper: Paper) -> list[str]:
    """One name per author; the corpus may keep 'A. Author and B. Writer' as one entry."""
    names: list[str] = []
    for entry in paper.authors:
        names.extend(part.strip() for part in re.split(r"\s+and\s+|;", entry) if part.strip())
    return names


def split_name(name: str) -> tuple[str, str]:
    """(family, given): 'Ada B. Lovelace' -> ('Lovelace', 'Ada B.'); 'Lovelace, Ada' likewise."""
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip()
    parts = name.split()
    return parts[-1], " ".join(parts[:-1])


def cite_key(paper: Paper) -> str:
    """First author's surname (else the first title word), year where known, short id."""
    names = author_names(paper)
    word = ascii_word(split_name(names[0])[0]) if names else ""
    if not word:
        words = [ascii_word(w) for w in paper.title.split()]
        content = [w for w in words if w and w not in TITLE_STOPWORDS]
        word = content[0] if content else "paper"
    year = str(paper.year) if paper.year else ""
    return f"{word}{year}{ascii_word(paper.paper_id)[:6]}"


def arxiv_url(paper: Paper) -> str | None:
    return f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def paper_links(paper: Paper) -> list[str]:
    """Every link the corpus has for the paper: its page (or arXiv), then code links."""
    links = [paper.url, arxiv_url(paper), *paper.code_urls]
    return list(dict.fromkeys(link for link in links if link))


def primary_link(paper: Paper) -> str | None:
    """The paper's own page (its listing URL, else arXiv); code links are not the paper."""
    return paper.url or arxiv_url(paper)


# ---------------------------------------------------------------- BibTeX


def bibtex_text(text: str) -> str:
    return "".join(BIBTEX_SPECIALS.get(ch, ch) for ch in " ".join(text.split()))


def bibtex_entry(paper: Paper) -> str:
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_text(paper.title) + "}")]
    names = author_names(paper)
    if names:
        fields.append(("author", " and ".join(bibtex_text(name) for name in names)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.arxiv_id:
        fields += [("eprint", bibtex_text(paper.arxiv_id)), ("archiveprefix", "arXiv")]
    link = primary_link(paper)
    if link:
        fields.append(("url", link.replace("{", "%7B").replace("}", "%7D")))
    notes = [f"paperlens id {paper.paper_id}"]
    notes += [f"code: {url}" for url in paper.code_urls if url != link]
    fields.append(("note", bibtex_text("; ".join(notes))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{cite_key(paper)},\n{body}\n}}\n"


def to_bibtex(references: Sequence[Reference]) -> str:
    return "\n".join(bibtex_entry(ref.paper) for ref in references)


# ---------------------------------------------------------------- CSL-JSON


def csl_name(name: str) -> dict[str, str]:
    family, given = split_name(name)
    return {"family": family, "given": given} if given else {"literal": name}


def csl_item(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item; arXiv preprints are CSL type 'article' with arXiv as publisher."""
    item: dict[str, Any] = {
        "id": cite_key(paper),
        "citation-key": cite_key(paper),
        "type": "article",
        "title": " ".join(paper.title.split()),
        "abstract": " ".join(paper.abstract.split()),
    }
    names = author_names(paper)
    if names:
        item["author"] = [csl_name(name) for name in names]
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.arxiv_id:
        item["publisher"] = "arXiv"
        item["number"] = paper.arxiv_id
    link = primary_link(paper)
    if link:
        item["URL"] = link
    notes = [f"paperlens id {paper.paper_id}", *(f"code: {url}" for url in paper.code_urls if url != link)]
    item["note"] = "; ".join(notes)
    return item


def to_csl_json(references: Sequence[Reference]) -> list[dict[str, Any]]:
    return [csl_item(ref.paper) for ref in references]


# ---------------------------------------------------------------- Markdown


def markdown_text(text: str) -> str:
    return MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def markdown_line(ref: Reference) -> str:
    paper = ref.paper
    parts = []
    names = author_names(paper)
    if names:
        shown = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
        parts.append(markdown_text(shown) + (f" ({paper.year})." if paper.year else "."))
    elif paper.year:
        parts.append(f"({paper.year}).")
    parts.append(f"*{markdown_text(paper.title)}*.")
    if paper.arxiv_id:
        parts.append(f"[arXiv:{markdown_text(paper.arxiv_id)}]({arxiv_url(paper)}).")
    elif paper.url:
        parts.append(f"<{paper.url}>.")
    if paper.code_urls:
        parts.append("Code: " + ", ".join(f"<{url}>" for url in paper.code_urls) + ".")
    parts.append(f"`{cite_key(paper)}`")
    return f"[{ref.n}] " + " ".join(parts)


def to_markdown(references: Sequence[Reference]) -> str:
    return "".join(markdown_line(ref) + "\n" for ref in references)


def render(references: Sequence[Reference], fmt: ExportFormat) -> str:
    """The references in one format, as the text of a file of that format."""
    if fmt == "bibtex":
        return to_bibtex(references)
    if fmt == "csl-json":
        return json.dumps(to_csl_json(references), indent=2, ensure_ascii=False) + "\n"
    return to_markdown(references)
