"""axe-core audits every hub page in a real browser: zero WCAG 2.2 AA violations in the light,
dark and high-contrast themes (and in "system" under a dark preference). It prints the counts.

The pages: the course map, every lesson page (with a failed check's feedback opened), a
finished run page, the progress page, the settings page, the primer and an error page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import CATALOG
from test_hub_browser import browser, hub  # noqa: F401  (the fixtures)

pytestmark = pytest.mark.browser

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
THEMES = ("light", "dark", "contrast")


def audit(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return list(results.response["violations"])


def finished_run(browser, hub: str) -> str:  # noqa: F811
    """A run of a01's starter (so its page shows failures), from the hub, one primer
    question answered (so its explanation shows) and a01's reflection saved (so /progress
    shows it); the run page's address."""
    lesson = CATALOG.get("a01")
    shutil.copytree(lesson.starter, Path(os.environ["MISSION_WORKSPACE"]) / lesson.slug)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(hub + "/lessons/a01")
        page.get_by_role("button", name="Run checks").click()
        page.wait_for_url(f"{hub}/runs/*")
        page.locator("#run-state").filter(has_text="Finished:").wait_for(timeout=120_000)
        run_url = page.url
        page.goto(hub + "/lessons/p01")
        page.locator("form").first.get_by_role("radio").first.check()
        page.get_by_role("button", name="Commit my answer").first.click()
        page.locator(".explanation").first.wait_for()
        page.goto(hub + "/lessons/a01")
        page.locator("#answer-1").fill("I learnt **why** `jsonify` sets the type.\n\n- a list")
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator(".notice").filter(has_text="Saved as revision").wait_for()
        return run_url
    finally:
        context.close()


def test_every_hub_page_has_no_wcag_22_aa_violations(browser, hub: str) -> None:  # noqa: F811
    run_url = finished_run(browser, hub)
    paths = ["/", "/progress", "/settings", "/lessons/nope"]  # and p01, a catalog lesson
    paths += [f"/lessons/{lesson.id}" for lesson in CATALOG]
    urls = [hub + path for path in paths] + [run_url]
    found: dict[str, list[str]] = {}
    for theme, scheme in [*((theme, "light") for theme in THEMES), ("system", "dark")]:
        context = browser.new_context(bypass_csp=True, color_scheme=scheme)
        context.add_cookies([{"name": "mission_theme", "value": theme, "url": hub}])
        page = context.new_page()
        count = 0
        try:
            for url in urls if theme != "system" else urls[:3]:
                page.goto(url)
                assert page.locator("html").get_attribute("data-theme") == theme
                for violation in audit(page):
                    count += len(violation["nodes"])
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    found.setdefault(theme, []).append(
                        f"{url}: {violation['id']} ({violation['help']}) at {targets}"
                    )
        finally:
            context.close()
        pages = len(urls) if theme != "system" else 3
        print(f"axe WCAG 2.2 AA, theme {theme} ({scheme}): {pages} pages, {count} violations")
    assert not found, "\n".join(line for lines in found.values() for line in lines)
