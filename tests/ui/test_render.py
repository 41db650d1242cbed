"""Escaping and rendering helpers of the web app."""

from __future__ import annotations

from paperlens.interfaces.web.render import (
    escape_html,
    escape_md,
    find_spans,
    highlight_abstract,
    link_markers,
    render_answer,
    safe_url,
)
from paperlens.types import Answer, Citation, PaperHit, SentenceCheck


def answer(text: str, **fields: object) -> Answer:
    return Answer(
        question="q", standalone_question="q", answer=text, mode="extractive", model="extractive", **fields
    )  # type: ignore[arg-type]


def test_escape_html_neutralizes_markup_and_template_syntax() -> None:
    assert escape_html("<img src=x onerror='a'>") == "&lt;img src=x onerror=&#x27;a&#x27;&gt;"
    assert escape_html("${x} {{y}} `z`") == "&#36;&#123;x&#125; &#123;&#123;y&#125;&#125; &#96;z&#96;"


def test_escape_md_blocks_html_links_and_images() -> None:
    assert escape_md("<script>a & b</script>") == "&lt;script&gt;a &amp; b&lt;/script&gt;"
    assert (
        escape_md("![x](http://evil/x.png) [y](javascript:z)")
        == "![x]\\(http://evil/x.png) [y]\\(javascript:z)"
    )


def test_markers_link_only_to_known_sources() -> None:
    assert link_markers("A [1]. B [1, 2]. C [7].", 3, {1, 2}) == (
        "A [\\[1\\]](#src-3-1). B [\\[1\\]](#src-3-1)[\\[2\\]](#src-3-2). C [7]."
    )


def test_spans_ignore_whitespace_differences_and_merge() -> None:
    text = "First  sentence\nhere. Second one."
    assert find_spans(text, ["First sentence here.", "sentence here. Second", "absent"]) == [(0, 28)]


def test_highlight_escapes_inside_and_outside_marks() -> None:
    html = highlight_abstract("<b>x</b> Claim <i>y</i>. Tail.", ["Claim <i>y</i>."])
    assert html == '&lt;b&gt;x&lt;/b&gt; <mark class="pl-evidence">Claim &lt;i&gt;y&lt;/i&gt;.</mark> Tail.'


def test_only_http_urls_become_links() -> None:
    assert safe_url(" https://github.com/a/b ") == "https://github.com/a/b"
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None


def test_unsupported_sentence_marked_in_answer() -> None:
    checks = [
        SentenceCheck(text="Good claim [1].", citations=[1], supported=True),
        SentenceCheck(text="Bold <b>claim</b> [1].", citations=[1], supported=False),
    ]
    cite = Citation(n=1, paper_id="p", title="T <x>", passage="x")
    rendered = render_answer(
        answer("Good claim [1]. Bold <b>claim</b> [1].", citations=[cite], sentences=checks), 1
    )
    assert (
        '<mark class="pl-unsupported" title="Not clearly supported">Bold &lt;b&gt;claim&lt;/b&gt; [\\[1\\]]'
        in rendered
    )
    assert "[\\[1\\] T &lt;x&gt;](#src-1-1)" in rendered


def test_marker_lists_and_ranges() -> None:
    links = "[\\[2\\]](#src-1-2)[\\[3\\]](#src-1-3)"
    assert link_markers("X [1-3]; Y [2; 3].", 1, {1, 2, 3}) == f"X [\\[1\\]](#src-1-1){links}; Y {links}."


def test_sentence_found_without_its_markers() -> None:
    """The support check keeps sentences without markers ('... MLPs.'); the answer has them."""
    text = "- KANs could replace Multilayer Perceptrons (MLPs) [1].\n- Another [2] claim [3]."
    first = find_spans(text, ["KANs could replace Multilayer Perceptrons (MLPs)."])
    assert text[slice(*first[0])] == "KANs could replace Multilayer Perceptrons (MLPs) [1]."
    second = find_spans(text, ["Another claim."])
    assert text[slice(*second[0])] == "Another [2] claim [3]."


def test_refusal_links_the_papers_it_names() -> None:
    hits = [PaperHit(paper_id="9e38af12a599", title="Megatron", score=0.5, rank=1)]
    text = "Their abstracts do not say.\n\n- Megatron (9e38af12a599)"
    rendered = render_answer(
        answer(text, refused=True, refusal_reason="detail_not_stated", retrieved=hits), 2
    )
    assert rendered.startswith("> 🚫 **No cited answer.** Related papers exist")
    assert "> - Megatron ([9e38af12a599](#near-2-1))" in rendered and "Closest papers" not in rendered


def test_a_follow_up_shows_how_it_was_understood() -> None:
    followup = answer("A [1].").model_copy(
        update={"question": "and the second?", "standalone_question": "B?"}
    )
    assert "<small>Understood as: B?</small>" in render_answer(followup, 1)
    assert "Understood as" not in render_answer(answer("A [1]."), 1)
    refused = followup.model_copy(update={"refused": True, "refusal_reason": "nothing_relevant"})
    assert "Understood as: B?" in render_answer(refused, 1)


def test_a_flagged_sentence_says_what_is_in_doubt() -> None:
    off_question = SentenceCheck(text="x", citations=[1], support=0.2, answers=0.2, supported=False)
    unstated = SentenceCheck(text="x", citations=[1], support=0.2, answers=0.9, supported=False)
    assert off_question.doubt == "does not clearly answer the question"
    assert unstated.doubt == "is not clearly stated by its cited abstract"
