"""The web app for researchers (issue 14, item 4) in a real headless Chromium, each item at a
desktop (1280 px) and a phone (390 px) width, over the FAKE scripted assistant: details behind a
toggle, the Eval tab only with a run, examples and the collection overview above the fold,
citations that open the source beside the answer without moving the chat, copy confirmation,
the conversation kept across a reload and exported as Markdown, and no sideways scrolling.
Screenshots go to test-output/ui/<test name>/ (git-ignored)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedAssistant

from .browser import ensure_chromium, make_driver
from .conftest import ROOT, fake_settings, served
from .fake_papers import fake_assistant
from .test_browser import (
    BOTS,
    LAST_BOT,
    ask,
    count,
    js,
    last_bot_text,
    open_tab,
    screenshot,
    text_of,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

HEIGHTS = {1280: 800, 390: 844}  # a laptop screen and a phone's (iPhone 12-15)
FIRST_QUESTION = "How much faster are pruned transformer heads?"


@pytest.fixture(scope="module")
def chromium() -> None:
    problem = ensure_chromium()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but Chromium is unavailable: {problem}")
    pytest.skip(f"no browser could be installed: {problem}")


@pytest.fixture(params=[1280, 390], ids=lambda width: f"{width}px")
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScriptedAssistant]]:
    """The app over the FAKE assistant, with no eval run."""
    settings = fake_settings(tmp_path_factory.mktemp("researcher-app"))
    assistant = fake_assistant(settings, delay=0.01)
    assistant.script("unknown topic: pruning heads?", refuse=True)
    with served(assistant, settings) as url:
        yield url, assistant


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    directory = tmp_path / "downloads"
    directory.mkdir()
    return directory


@pytest.fixture
def driver(
    chromium: None, tmp_path: Path, width: int, downloads: Path, app: tuple[str, Any]
) -> Iterator[Any]:
    """Chromium with the viewport of `width`, downloads into `downloads` and clipboard access."""
    browser = make_driver(tmp_path / "profile")
    mobile = width < 600
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": HEIGHTS[width], "deviceScaleFactor": 1, "mobile": mobile},
    )
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": app[0], "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    directory = ROOT / "test-output" / "ui" / request.node.name.replace("[", "-").rstrip("]")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def open_app(driver: Any, url: str) -> None:
    """Open (or reload) the app and wait until the page-load events have filled it in."""
    driver.get(url)
    wait_for(lambda: count(driver, "#question textarea"), 60, "the app")
    wait_for(lambda: "papers" in text_of(driver, "#model-info"), 60, "the model info")


def shown(driver: Any, selector: str) -> list[bool]:
    """For each element matching `selector`: is it displayed?"""
    return list(
        js(
            driver,
            f"return Array.from(document.querySelectorAll({selector!r}))"
            ".map(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')",
        )
    )


def rect(driver: Any, selector: str) -> dict[str, float]:
    return dict(js(driver, f"return document.querySelector({selector!r}).getBoundingClientRect().toJSON()"))


def in_view(driver: Any, selector: str) -> bool:
    box, height = rect(driver, selector), js(driver, "return window.innerHeight")
    width = js(driver, "return window.innerWidth")
    return bool(box["top"] >= 0 and box["bottom"] <= height and box["left"] >= 0 and box["right"] <= width)


def chat_position(driver: Any) -> tuple[float, float]:
    """Where the page and the chat are scrolled to."""
    page, chat = js(driver, "return [window.scrollY, document.querySelector('#chat .bubble-wrap').scrollTop]")
    return float(page), float(chat)


def scroll_chat_to_top(driver: Any) -> None:
    """Scroll the chat to its first message, once the chat has stopped scrolling itself (it
    follows new content to the bottom)."""

    def settled_at_top() -> bool:
        js(driver, "document.querySelector('#chat .bubble-wrap').scrollTop = 0")
        time.sleep(0.4)
        return chat_position(driver)[1] == 0

    wait_for(settled_at_top, 10, "the chat to stay scrolled up")


def toast(driver: Any) -> str:
    return str(js(driver, "const t = document.getElementById('pl-toast'); return t ? t.textContent : ''"))


# ---------------------------------------------------------------- details toggle


def test_scores_file_names_and_trace_are_behind_the_details_toggle(
    driver: Any, app: tuple[str, Any], width: int, shots: Path
) -> None:
    open_app(driver, app[0])
    ask(driver, FIRST_QUESTION)
    ask(driver, "unknown topic: pruning heads?")
    sources = text_of(driver, "#sources")
    assert "aaaa00000001" in sources, "the paper id stays in view"
    assert "score" not in sources and "listing_a.txt" not in sources and "BM25" not in sources
    assert "score" not in last_bot_text(driver), "the closest papers' scores are hidden too"
    assert shown(driver, "#trace-panel") == [False]
    screenshot(driver, shots, f"details-off-{width}")

    js(driver, "document.querySelector('#details-toggle input').click()")
    wait_for(lambda: "score" in text_of(driver, "#sources"), 10, "the scores")
    assert "file listing_a.txt" in text_of(driver, "#sources") and "score" in last_bot_text(driver)
    assert shown(driver, "#trace-panel") == [True]
    screenshot(driver, shots, f"details-on-{width}")

    open_app(driver, app[0])  # a reload
    wait_for(
        lambda: js(driver, "return document.querySelector('#details-toggle input').checked"),
        10,
        "the setting",
    )
    wait_for(lambda: "score" in text_of(driver, "#sources"), 10, "details remembered across a reload")


# ---------------------------------------------------------------- eval tab


def tab_names(driver: Any) -> list[str]:
    return list(
        js(driver, "return Array.from(document.querySelectorAll('button[role=tab]')).map(b => b.innerText)")
    )


def test_the_eval_tab_shows_only_when_an_eval_run_exists(
    driver: Any, app: tuple[str, Any], tmp_path: Path, width: int, shots: Path
) -> None:
    open_app(driver, app[0])
    assert "Chat" in tab_names(driver) and "Eval" not in " ".join(tab_names(driver))
    screenshot(driver, shots, f"no-eval-tab-{width}")

    settings = fake_settings(tmp_path / "with-run")
    run = settings.eval_dir / "runs" / "2025-01-01-demo"
    run.mkdir(parents=True)
    (run / "summary.md").write_text("# Eval summary\n\n| metric | value |\n|---|---|\n| recall@5 | 0.91 |\n")
    with served(fake_assistant(settings), settings) as url:
        open_app(driver, url)
        wait_for(lambda: "Eval" in " ".join(tab_names(driver)), 10, "the Eval tab")
        open_tab(driver, "Eval")
        wait_for(lambda: "recall@5" in text_of(driver, "#eval-summary"), 10, "the eval summary")
        screenshot(driver, shots, f"eval-tab-{width}")


# ---------------------------------------------------------------- above the fold


def test_examples_and_the_collection_overview_are_above_the_fold(
    driver: Any, app: tuple[str, Any], width: int, shots: Path
) -> None:
    open_app(driver, app[0])
    wait_for(lambda: "Ask about 4 papers" in text_of(driver, "#chat"), 20, "the overview in the empty chat")
    assert count(driver, "#welcome .pl-theme") == 2, "the fake collection's two themes, with their counts"
    assert in_view(driver, "#welcome"), "the overview is in view without scrolling"
    examples = count(driver, "#chat button.example")
    assert examples == 4
    for n in range(1, examples + 1):
        assert in_view(driver, f"#chat button.example:nth-child({n})"), f"example {n} is in view"
    assert in_view(driver, "#question textarea"), "and so is the question box"
    screenshot(driver, shots, f"above-the-fold-{width}")

    js(driver, "document.querySelector('#collection-panel button').click()")
    wait_for(lambda: "2 themes" in text_of(driver, "#collection"), 10, "the collection panel")
    assert "publication year (4)" in text_of(driver, "#collection")

    js(driver, "document.querySelector('#chat button.example').click()")
    wait_for(
        lambda: count(driver, BOTS) == 1 and "▍" not in last_bot_text(driver), 20, "the example's answer"
    )
    assert "Kolmogorov-Arnold" in text_of(driver, "#chat")


# ---------------------------------------------------------------- citations beside the answer


def test_a_citation_opens_its_source_beside_the_answer_without_moving_the_chat(
    driver: Any, app: tuple[str, Any], width: int, shots: Path
) -> None:
    open_app(driver, app[0])
    for question in (
        FIRST_QUESTION,
        "knowledge distillation of image classifiers",
        "sparse mixture of experts",
    ):
        ask(driver, question)
    scroll_chat_to_top(driver)  # back up to the first answer, as a reader would
    before = chat_position(driver)
    assert before[1] == 0 and in_view(driver, "#chat a[href='#src-1-1']")
    js(driver, "document.querySelector('#chat a[href=\"#src-1-1\"]').click()")
    time.sleep(0.5)
    assert chat_position(driver) == before, "the chat stays where it was"
    if width >= 900:
        wait_for(lambda: count(driver, "#sources #src-1-1.pl-active") == 1, 5, "the card to open")
        assert in_view(driver, "#src-1-1 header"), "the source is in view"
        assert rect(driver, "#src-1-1")["left"] >= rect(driver, "#chat")["right"], "beside the chat"
    else:
        wait_for(lambda: shown(driver, "#pl-viewer") == [True], 5, "the source sheet")
        assert "Pruning Attention Heads" in text_of(driver, "#pl-viewer")
        assert in_view(driver, "#pl-viewer .pl-close")
        screenshot(driver, shots, f"source-open-{width}")
        js(driver, "document.querySelector('#pl-viewer .pl-close').click()")
        assert shown(driver, "#pl-viewer") == [False] and chat_position(driver) == before
    screenshot(driver, shots, f"source-beside-{width}")


# ---------------------------------------------------------------- copy confirmation


def test_copying_an_answer_is_confirmed(driver: Any, app: tuple[str, Any], width: int, shots: Path) -> None:
    open_app(driver, app[0])
    js(driver, "document.querySelector('#copy').click()")
    wait_for(lambda: "Nothing to copy yet" in toast(driver), 5, "the empty-chat message")
    ask(driver, FIRST_QUESTION)
    js(driver, "document.querySelector('#copy').click()")
    wait_for(lambda: toast(driver) == "Copied the answer as Markdown.", 5, "the confirmation")
    assert shown(driver, "#pl-toast") == [True] and in_view(driver, "#pl-toast")
    copied = driver.execute_async_script("navigator.clipboard.readText().then(arguments[0])")
    assert "References\n[1] Pruning Attention Heads in Transformers (aaaa00000001)" in copied
    screenshot(driver, shots, f"copied-{width}")


# ---------------------------------------------------------------- reload and export


def test_the_conversation_survives_a_reload_and_exports_as_markdown(
    driver: Any, app: tuple[str, ScriptedAssistant], downloads: Path, width: int, shots: Path
) -> None:
    url, assistant = app
    open_app(driver, url)
    ask(driver, FIRST_QUESTION)
    ask(driver, "and knowledge distillation?")
    before = text_of(driver, "#chat")
    open_app(driver, url)  # a reload
    wait_for(lambda: count(driver, BOTS) == 2, 20, "the restored conversation")
    assert text_of(driver, "#chat") == before and count(driver, "#sources details.pl-turn") == 2
    screenshot(driver, shots, f"after-reload-{width}")

    ask(driver, "what about sparse experts?")
    follow_up = [c for c in assistant.calls if c["question"] == "what about sparse experts?"][-1]
    assert follow_up["history"] == [FIRST_QUESTION, "and knowledge distillation?"], "follow-ups see it"

    js(driver, "document.querySelector('#export').click()")
    saved = wait_for(lambda: list(downloads.glob("paperlens-conversation-*.md")), 10, "the download")
    text = wait_for(lambda: saved[0].read_text(encoding="utf-8"), 5, "the file's text")
    assert text.startswith("# paperlens conversation") and "## Q3. what about sparse experts?" in text
    assert "References\n[1] Pruning Attention Heads in Transformers (aaaa00000001)" in text
    assert "Saved the conversation" in toast(driver)

    js(driver, "document.querySelector('#clear').click()")
    wait_for(lambda: count(driver, BOTS) == 0, 10, "the cleared chat")
    open_app(driver, url)  # a reload
    time.sleep(1)
    assert count(driver, BOTS) == 0, "a cleared chat stays cleared"


# ---------------------------------------------------------------- the width itself


def test_the_app_fits_the_width(driver: Any, app: tuple[str, Any], width: int, shots: Path) -> None:
    open_app(driver, app[0])
    ask(driver, FIRST_QUESTION)
    overflow = "return document.documentElement.scrollWidth - window.innerWidth"
    assert js(driver, overflow) <= 0, "no sideways scrolling in the chat"
    for selector in ("#question textarea", "#send", "#copy", "#export", "#clear"):
        box = rect(driver, selector)
        assert box["left"] >= 0 and box["right"] <= width and box["width"] >= 40, selector
    screenshot(driver, shots, f"chat-{width}")
    open_tab(driver, "Papers")
    wait_for(lambda: "Distillation" in text_of(driver, "#papers"), 10, "the papers table")
    assert js(driver, overflow) <= 0, "no sideways scrolling in the papers tab"
    screenshot(driver, shots, f"papers-{width}")


# ---------------------------------------------------------------- the real app


def test_the_real_app_at_this_width(driver: Any, real_app: str, width: int, shots: Path) -> None:
    """`python app.py` over the real corpus (extractive mode): its themes in the empty chat, then a
    cited answer with its first source opened."""
    open_app(driver, real_app)
    wait_for(lambda: "Ask about" in text_of(driver, "#welcome"), 60, "the collection overview")
    assert count(driver, "#welcome .pl-theme") >= 4 and in_view(driver, "#welcome")
    assert in_view(driver, "#chat button.example:nth-child(4)")
    screenshot(driver, shots, f"real-empty-{width}")
    ask(driver, "Which papers work on Kolmogorov-Arnold Networks?", seconds=120)
    link = js(driver, f"return {LAST_BOT}.querySelector('a[href^=\"#src-\"]').hash")
    js(driver, f"{LAST_BOT}.querySelector('a[href^=\"#src-\"]').click()")
    if width >= 900:
        wait_for(lambda: count(driver, f"#sources {link}.pl-active") == 1, 5, "the source card")
    else:
        wait_for(lambda: shown(driver, "#pl-viewer") == [True], 5, "the source sheet")
    screenshot(driver, shots, f"real-answer-{width}")
