"""Turns answers and papers into the Markdown and HTML the web app shows.

Everything that comes from a paper or a model is untrusted: abstracts are scraped from the web and
extractive answers copy them verbatim. So every piece of such text goes through `escape_html` (for
HTML panels) or `escape_md` (for chat messages) before our own markup is wrapped around it; our
markup is the only HTML that reaches the page. Pure functions, no Gradio: easy to test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from paperlens.answering.citations import MARKER, parse_marker, strip_markers
from paperlens.index.overview import CollectionOverview, Theme
from paperlens.types import Answer, Citation, Paper, PaperHit, SentenceCheck, Turn

MARKER_GAP = r"(?:\s*\[[\d\s,;\-–]{1,40}\])*"  # citation markers the support check left out of a sentence
HTTP_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
REFUSAL_REASONS = {
    "nothing_relevant": "Nothing in the collection matches this question.",
    "detail_not_stated": "Related papers exist, but their abstracts do not state this detail.",
    "model_declined": "The model declined to answer from these abstracts.",
}
UNSUPPORTED_NOTE = (
    "⚠️ marks a sentence that does not clearly answer the question, or that its cited abstract "
    "does not clearly state."
)
STREAM_CURSOR = " ▍"
PLACEHOLDER_THEMES = 6


# ---------------------------------------------------------------- escaping


def escape_html(text: object) -> str:
    """HTML-escape, and also neutralize `$`, `{`, `}` and backticks: gr.HTML fills a JS/Handlebars
    template, so template syntax inside an abstract must never reach it as syntax."""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")


def escape_md(text: str) -> str:
    """Untrusted text for a Markdown message: no raw HTML, and no links or images of its own
    (an image would make the browser fetch a URL chosen by whoever wrote the abstract)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("](", "]\\(")


def md_link_text(text: str) -> str:
    """Untrusted text used as the label of one of our own Markdown links."""
    return escape_md(text).replace("[", "\\[").replace("]", "\\]")


def safe_url(url: str) -> str | None:
    """Only plain http(s) links are shown as links; anything else (javascript:, data:) is not."""
    url = url.strip()
    return url if HTTP_URL.match(url) else None


def short_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


# ---------------------------------------------------------------- anchors


def source_anchor(turn: int, n: int) -> str:
    """Element id of source card `n` of answer `turn` (1-based); every answer keeps its own cards
    so the markers of earlier answers still lead somewhere."""
    return f"src-{turn}-{n}"


def closest_anchor(turn: int, rank: int) -> str:
    return f"near-{turn}-{rank}"


# ---------------------------------------------------------------- chat messages


def link_markers(escaped: str, turn: int, valid: set[int]) -> str:
    """Turn `[2]`, `[1, 3]` or `[1-3]` into links to the source cards; numbers without a source
    stay plain text."""

    def replace(match: re.Match[str]) -> str:
        numbers = parse_marker(match.group(2))
        if not numbers or not all(n in valid for n in numbers):
            return match.group(0)
        return match.group(1) + "".join(f"[\\[{n}\\]](#{source_anchor(turn, n)})" for n in numbers)

    return MARKER.sub(replace, escaped)


def loose_pattern(sentence: str) -> re.Pattern[str] | None:
    """Find a sentence again in the text it came from, whatever whitespace sits between words and
    wherever citation markers were cut out of it ('... MLPs.' matches '... MLPs [1].')."""
    tokens = strip_markers(sentence).split()
    if not tokens:
        return None
    last = re.match(r"^(.*?)([.!?;:,]*)$", tokens[-1])
    assert last is not None  # the pattern matches any string
    words = [re.escape(t) for t in tokens[:-1]] + ([re.escape(last.group(1))] if last.group(1) else [])
    if not words:
        return None
    return re.compile(f"{MARKER_GAP}\\s+".join(words) + MARKER_GAP + re.escape(last.group(2)) + MARKER_GAP)


