"""The hub in a real browser: headless Chromium (the Debian package) driven by Playwright.

`mission serve` is started on a free 127.0.0.1 port, exactly as `make run` starts it; the
test opens the course map, follows a lesson link, and checks the pages work without
JavaScript and keep their text readable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, free_port, running_server

from mission_control.check.inventory import list_checkpoints

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = (
            "Chromium is not installed: `apt-get install -y chromium` (make test does it as root)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = f"{sys.executable} -m mission_control serve --port {port}"
    with running_server(command, ROOT, port=port) as url:
        yield url


def test_course_map_and_lesson_page_without_javascript(browser, hub: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(hub + "/")
        assert page.title() == "Course map · Flask Mission Control"
        assert page.locator("h1").all_inner_texts() == ["Course map"]
        assert page.locator(".lesson-card").count() == len(CATALOG)
        assert page.get_by_role("navigation", name="Main").is_visible()

        page.get_by_role("link", name="a01 Basic To-Do API").click()
        page.wait_for_url(hub + "/lessons/a01")
        assert page.locator("h1").inner_text() == "a01 Basic To-Do API"
        assert page.get_by_role("heading", name="The contract").is_visible()
        checkpoints = page.locator(".checkpoint")
        assert checkpoints.count() == len(list_checkpoints(CATALOG.get("a01")))
        assert "not run yet" in checkpoints.first.inner_text()

        page.get_by_role("link", name="Course map").first.click()
        page.wait_for_url(hub + "/")
    finally:
        context.close()


def test_skip_link_and_readable_text(browser, hub: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to content"
        # The rendered colours of text against their backgrounds meet WCAG AA.
        ratios = page.evaluate(
            """() => {
            const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            const lum = c => { const v = rgb(c).map(x => x / 255).map(
                x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
                return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
            const bg = el => { for (; el; el = el.parentElement) {
                const c = getComputedStyle(el).backgroundColor;
                if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; }
                return 'rgb(255, 255, 255)'; };
            const out = [];
            for (const sel of ['p', 'a', 'li', 'h1', 'h2', 'code', '.status', '.meter-text']) {
                for (const el of document.querySelectorAll(sel)) {
                    if (!el.offsetParent && sel !== 'h1') continue;
                    const a = lum(getComputedStyle(el).color), b = lum(bg(el));
                    out.push([sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
                }
            }
            return out; }"""
        )
        assert ratios
        low = [(selector, round(ratio, 2)) for selector, ratio in ratios if ratio < 4.5]
        assert not low, low
    finally:
        context.close()


def _workspace_solution(lesson_id: str) -> None:
    """Put the lesson's solution where the hub's checks look: the learner's workspace copy."""
    import shutil

    lesson = CATALOG.get(lesson_id)
    shutil.copytree(lesson.solution, Path(os.environ["MISSION_WORKSPACE"]) / lesson.slug)


def test_run_checks_with_live_progress(browser, hub: str) -> None:
    _workspace_solution("a01")
    total = len(list_checkpoints(CATALOG.get("a01")))
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        page.get_by_role("button", name="Run checks").click()
        page.wait_for_url(f"{hub}/runs/*")
        page.locator("#run-state").filter(has_text="Finished:").wait_for(timeout=120_000)
        assert page.locator("#run-results .checkpoint").count() == total
        assert page.locator("#run-results .status").all_inner_texts() == ["✔ passed"] * total
        assert page.locator("#run-bar").get_attribute("value") == str(total)
        assert page.locator("[aria-live=polite]").count() == 1
        assert f"{total} passed" in page.locator("#run-announce").inner_text()
    finally:
        context.close()


def test_run_checks_without_javascript(browser, hub: str) -> None:
    lesson = CATALOG.get("a01")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        page.get_by_role("button", name="Start this lesson").click()
        page.wait_for_url(hub + "/lessons/a01#work-title")
        assert page.get_by_role("button", name="Start this lesson").count() == 0
        assert lesson.slug in page.locator(".panel").inner_text()
        page.get_by_role("button", name="Run checks").click()
        page.wait_for_url(f"{hub}/runs/*")
        # The page reloads itself (<meta refresh> in <noscript>) until the run ends.
        page.get_by_text("Finished:").wait_for(timeout=120_000)
        statuses = page.locator("#run-results .status").all_inner_texts()
        assert len(statuses) == len(list_checkpoints(lesson))
        assert "✘ failed" in statuses, "the starter fails checkpoints, in words"
    finally:
        context.close()


def test_run_a_check_with_the_keyboard_only(browser, hub: str) -> None:
    _workspace_solution("a01")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        for _ in range(40):  # Tab in reading order until the button has focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "Run checks":
                break
        else:
            pytest.fail("Tab never reached “Run checks”")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "the focused button shows a focus ring"
        page.keyboard.press("Enter")
        page.wait_for_url(f"{hub}/runs/*")
        page.locator("#run-state").filter(has_text="Finished:").wait_for(timeout=120_000)
        assert "passed" in page.locator("#run-state").inner_text()
    finally:
        context.close()


def test_an_unsaved_reflection_survives_a_reload(browser, hub: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        answer = page.locator("#answer-1")
        answer.fill("Half a thought, not saved yet")
        page.reload()
        assert page.locator("#answer-1").input_value() == "Half a thought, not saved yet"
        assert page.get_by_text("Your unsaved draft is back").is_visible()
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Saved as revision").wait_for()
        page.reload()
        assert page.locator("#answer-1").input_value() == "Half a thought, not saved yet"
        assert not page.get_by_text("Your unsaved draft is back").is_visible()
    finally:
        context.close()
