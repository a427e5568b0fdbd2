"""Browser checkpoints: the ``page`` fixture (Playwright driving the system Chromium).

A lesson whose contract is what a person sees and does (type into a form, read a message
beside the field, chat from two tabs) is checked in a real browser: headless Chromium from
the Debian package, driven by Playwright's sync API (never a browser Playwright downloads).
The browser starts once per check, the first time a checkpoint asks for a page, and is
closed when the check ends; every page a checkpoint opens lives in its own browser context
(its own cookies and storage), like two people on two machines.

A failure shows what the page showed: the visible text near the element that was expected
(or the page's text, when there is no such element), trimmed, and the page's console
errors, so a learner sees "expected the text 'Hello' in #log within 5 s, not 'Connecting…'"
with the JavaScript error that explains it.

Where ``/usr/bin/chromium`` is missing the checkpoint is skipped with the command that
installs it; with ``CI`` set it fails instead, so a machine without the browser cannot pass
for one that has it. Playwright is imported only when a checkpoint asks for a page.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mission_control.check.client import CheckFailed

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = "apt-get install -y chromium"
TIMEOUT = 5.0  # seconds a page action or a wait may take
PREVIEW = 300  # characters of visible text shown in a failure
ERRORS_SHOWN = 5

#: The accessible description of an element: the text of the elements its
#: aria-describedby names, in order, joined by spaces (as the accessibility tree has it).
_DESCRIPTION_JS = """element => (element.getAttribute('aria-describedby') || '')
    .split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id))
    .filter(Boolean)
    .map(node => node.textContent.trim())
    .join(' ')"""

#: The visible text around an element: its nearest ancestor that holds some text.
_NEAR_JS = """element => {
    let node = element;
    while (node && !(node.innerText || '').trim()) node = node.parentElement;
    return node ? node.innerText : '';
}"""


def _trim(text: str, limit: int = PREVIEW) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class BrowserUnavailable(Exception):
    """Chromium (or Playwright) is not installed on this machine."""


class Browser:
    """The one Chromium of a check, started on first use and closed at the end."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        """The running browser, starting it the first time."""
        if self._browser is not None:
            return self._browser
        if not CHROMIUM.exists():
            raise BrowserUnavailable(
                f"this checkpoint drives a real browser, and Chromium is not installed: "
                f"run `{INSTALL}` (as root), then check again"
            )
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise BrowserUnavailable(
                "this checkpoint drives a real browser through Playwright, which is not "
                "installed in the course environment: run `uv sync` in the course folder"
            ) from None
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


class Page:
    """One page of the app in a browser context of its own.

    The helpers wait (at most ``TIMEOUT`` seconds) and fail with what the page showed;
    ``playwright`` is the Playwright page itself, for anything they do not cover.
    """

    def __init__(self, name: str, context: Any, base_url: str) -> None:
        self.name = name
        self.context = context
        self.base_url = base_url
        self.playwright: Any = context.new_page()
        self.playwright.set_default_timeout(TIMEOUT * 1000)
        self.console_errors: list[str] = []
        self.playwright.on("console", self._console)
        self.playwright.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    # -- navigating and acting ----------------------------------------------------------

    def goto(self, path: str = "/") -> int:
        """Open ``path`` of the app; returns the HTTP status of the answer."""
        response = self.playwright.goto(self.base_url + path, wait_until="load")
        return int(response.status) if response is not None else 0

    def fill(self, selector: str, value: str) -> None:
        """Type ``value`` into the field ``selector`` (a CSS selector, ``#name``)."""
        self._act(selector, "fill in", lambda locator: locator.fill(value))

    def click(self, selector: str) -> None:
        """Click the element ``selector``."""
        self._act(selector, "click", lambda locator: locator.click())

    def press(self, selector: str, key: str) -> None:
        """Press ``key`` (``"Enter"``) in the element ``selector``."""
        self._act(selector, f"press {key} in", lambda locator: locator.press(key))

    def submit(self, selector: str) -> int:
        """Click ``selector`` and wait for the page it leads to; returns its status."""
        with self.playwright.expect_navigation(timeout=TIMEOUT * 1000) as navigation:
            self.click(selector)
        response = navigation.value
        return int(response.status) if response is not None else 0

    def close(self) -> None:
        """Close the page and its context, as closing the tab would."""
        self.context.close()

    # -- reading and waiting ------------------------------------------------------------

    def text(self, selector: str = "body") -> str:
        """The visible text of ``selector`` (the whole page by default)."""
        locator = self.playwright.locator(selector).first
        if locator.count() == 0:
            return ""
        return str(locator.inner_text())

    def attribute(self, selector: str, name: str) -> str | None:
        """The attribute ``name`` of ``selector``; fails when there is no such element."""
        locator = self._element(selector)
        value = locator.get_attribute(name)
        return None if value is None else str(value)

    def accessible_description(self, selector: str) -> str:
        """What a screen reader reads as the description of ``selector``: the text of the
        elements its ``aria-describedby`` names."""
        return str(self._element(selector).evaluate(_DESCRIPTION_JS))

    def wait_for_text(
        self,
        text: str,
        selector: str = "body",
        *,
        timeout: float = TIMEOUT,
        hint: str | None = None,
    ) -> None:
        """Wait until the visible text of ``selector`` contains ``text``."""
        locator = self.playwright.locator(selector).first
        try:
            locator.filter(has_text=re.compile(re.escape(text))).wait_for(
                state="visible", timeout=timeout * 1000
            )
        except Exception as error:
            if not _timed_out(error):
                raise
            self.fail(
                f"the text {text!r} in {selector} within {timeout:g} s",
                selector,
                hint=hint,
            )

    def expect_visible(self, selector: str, *, timeout: float = TIMEOUT) -> None:
        """Wait until ``selector`` is on the page and visible."""
        self._element(selector, timeout=timeout)

    def fail(self, expected: str, selector: str = "body", *, hint: str | None = None) -> None:
        """Fail with "expected <expected> on page <name>", what the page shows near
        ``selector`` and its console errors."""
        raise CheckFailed(
            f"expected {expected} on page {self.name}, {self.shown(selector)}", hint=hint
        )

    def shown(self, selector: str = "body") -> str:
        """What the page showed near ``selector`` and its console errors, for a failure."""
        try:
            locator = self.playwright.locator(selector).first
            if selector != "body" and locator.count():
                near = str(locator.evaluate(_NEAR_JS))
                where = f"near {selector} it showed"
            else:
                near = str(self.playwright.locator("body").inner_text())
                where = "it showed" if selector == "body" else f"there is no {selector}; it showed"
        except Exception as error:  # a failure's detail must never raise
            near, where = f"(could not be read: {error})", "its text"
        shown = f"not that: {where} {_trim(near)} at {self.playwright.url}"
        if self.console_errors:
            errors = "; ".join(self.console_errors[-ERRORS_SHOWN:])
            shown += f"\nconsole errors: {_trim(errors)}"
        return shown

    def _element(self, selector: str, *, timeout: float = TIMEOUT) -> Any:
        locator = self.playwright.locator(selector).first
        try:
            locator.wait_for(state="visible", timeout=timeout * 1000)
        except Exception as error:
            if not _timed_out(error):
                raise
            self.fail(f"a visible {selector} within {timeout:g} s", selector)
        return locator

    def _act(self, selector: str, verb: str, action: Any) -> None:
        locator = self._element(selector)
        try:
            action(locator)
        except Exception as error:
            if not _timed_out(error):
                raise
            self.fail(f"to {verb} {selector}", selector)


def _timed_out(error: Exception) -> bool:
    return type(error).__name__ == "TimeoutError"


class Pages:
    """The pages one checkpoint opened: ``open("/")`` opens one more, in a new context."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self._browser = browser
        self.base_url = base_url
        self.pages: list[Page] = []

    def open(self, path: str = "/", name: str | None = None) -> Page:
        """A new page in its own browser context, at ``path`` (fails unless it loads)."""
        context = self._browser.get().new_context()
        page = Page(name or f"#{len(self.pages) + 1}", context, self.base_url)
        self.pages.append(page)
        status = page.goto(path)
        if not 200 <= status < 400:
            page.fail(f"GET {path} to answer a page (200), not {status}")
        return page

    def close(self) -> None:
        for page in self.pages:
            with contextlib.suppress(Exception):  # closing must never fail the check
                page.close()


@pytest.fixture(scope="session")
def _mission_browser() -> Iterator[Browser]:
    """The check's one browser: started by the first page, closed at the end of the run."""
    browser = Browser()
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(_mission_browser: Browser, base_url: str) -> Iterator[Pages]:
    """Browser pages of the app under check: ``ana = page.open("/")``, each in its own
    context; all closed afterwards. Skipped (with ``CI`` set: failed) without Chromium."""
    try:
        _mission_browser.get()
    except BrowserUnavailable as error:
        if os.environ.get("CI"):
            raise CheckFailed(str(error)) from None
        pytest.skip(str(error))
    pages = Pages(_mission_browser, base_url)
    try:
        yield pages
    finally:
        pages.close()