def find_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the needles in text, in order."""
    spans: list[tuple[int, int]] = []
    for needle in needles:
        pattern = loose_pattern(needle)
        match = pattern.search(text) if pattern else None
        if match:
            spans.append(match.span())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def unsupported_texts(answer: Answer) -> list[str]:
    return [check.text for check in answer.unsupported_sentences]


def answer_body_markdown(body: str, answer: Answer, turn: int) -> str:
    """The answer text, escaped, with linked markers and unsupported sentences marked."""
    valid = {citation.n for citation in answer.citations}
    spans = find_spans(body, unsupported_texts(answer))
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        pieces.append(link_markers(escape_md(body[cursor:start]), turn, valid))
        flagged = link_markers(escape_md(body[start:end]), turn, valid)
        pieces.append(f'<mark class="pl-unsupported" title="Not clearly supported">{flagged}</mark> ⚠️')
        cursor = end
    pieces.append(link_markers(escape_md(body[cursor:]), turn, valid))
    return "".join(pieces)


def split_notice(answer: Answer) -> tuple[str | None, str]:
    """Separate the mode notice (first line in extractive mode) from the answer proper."""
    notice = answer.notice
    if notice and answer.answer.startswith(notice):
        return notice, answer.answer[len(notice) :].lstrip("\n")
    return None, answer.answer


def render_answer(answer: Answer, turn: int) -> str:
    """The chat message for a finished answer (or refusal)."""
    if answer.refused:
        return render_refusal(answer, turn)
    notice, body = split_notice(answer)
    parts = []
    if notice:
        parts.append(f"<small>ℹ️ {escape_md(notice)}</small>")
    if understood := understood_as(answer):
        parts.append(understood)
    parts.append(answer_body_markdown(body, answer, turn))
    if answer.unsupported_sentences:
        parts.append(f"<small>{UNSUPPORTED_NOTE}</small>")
    if answer.citations:
        parts.append(render_reference_links(answer.citations, turn))
    return "\n\n".join(parts)


def understood_as(answer: Answer) -> str:
    """The follow-up as it was read, when that differs from what was typed."""
    if answer.standalone_question == answer.question:
        return ""
    return f"<small>Understood as: {escape_md(answer.standalone_question)}</small>"


def render_reference_links(citations: list[Citation], turn: int) -> str:
    lines = [f"[\\[{c.n}\\] {md_link_text(c.title)}](#{source_anchor(turn, c.n)})" for c in citations]
    return "**Sources:** " + " · ".join(lines)


def render_refusal(answer: Answer, turn: int) -> str:
    """A refusal reads as a blockquote with a stop sign; the closest papers link to their cards."""
    reason = REFUSAL_REASONS.get(answer.refusal_reason or "", "No answer from these papers.")
    notice, body = split_notice(answer)
    text = escape_md(body.strip())
    unmentioned = []
    for hit in answer.retrieved:
        if hit.paper_id in body:  # the assistant named it already: link the id to its card
            text = text.replace(hit.paper_id, f"[{hit.paper_id}](#{closest_anchor(turn, hit.rank)})")
        else:
            unmentioned.append(hit)
    lines = [f"🚫 **No cited answer.** {escape_md(reason)}", "", *text.splitlines()]
    if unmentioned:
        lines += ["", "**Closest papers:**"]
        lines += [
            f"{hit.rank}. [{md_link_text(hit.title)}](#{closest_anchor(turn, hit.rank)}) "
            f'<small class="pl-detail">score {hit.score:.3f}</small>'
            for hit in unmentioned
        ]
    if understood := understood_as(answer):
        lines = [understood, "", *lines]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"<small>ℹ️ {escape_md(notice)}</small>\n\n{quoted}" if notice else quoted


def render_streaming(text: str) -> str:
    """Text streamed so far: escaped, with a cursor so the user sees it is still coming."""
    return escape_md(text) + STREAM_CURSOR


def render_error(message: str) -> str:
    return f"⚠️ **Could not answer.** {escape_md(message)}"


# ---------------------------------------------------------------- sources panel (HTML)


def highlight_abstract(abstract: str, sentences: Iterable[str]) -> str:
    """The abstract, escaped, with the supporting sentences wrapped in <mark>."""
    spans = find_spans(abstract, [s for s in sentences if s])
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        pieces.append(escape_html(abstract[cursor:start]))
        pieces.append(f'<mark class="pl-evidence">{escape_html(abstract[start:end])}</mark>')
        cursor = end
    pieces.append(escape_html(abstract[cursor:]))
    return "".join(pieces)


def evidence_for(n: int, sentences: list[SentenceCheck]) -> list[str]:
    return [s.evidence for s in sentences if n in s.citations and s.evidence]


def code_links(paper: Paper | None) -> str:
    links = []
    for url in paper.code_urls if paper else []:
        target = safe_url(url)
        if target:
            links.append(
                f'<a href="{escape_html(target)}" target="_blank" rel="noopener noreferrer">'
                f"{escape_html(short_url(target))}</a>"
            )
        else:
            links.append(f"<span>{escape_html(url)}</span>")
    return f'<div class="pl-links">Code: {" · ".join(links)}</div>' if links else ""


def score_line(hit: PaperHit | None) -> str:
    if hit is None:
        return "not in the retrieved list"
    parts = [f"score {hit.score:.4f}", f"rank {hit.rank}"]
    if hit.dense_similarity is not None:
        parts.append(f"cosine {hit.dense_similarity:.3f}")
    if hit.bm25_score is not None:
        parts.append(f"BM25 {hit.bm25_score:.2f}")
    return " · ".join(parts)


def paper_meta(paper_id: str, paper: Paper | None, hit: PaperHit | None) -> str:
    """The id and listing date for everyone; scores and the listing file behind "details"."""
    shown = [f"<code>{escape_html(paper_id)}</code>"]
    if paper and paper.date:
        shown.append(f"listed {escape_html(paper.date)}")
    details = [escape_html(score_line(hit))]
    if paper and paper.sources:
        details.append(f"file {escape_html(', '.join(paper.sources))}")
    return (
        f'<div class="pl-meta">{" · ".join(shown)}'
        f'<span class="pl-detail"> · {" · ".join(details)}</span></div>'
    )


def cited_for(n: int, sentences: list[SentenceCheck]) -> str:
    """Which answer sentences lean on this source, and how well it supports each."""
    rows = []
    for check in sentences:
        if n not in check.citations:
            continue
        support = check.citation_support.get(n, check.support)
        mark = "✓" if check.supported else "⚠️"
        score = f" ({support:.0%})" if support is not None else ""
        rows.append(f"<li>{mark}{escape_html(score)} {escape_html(check.text)}</li>")
    if not rows:
        return ""
    return f'<details class="pl-cited"><summary>Cited for</summary><ul>{"".join(rows)}</ul></details>'


def source_card(
    citation: Citation, answer: Answer, turn: int, papers: Mapping[str, Paper], hits: dict[str, PaperHit]
) -> str:
    paper = papers.get(citation.paper_id)
    abstract = paper.abstract if paper else citation.passage
    evidence = evidence_for(citation.n, answer.sentences) or [citation.passage]
    return (
        f'<article class="pl-card" id="{source_anchor(turn, citation.n)}">'
        f'<header><span class="pl-n">[{citation.n}]</span> {escape_html(citation.title)}</header>'
        f"{paper_meta(citation.paper_id, paper, hits.get(citation.paper_id))}"
        f"{code_links(paper)}"
        f'<p class="pl-abstract">{highlight_abstract(abstract, evidence)}</p>'
        f"{cited_for(citation.n, answer.sentences)}"
        "</article>"
    )


def closest_card(hit: PaperHit, turn: int, papers: Mapping[str, Paper]) -> str:
    paper = papers.get(hit.paper_id)
    passages = [p.text for p in hit.passages]
    abstract = paper.abstract if paper else " ".join(passages)
    return (
        f'<article class="pl-card pl-closest" id="{closest_anchor(turn, hit.rank)}">'
        f'<header><span class="pl-n">{hit.rank}.</span> {escape_html(hit.title)}</header>'
        f"{paper_meta(hit.paper_id, paper, hit)}{code_links(paper)}"
        f"<details><summary>Abstract</summary>"
        f'<p class="pl-abstract">{highlight_abstract(abstract, [])}</p></details>'
        "</article>"
    )


def render_turn_sources(answer: Answer, turn: int, papers: Mapping[str, Paper]) -> str:
    hits = {hit.paper_id: hit for hit in answer.retrieved}
    if answer.refused:
        reason = REFUSAL_REASONS.get(answer.refusal_reason or "", "No answer.")
        cards = "".join(closest_card(hit, turn, papers) for hit in answer.retrieved)
        body = cards or "<p>No paper came close.</p>"
        return (
            f'<div class="pl-refusal"><p>🚫 <strong>No cited answer.</strong> {escape_html(reason)} '
            f"Closest papers:</p>{body}</div>"
        )
    if not answer.citations:
        return "<p>This answer cites no sources.</p>"
    return "".join(source_card(c, answer, turn, papers, hits) for c in answer.citations)


def render_sources(turns: list[Turn], papers: Mapping[str, Paper]) -> str:
    """All answers' sources, newest first and open; older ones folded but still linkable."""
    if not turns:
        return '<div class="pl-sources pl-empty">Sources of the answer appear here.</div>'
    sections = []
    for index in range(len(turns), 0, -1):
        turn = turns[index - 1]
        state = " open" if index == len(turns) else ""
        sections.append(
            f'<details class="pl-turn"{state}><summary>Q{index}: {escape_html(turn.question)}</summary>'
            f"{render_turn_sources(turn.answer, index, papers)}</details>"
        )
    return f'<div class="pl-sources">{"".join(sections)}</div>'


