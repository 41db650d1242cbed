"""A real headless Chromium against the app: streaming, citations, sources, refusals, errors and
escaping, first with the fake assistant, then with the real one (extractive mode). In CI these
must run; elsewhere they skip (printing why) only if no browser can be installed. Screenshots are
saved under test-output/ui/<test name>/ (git-ignored; pytest's tmp_path is pruned too soon on a
machine shared by several test runs)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from paperlens.errors import LLMError

from .browser import ensure_chromium, make_driver
from .conftest import ROOT, fake_settings, served, served_by_api
from .fake_papers import fake_assistant

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CURSOR = "▍"
BOTS = "#chat [data-testid='bot']"
LAST_BOT = f'Array.from(document.querySelectorAll("{BOTS}")).pop()'


@pytest.fixture(scope="session")
def chromium() -> None:
    problem = ensure_chromium()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but Chromium is unavailable: {problem}")
    print(f"\nSkipping browser tests: {problem}")
    pytest.skip(f"no browser could be installed: {problem}")


@pytest.fixture
def driver(chromium: None, tmp_path: Path) -> Iterator[Any]:
    browser = make_driver(tmp_path / "profile")
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """Where this test's screenshots go."""
    directory = ROOT / "test-output" / "ui" / request.node.name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module", params=["launch", "serve"])
def served_by(request: pytest.FixtureRequest) -> str:
    """The same app served by Gradio's own launch and mounted by `paperlens serve`."""
    return str(request.param)


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory: pytest.TempPathFactory, served_by: str) -> Path:
    return tmp_path_factory.mktemp(f"browser-app-{served_by}")


@pytest.fixture(scope="module")
def fake_eval_dir(fake_root: Path) -> Path:
    return fake_root / "eval"


@pytest.fixture(scope="module")
def fake_url(fake_root: Path, served_by: str) -> Iterator[str]:
    settings = fake_settings(fake_root)
    assistant = fake_assistant(settings, delay=0.03)
    assistant.script("answer slowly about pruning heads and distillation", delay=0.25)
    assistant.script("unknown topic: pruning heads?", refuse=True)
    assistant.script("please fail llm", error=LLMError("http://127.0.0.1:9/v1", "connection refused"))
    assistant.script("unsupported claim about pruning heads", unsupported=True)
    with (served if served_by == "launch" else served_by_api)(assistant, settings) as url:
        yield url


def make_png(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (120, 80), (30, 120, 200)).save(path)


# ---------------------------------------------------------------- page helpers


def wait_for(check: Callable[[], Any], seconds: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # the DOM changes under us while Svelte re-renders
            value = None
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def js(driver: Any, script: str) -> Any:
    return driver.execute_script(script)


def text_of(driver: Any, selector: str) -> str:
    return js(driver, f"const e = document.querySelector({selector!r}); return e ? e.innerText : ''")


def count(driver: Any, selector: str) -> int:
    return int(js(driver, f"return document.querySelectorAll({selector!r}).length"))


def last_bot_text(driver: Any) -> str:
    return js(driver, f"const m = {LAST_BOT}; return m ? m.innerText : ''")


def last_bot_has(driver: Any, selector: str) -> bool:
    return bool(js(driver, f"const m = {LAST_BOT}; return !!(m && m.querySelector({selector!r}))"))


def open_app(driver: Any, url: str) -> None:
    driver.get(url)
    wait_for(lambda: count(driver, "#question textarea"), 60, "the app")
    wait_for(lambda: "papers" in text_of(driver, "#model-info"), 60, "the model info")


def ask(driver: Any, question: str, seconds: float = 60) -> dict[str, Any]:
    """Type a question, press Enter, and watch the answer arrive: the texts seen while it
    streamed, and the seconds to the first text and to the finished answer."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = count(driver, BOTS)
    box = driver.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys(question)
    started = time.monotonic()
    box.send_keys(Keys.ENTER)
    seen: list[str] = []
    first = None
    while time.monotonic() - started < seconds:
        text = last_bot_text(driver) if count(driver, BOTS) > before else ""
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        if first is None and text.strip(CURSOR + " \n"):
            first = time.monotonic() - started
        if text and CURSOR not in text:
            return {"seen": seen, "first_s": first, "total_s": time.monotonic() - started, "text": text}
        time.sleep(0.01)
    raise AssertionError(f"no complete answer within {seconds:.0f} s; last text: {seen[-1:]}")


def no_script_ran(driver: Any) -> None:
    assert js(driver, "return window.pwned === undefined"), (
        f"injected code ran: {js(driver, 'return window.pwned')}"
    )
    assert count(driver, 'img[src="x"]') == 0 and count(driver, "#sources script, #chat script") == 0


def open_tab(driver: Any, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//button[@role='tab' and contains(., '{name}')]").click()


def screenshot(driver: Any, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"\nscreenshot: {path}")
    return path


def check_citations_link_to_cards(driver: Any) -> str:
    """Every [n] link in the latest answer has a card; clicking one opens it (in the sources panel
    at this window's width; tests/ui/test_browser_researcher.py covers both widths). Returns its id."""
    hrefs = js(
        driver, f"return Array.from({LAST_BOT}.querySelectorAll('a[href^=\"#src-\"]')).map(a => a.hash)"
    )
    assert hrefs, "the answer has no citation links"
    for href in set(hrefs):
        assert count(driver, f"#sources {href}") == 1, f"no source card for {href}"
    js(driver, f"{LAST_BOT}.querySelector('a[href^=\"#src-\"]').click()")
    wait_for(lambda: count(driver, f"#sources {hrefs[0]}.pl-active") == 1, 20, "the source card to open")
    return hrefs[0][1:]


def show_details(driver: Any) -> None:
    """Tick "Show details" (scores, listing files, trace)."""
    if not js(driver, "return document.querySelector('#details-toggle input').checked"):
        js(driver, "document.querySelector('#details-toggle input').click()")
    wait_for(lambda: js(driver, "return document.body.classList.contains('pl-details')"), 5, "details")


# ---------------------------------------------------------------- with the fake assistant


def test_question_streams_into_a_cited_answer(driver: Any, fake_url: str, shots: Path) -> None:
    open_app(driver, fake_url)
    result = ask(driver, "How much faster are pruned transformer heads?")
    partial = [t for t in result["seen"] if t.endswith(CURSOR) and len(t) > 5]
    assert partial, f"the answer did not stream: {result['seen']}"
    assert "[1]" in result["text"] and "Sources:" in result["text"]
    assert check_citations_link_to_cards(driver) == "src-1-1"
    assert text_of(driver, "#sources #src-1-1 mark.pl-evidence").startswith("We study pruning")
    card = text_of(driver, "#sources #src-1-1")
    assert "aaaa00000001" in card and "score" not in card and "github.com/example/headprune" in card
    show_details(driver)
    assert "score" in text_of(driver, "#sources #src-1-1")
    # Copying (with its confirmation) is tested in test_browser_researcher.py.
    screenshot(driver, shots, "cited-answer")


def test_download_references_of_the_latest_answer(driver: Any, fake_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    open_app(driver, fake_url)
    assert not driver.find_element(By.CSS_SELECTOR, "#download").is_enabled(), "nothing to download yet"
    ask(driver, "How much faster are pruned transformer heads?")
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#download").is_enabled(), 10, "the download")
    # Gradio downloads through a link it clicks; catch that link's address and fetch the file.
    js(driver, "HTMLAnchorElement.prototype.click = function () { window.paperlensDownload = this.href; }")
    driver.find_element(By.CSS_SELECTOR, "#download").click()
    href = wait_for(lambda: js(driver, "return window.paperlensDownload"), 10, "the download link")
    fetch = f"""const done = arguments[arguments.length - 1];
      fetch({href!r}).then(r => r.text()).then(done, e => done('failed: ' + e));"""
    bibtex = driver.execute_async_script(fetch)
    assert bibtex.startswith("@misc{") and "Pruning Attention Heads in Transformers" in bibtex
    screenshot(driver, shots, "download-references")


def test_stop_keeps_the_partial_answer(driver: Any, fake_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_app(driver, fake_url)
    box = driver.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys("answer slowly about pruning heads and distillation", Keys.ENTER)
    wait_for(lambda: len(last_bot_text(driver)) > 12, 10, "some streamed text")
    driver.find_element(By.ID, "stop").click()
    wait_for(lambda: "(stopped)" in last_bot_text(driver), 10, "the stopped marker")
    time.sleep(1)
    assert "(stopped)" in last_bot_text(driver) and "Sources:" not in last_bot_text(driver)
    assert ask(driver, "pruning heads")["text"].count("[1]") >= 1, "the next question works"
    screenshot(driver, shots, "stopped")


def test_eval_tab_shows_the_latest_run(driver: Any, fake_eval_dir: Path, fake_url: str, shots: Path) -> None:
    run = fake_eval_dir / "runs" / "2025-01-01-demo"
    run.mkdir(parents=True)
    (run / "summary.md").write_text("# Eval summary\n\n| metric | value |\n|---|---|\n| recall@5 | 0.91 |\n")
    make_png(run / "recall.png")
    open_app(driver, fake_url)
    open_tab(driver, "Eval")
    wait_for(lambda: "recall@5" in text_of(driver, "#eval-summary"), 10, "the eval summary")
    assert "2025-01-01-demo" in text_of(driver, "#eval-summary")
    wait_for(
        lambda: js(
            driver,
            "return Array.from(document.images).some(i => i.src.includes('recall') && i.naturalWidth > 0)",
        ),
        10,
        "the plot image",
    )
    screenshot(driver, shots, "eval")


def test_refusal_error_and_unsupported_sentence_look_different(
    driver: Any, fake_url: str, shots: Path
) -> None:
    open_app(driver, fake_url)
    ask(driver, "unknown topic: pruning heads?")
    assert last_bot_has(driver, "blockquote") and "Closest papers" in last_bot_text(driver)
    assert count(driver, "#sources .pl-refusal .pl-closest") >= 1
    ask(driver, "please fail llm")
    assert "Could not answer" in last_bot_text(driver) and "connection refused" in last_bot_text(driver)
    ask(driver, "unsupported claim about pruning heads")
    assert last_bot_has(driver, "mark") and "⚠" in last_bot_text(driver)
    screenshot(driver, shots, "refusal-error-unsupported")


def test_untrusted_abstracts_never_execute(driver: Any, fake_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    open_app(driver, fake_url)
    result = ask(driver, "escaping untrusted abstracts payload")
    assert "<img src=x onerror=" in result["text"], "the payload shows as text in the answer"
    sources = text_of(driver, "#sources")
    assert "<script>window.pwned='script'</script>" in sources and "${window.pwned='tpl'}" in sources
    no_script_ran(driver)
    open_tab(driver, "Papers")
    wait_for(lambda: "Escaping" in text_of(driver, "#papers"), 10, "the papers table")
    driver.find_element(By.XPATH, "//*[@id='papers']//*[@role='gridcell'][contains(., 'Escaping')]").click()
    wait_for(lambda: "window.pwned='img'" in text_of(driver, "#paper-view"), 10, "the paper view")
    assert 'href="javascript' not in js(driver, "return document.querySelector('#paper-view').innerHTML")
    time.sleep(0.5)  # give an onerror handler time to fire, had one been created
    no_script_ran(driver)
    screenshot(driver, shots, "escaping")


def test_papers_tab_summarize_and_ask_about(driver: Any, fake_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    open_app(driver, fake_url)
    open_tab(driver, "Papers")
    wait_for(lambda: "Distillation" in text_of(driver, "#papers"), 10, "the papers table")
    driver.find_element(
        By.XPATH, "//*[@id='papers']//*[@role='gridcell'][contains(., 'Distillation')]"
    ).click()
    wait_for(lambda: "teacher" in text_of(driver, "#paper-view"), 10, "the paper view")
    driver.find_element(By.ID, "summarize-paper").click()
    wait_for(lambda: "Summarize the paper" in text_of(driver, "#chat"), 10, "the summary request in the chat")
    wait_for(lambda: last_bot_has(driver, "a[href='#src-1-1']"), 20, "the cited summary")
    open_tab(driver, "Papers")
    driver.find_element(By.ID, "ask-paper").click()
    wait_for(lambda: "limited to" in text_of(driver, "#focus"), 10, "the focus banner")
    question = js(driver, "return document.querySelector('#question textarea').value")
    assert "this paper" in question
    screenshot(driver, shots, "papers-actions")


# ---------------------------------------------------------------- with the real assistant


@pytest.mark.parametrize("app_fixture", ["real_app", "real_served_app"])
def test_real_app_answers_with_citations(
    driver: Any, app_fixture: str, request: pytest.FixtureRequest, shots: Path
) -> None:
    open_app(driver, request.getfixturevalue(app_fixture))
    assert "Extractive mode" in text_of(driver, "#model-info")
    question = "Which papers work on Kolmogorov-Arnold Networks?"
    result = ask(driver, question, seconds=120)
    print(f"\nbrowser: first text after {result['first_s']:.2f} s, complete after {result['total_s']:.2f} s")
    assert "PAPERLENS_LLM_PROVIDER" in result["text"], "extractive mode says how to enable an LLM"
    card = check_citations_link_to_cards(driver)
    assert count(driver, f"#sources #{card} mark.pl-evidence") >= 1, "supporting sentences are highlighted"
    show_details(driver)
    assert "score" in text_of(driver, f"#sources #{card}")
    follow = ask(driver, "What else does the first one report?", seconds=120)
    assert "[" in follow["text"] and count(driver, "#sources details.pl-turn") == 2
    screenshot(driver, shots, "real-answer")


def test_real_assistant_escapes_untrusted_abstracts(driver: Any, untrusted_app: str, shots: Path) -> None:
    open_app(driver, untrusted_app)
    result = ask(driver, "How are untrusted abstracts with script tags rendered in paper search?", 120)
    sources = text_of(driver, "#sources")
    assert "<script>window.pwned='script'</script>" in sources, (
        f"the untrusted paper was not cited: {result['text']}"
    )
    time.sleep(0.5)
    no_script_ran(driver)
    screenshot(driver, shots, "real-escaping-chat")
    open_tab(driver, "Papers")
    wait_for(lambda: "Escaping <b" in text_of(driver, "#papers"), 10, "the raw title as text in the table")
    no_script_ran(driver)
    screenshot(driver, shots, "real-escaping")