# ---------------------------------------------------------------- trace


TIMING_LABELS = {
    "condense_ms": "Follow-up condensing",
    "retrieve_ms": "Retrieval",
    "generate_ms": "Generation",
    "check_ms": "Support check",
    "total_ms": "Assistant total",
}


def ordered_timings(timings: Mapping[str, float]) -> list[tuple[str, float]]:
    """Known stages in pipeline order, then any others the assistant reports, total last."""
    order = list(TIMING_LABELS)
    return sorted(
        timings.items(), key=lambda item: (order.index(item[0]) if item[0] in order else 3.5, item[0])
    )


def render_trace(answer: Answer, first_text_ms: float | None = None, total_ms: float | None = None) -> str:
    """Where the time went and what was retrieved, for one answer."""
    mode = answer.mode if answer.model == answer.mode else f"{answer.mode} ({answer.model})"
    rows = [("Mode", mode)]
    if answer.standalone_question and answer.standalone_question != answer.question:
        rows.append(("Searched for", answer.standalone_question))
    for key, value in ordered_timings(answer.timings):
        rows.append(
            (
                TIMING_LABELS.get(key, key.removesuffix("_ms").replace("_", " ").capitalize()),
                f"{value:.0f} ms",
            )
        )
    if first_text_ms is not None:
        rows.append(("First text shown after", f"{first_text_ms:.0f} ms"))
    if total_ms is not None:
        rows.append(("Complete answer after", f"{total_ms:.0f} ms"))
    usage = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in answer.usage.items())
    rows.append(("Tokens", usage or "not reported (extractive mode or provider)"))
    if answer.invalid_citations:
        rows.append(("Dropped markers", ", ".join(f"[{n}]" for n in answer.invalid_citations)))
    table = "".join(f"<tr><th>{escape_html(k)}</th><td>{escape_html(v)}</td></tr>" for k, v in rows)
    return f'<div class="pl-trace"><table>{table}</table>{retrieved_table(answer.retrieved)}</div>'


def retrieved_table(hits: list[PaperHit]) -> str:
    if not hits:
        return ""
    rows = "".join(
        f"<tr><td>{hit.rank}</td><td>{hit.score:.4f}</td>"
        f"<td>{'' if hit.dense_similarity is None else f'{hit.dense_similarity:.3f}'}</td>"
        f"<td>{'' if hit.bm25_score is None else f'{hit.bm25_score:.2f}'}</td>"
        f"<td>{escape_html(hit.title)}</td></tr>"
        for hit in hits
    )
    return (
        "<table><thead><tr><th>#</th><th>score</th><th>cosine</th><th>BM25</th><th>retrieved paper</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


# ---------------------------------------------------------------- papers


def paper_row(paper: Paper) -> list[str]:
    """Title, listing date, code links, id: the listing file names stay out of the table."""
    code = " ".join(f"[{md_link_text(short_url(url))}]({url})" for url in paper.code_urls if safe_url(url))
    listed = paper.date or (str(paper.year) if paper.year else "")
    return [paper.title, listed, code, paper.paper_id]


def matches(paper: Paper, query: str) -> bool:
    """Every word of the query appears in the title, abstract, authors, id or listing pages."""
    haystack = " ".join(
        [paper.title, paper.abstract, " ".join(paper.authors), paper.paper_id, " ".join(paper.sources)]
    ).lower()
    return all(word in haystack for word in query.lower().split())


def paper_rows(papers: Iterable[Paper], query: str = "") -> list[list[str]]:
    return [paper_row(p) for p in sorted(papers, key=lambda p: p.title.lower()) if matches(p, query)]


def render_paper(paper: Paper | None) -> str:
    if paper is None:
        return '<div class="pl-paper pl-empty">Select a paper in the table to see it here.</div>'
    details = [
        ("Id", paper.paper_id, ""),
        ("Authors", ", ".join(paper.authors), ""),
        ("Date", paper.date or (str(paper.year) if paper.year else ""), ""),
        ("Categories", ", ".join(paper.categories), ""),
        ("Listing file", ", ".join(paper.sources), ' class="pl-detail"'),
    ]
    rows = "".join(
        f"<div{extra}><b>{escape_html(k)}:</b> {escape_html(v)}</div>" for k, v, extra in details if v
    )
    link = safe_url(paper.url or "")
    url = (
        f'<div><a href="{escape_html(link)}" target="_blank" rel="noopener noreferrer">'
        f"{escape_html(short_url(link))}</a></div>"
        if link
        else ""
    )
    return (
        f'<article class="pl-paper"><h3>{escape_html(paper.title)}</h3>{rows}{url}{code_links(paper)}'
        f'<p class="pl-abstract">{escape_html(paper.abstract)}</p></article>'
    )


# ---------------------------------------------------------------- the collection


def theme_chip(theme: Theme) -> str:
    examples = "; ".join(title for _, title in theme.examples)
    return (
        f'<span class="pl-theme" title="For example: {escape_html(examples)}">'
        f"{escape_html(theme.label)} <b>{theme.papers}</b></span>"
    )


def fields_sentence(overview: CollectionOverview) -> str:
    """'Known for each paper: listing date (364), code links (82). Not recorded: publication year, …'"""
    present = ", ".join(f"{f.label} ({f.papers})" for f in overview.present if f.name != "sources")
    absent = ", ".join(f.label for f in overview.absent)
    text = f"Known per paper: {present}." if present else ""
    return f"{text} Not recorded: {absent}." if absent else text


def overview_placeholder(overview: CollectionOverview) -> str:
    """The empty chat: what the collection covers, above the example questions (the largest
    themes only, so it fits a phone's screen; the panel lists them all)."""
    themes = "".join(theme_chip(theme) for theme in overview.themes[:PLACEHOLDER_THEMES])
    if len(overview.themes) > PLACEHOLDER_THEMES:
        themes += '<span class="pl-subtle pl-more">… every theme: “About this collection”</span>'
    themes_html = f'<div class="pl-themes">{themes}</div>' if themes else ""
    return (
        f'<div class="pl-welcome" id="welcome"><p><b>Ask about {overview.papers} papers.</b> '
        "Every answer cites its sources as [n]; click one to read the abstract beside the answer.</p>"
        f'<p class="pl-subtle">Themes (papers per theme):</p>{themes_html}'
        f'<p class="pl-subtle pl-fields">{escape_html(fields_sentence(overview))}</p></div>'
    )


def render_overview(overview: CollectionOverview) -> str:
    """The "About this collection" panel: every theme with its count and example titles, and the
    metadata fields."""
    if overview.themes:
        items = "".join(
            f"<li><b>{escape_html(t.label)}</b> · {t.papers} papers"
            f"<ul>{''.join(f'<li>{escape_html(title)}</li>' for _, title in t.examples)}</ul></li>"
            for t in overview.themes
        )
        themes = (
            f"<p>{len(overview.themes)} themes, found by clustering the abstracts (k-means over their "
            f"sentence vectors) and named by the words that set each apart:</p><ol>{items}</ol>"
        )
    else:
        themes = f"<p>{escape_html(overview.themes_note)}</p>"
    return (
        f'<div class="pl-overview" id="overview"><p><b>{overview.papers} papers.</b> '
        f"{escape_html(fields_sentence(overview))}</p>{themes}</div>"
    )


def listing_choices(papers: Iterable[Paper]) -> list[tuple[str, str]]:
    """Listing files as a person reads them: 'Mar 14 · 84 papers', the file name as the value."""
    counts: dict[str, int] = {}
    dates: dict[str, str] = {}
    for paper in papers:
        for source in paper.sources:
            counts[source] = counts.get(source, 0) + 1
            dates.setdefault(source, paper.date or "")
    labels = {}
    for n, source in enumerate(sorted(counts), 1):
        size = "1 paper" if counts[source] == 1 else f"{counts[source]} papers"
        labels[source] = f"{dates[source] or f'Listing {n}'} · {size}"
    return [(labels[source], source) for source in sorted(counts, key=lambda s: labels[s])]


# ---------------------------------------------------------------- the conversation as a file


def conversation_markdown(turns: list[Turn]) -> str:
    """The whole conversation as one Markdown document: each question, its answer and references."""
    if not turns:
        return ""
    parts = ["# paperlens conversation"]
    for n, turn in enumerate(turns, 1):
        parts.append(f"## Q{n}. {turn.question}")
        if turn.answer.standalone_question not in ("", turn.question):
            parts.append(f"*Understood as: {turn.answer.standalone_question}*")
        parts.append(turn.answer.markdown)
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- API payload


def answer_payload(answer: Answer) -> dict[str, Any]:
    """What the /ask endpoint returns: JSON-able, with everything a client needs to cite."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "notice": answer.notice,
        "markdown": answer.markdown,
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "unsupported_sentences": [s.text for s in answer.unsupported_sentences],
        "retrieved": [
            {"paper_id": h.paper_id, "title": h.title, "score": h.score, "rank": h.rank}
            for h in answer.retrieved
        ],
        "mode": answer.mode,
        "model": answer.model,
        "standalone_question": answer.standalone_question,
        "timings": answer.timings,
        "usage": answer.usage,
    }


# ---------------------------------------------------------------- style

CSS = """
.pl-sources, .pl-trace, .pl-paper { font-size: 0.92rem; line-height: 1.45; }
.pl-empty { color: var(--body-text-color-subdued); padding: 0.5rem 0; }
.pl-turn > summary { cursor: pointer; font-weight: 600; margin: 0.4rem 0; }
.pl-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6rem 0.8rem;
  margin: 0.5rem 0; background: var(--background-fill-secondary); scroll-margin-top: 1rem; }
.pl-card:target { outline: 3px solid var(--color-accent); }
.pl-card header { font-weight: 600; }
.pl-n { color: var(--color-accent); margin-right: 0.3rem; }
.pl-meta, .pl-links { color: var(--body-text-color-subdued); font-size: 0.85rem; margin: 0.2rem 0; }
.pl-abstract { margin: 0.4rem 0 0; }
mark.pl-evidence { background: #fde68a; color: #1f2937; border-radius: 3px; padding: 0 2px; }
.pl-refusal { border-left: 4px solid #dc2626; padding-left: 0.7rem; }
.pl-closest { background: transparent; border-style: dashed; }
.pl-chat mark, mark.pl-unsupported { background: #fecaca; color: #7f1d1d;
  text-decoration: underline wavy #dc2626; }
.pl-trace table { width: 100%; border-collapse: collapse; margin-bottom: 0.6rem; }
.pl-trace th, .pl-trace td { text-align: left; padding: 2px 6px;
  border-bottom: 1px solid var(--border-color-primary); }
.pl-focus { border-left: 4px solid var(--color-accent); padding-left: 0.6rem; }
/* Scores, listing file names and the trace only for those who ask (the "details" toggle). */
body:not(.pl-details) .pl-detail { display: none !important; }
/* The empty chat: what the collection covers, above the example questions. */
.pl-welcome { text-align: left; max-width: 48rem; margin: 0 auto; padding: 0 0.9rem; font-size: 0.95rem;
  overflow-wrap: anywhere; }
.pl-welcome p { margin: 0.3rem 0; }
.pl-subtle { color: var(--body-text-color-subdued); font-size: 0.85rem; }
.pl-themes { display: flex; flex-wrap: wrap; gap: 0.3rem; margin: 0.2rem 0 0.4rem; }
.pl-theme { border: 1px solid var(--border-color-primary); border-radius: 999px; padding: 0.05rem 0.55rem;
  font-size: 0.8rem; background: var(--background-fill-secondary); white-space: nowrap; }
.pl-overview { font-size: 0.9rem; }
.pl-overview ol { padding-left: 1.2rem; } .pl-overview ul { font-size: 0.85rem; }
/* The sources stay beside the chat and scroll on their own, so opening one never moves the chat. */
#side { position: sticky; top: 0.5rem; align-self: flex-start; }
#sources .pl-sources { max-height: 60vh; overflow-y: auto; position: relative; }
.pl-card.pl-active { outline: 3px solid var(--color-accent); }
#pl-viewer { position: fixed; left: 0; right: 0; bottom: 0; max-height: 70vh; overflow-y: auto;
  z-index: 10000; background: var(--background-fill-primary); border-top: 3px solid var(--color-accent);
  box-shadow: 0 -6px 18px rgba(0, 0, 0, 0.25); padding: 0.5rem 0.8rem 1rem; font-size: 0.92rem; }
#pl-viewer[hidden] { display: none; }
#pl-viewer .pl-close { display: block; margin: 0 0 0.3rem auto; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: 0.2rem 0.6rem; background: var(--background-fill-secondary); cursor: pointer; }
#pl-toast { position: fixed; left: 50%; bottom: 1.5rem; transform: translateX(-50%); z-index: 10001;
  background: #111827; color: #f9fafb; padding: 0.5rem 1rem; border-radius: 8px; font-size: 0.9rem;
  opacity: 0; pointer-events: none; transition: opacity 0.2s; max-width: 90vw; }
#pl-toast.pl-show { opacity: 1; }
@media (max-width: 899px) {
  #side { position: static; }
  #sources .pl-sources { max-height: none; }
}
/* Gradio scopes rules inside @media to its content, so the page margin shrinks by a formula. */
.gradio-container > .main { padding-left: clamp(8px, 4vw - 8px, 32px) !important;
  padding-right: clamp(8px, 4vw - 8px, 32px) !important; }
@media (max-width: 640px) {
  #title h2 { font-size: 1.15rem; margin: 0.2rem 0; }
  .pl-welcome { padding: 0 0.5rem; font-size: 0.9rem; }
  .pl-theme { white-space: normal; }
  .pl-welcome .pl-fields, .pl-themes .pl-theme:nth-child(n + 5) { display: none; }
  #chat .placeholder-content + * button, #chat button.example { padding: 0.45rem 0.6rem; font-size: 0.85rem; }
  #send, #stop { min-width: 52px !important; padding-left: 6px; padding-right: 6px; }
}
"""
