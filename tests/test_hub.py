"""The hub's pages through Flask's test client: status, content, and accessible structure."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT
from markupsafe import escape

from mission_control.check.inventory import list_checkpoints
from mission_control.check.report import CheckError, ErrorKind, Report, Result
from mission_control.hub import create_app
from mission_control.progress import ProgressStore

A01 = CATALOG.get("a01")


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3")


@pytest.fixture
def client(store: ProgressStore):
    app = create_app({"TESTING": True, "COURSE_ROOT": str(ROOT), "PROGRESS_DB": str(store.path)})
    return app.test_client()


class Outline(HTMLParser):
    """Headings, landmarks, links and form controls of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def outline(html: str) -> Outline:
    parsed = Outline()
    parsed.feed(html)
    return parsed


def assert_accessible(html: str) -> Outline:
    page = outline(html)
    assert page.all("html")[0].get("lang") == "en"
    assert [level for level, _ in page.headings].count("h1") == 1, page.headings
    assert len(page.all("main")) == 1 and page.all("main")[0].get("id") == "content"
    assert page.all("header") and page.all("footer")
    assert all(nav.get("aria-label") for nav in page.all("nav")), "every nav is labelled"
    assert any(a.get("href") == "#content" for a in page.all("a")), "a skip link"
    for control in page.all("progress") + page.all("input") + page.all("select"):
        if control.get("type") == "hidden":
            continue
        assert control.get("aria-label") or control.get("id"), f"unlabelled {control}"
    levels = [int(level[1]) for level, _ in page.headings]
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels
    # The hub works without JavaScript; what script there is comes from static/ (strict CSP).
    assert all((s.get("src") or "").startswith("/static/") for s in page.all("script"))
    return page


def test_course_map_lists_every_lesson_by_phase(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    page = assert_accessible(html)
    assert page.headings[0] == ("h1", "Course map")
    phases = [text for level, text in page.headings if level == "h2" and text.startswith("Phase")]
    assert phases == [
        "Phase 1 · Pre-flight",
        "Phase 2 · Cockpit",
        "Phase 3 · Core systems",
        "Phase 4 · Launch",
    ]
    for lesson in CATALOG:
        assert f'href="/lessons/{lesson.id}"' in html
        assert str(escape(lesson.title)) in html
    assert 'aria-label="a01 progress"' in html


def test_lesson_page_renders_the_tutorial_and_checkpoints(client) -> None:
    response = client.get("/lessons/a01")
    assert response.status_code == 200
    page = assert_accessible(response.text)
    assert page.headings[0] == ("h1", "a01 Basic To-Do API")
    texts = [text for _, text in page.headings]
    assert "a01 · Basic To-Do API" not in texts  # the title once, as the page's h1
    assert response.text.count("Basic To-Do API</") == 1, "the title is shown once"
    assert "cd workspace/01-basic-todo-api" in response.text
    assert "http://127.0.0.1:5000" in response.text
    assert "The contract" in texts and "Testing step by step" in texts
    assert 'id="the-contract"' in response.text
    assert '<pre tabindex="0"><code class="language-python">' in response.text  # highlighted code
    for info in list_checkpoints(A01):
        assert str(escape(info.title)) in response.text
    assert response.text.count("not run yet") == len(list_checkpoints(A01))
    assert "mission start a01" in response.text and "mission check a01" in response.text


def test_lesson_page_shows_the_latest_results(client, store: ProgressStore) -> None:
    infos = list_checkpoints(A01)
    results = [Result(id=info.id, title=info.title, status="passed") for info in infos]
    results[1] = Result(
        id=infos[1].id,
        title=infos[1].title,
        status="failed",
        detail="expected status 201 Created, not 200 OK",
        hint="Return 201.",
        curl="curl -i http://127.0.0.1:5000/todos",
    )
    store.record(
        Report(checker="t", lesson="a01", spec_hash="x", target="inprocess", results=results),
        "workspace",
    )
    html = client.get("/lessons/a01").text
    assert html.count("✔</span> passed") == len(infos) - 1
    assert "✘</span> failed" in html
    assert "expected status 201 Created, not 200 OK" in html
    assert "Return 201." in html and "curl -i http://127.0.0.1:5000/todos" in html
    assert f'<progress max="{len(infos)}" value="{len(infos) - 1}"' in html
    index = client.get("/").text
    assert f'value="{len(infos) - 1}"' in index


def test_a_run_that_could_not_start_is_explained(client, store: ProgressStore) -> None:
    infos = list_checkpoints(A01)
    store.record(
        Report(
            checker="t",
            lesson="a01",
            spec_hash="x",
            target="inprocess",
            error=CheckError(ErrorKind.IMPORT_ERROR, "SyntaxError"),
            results=[Result(id=i.id, title=i.title, status="skipped") for i in infos],
        ),
        "workspace",
    )
    html = client.get("/lessons/a01").text
    assert "could not run your app (import error)" in html


def test_unknown_lesson_is_a_rendered_404(client) -> None:
    response = client.get("/lessons/a99")
    assert response.status_code == 404
    assert "There is no lesson called “a99”." in response.text
    assert_accessible(response.text)
    assert client.get("/no/such/page").status_code == 404


def test_security_headers_and_stylesheets(client) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    css = client.get("/code.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".tutorial pre code .k" in css.text
    assert client.get("/static/style.css").status_code == 200


def test_html_in_a_readme_is_not_passed_through() -> None:
    from mission_control.hub.markdown import render

    html = render("# Title\n\n<script>alert(1)</script>\n\n```python\nprint('hi')\n```\n")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<h2 id="title">Title</h2>' in html


# -- contrast: every colour pair the hub uses meets WCAG AA (4.5:1) ------------------------


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def theme_colours(css: str) -> dict[str, dict[str, str]]:
    """Each theme's colour variables: light (``:root``) with each theme's own on top."""
    blocks = re.findall(r"(:root(?:\[data-theme=\"(\w+)\"\])?) \{([^}]*)\}", css)
    light: dict[str, str] = {}
    themes: dict[str, dict[str, str]] = {}
    for _, name, body in blocks:
        colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", body))
        if not name:
            light.update(colours)
        else:
            themes.setdefault(name, {}).update(colours)
    return {"light": light, **{name: {**light, **own} for name, own in themes.items()}}


def test_hub_colours_meet_aa() -> None:
    css = (ROOT / "src/mission_control/hub/static/style.css").read_text()
    themes = theme_colours(css)
    assert set(themes) == {"light", "dark", "system", "contrast"}
    pairs = [
        ("ink", "paper"),
        ("ink", "panel"),
        ("muted", "paper"),
        ("muted", "panel"),
        ("link", "paper"),
        ("link", "panel"),
        ("paper", "link"),  # a button's text
        ("on-night", "night"),
        ("passed", "panel"),
        ("passed", "paper"),
        ("failed", "panel"),
        ("failed", "paper"),
    ]
    for theme, colours in themes.items():
        for text, background in pairs:
            ratio = contrast(colours[text], colours[background])
            assert ratio >= 4.5, f"{theme}: {text} on {background}: {ratio:.2f}"
        # A focus ring is a user-interface component: 3:1 against what is around it.
        assert contrast(colours["focus"], colours["paper"]) >= 3, theme
        assert contrast(colours["focus"], colours["panel"]) >= 3, theme
        assert contrast(colours["focus-on-night"], colours["night"]) >= 3, theme


def test_code_colours_meet_aa() -> None:
    from pygments.styles import get_style_by_name

    from mission_control.hub.markdown import CODE_STYLE

    style = get_style_by_name(CODE_STYLE)
    for token, spec in style:
        if spec["color"]:
            background = spec["bgcolor"] or "ffffff"
            assert contrast(spec["color"], background) >= 4.5, (token, spec["color"])


# -- start here (issue 17) -------------------------------------------------------------------


def test_course_map_says_where_to_start(client) -> None:
    from mission_control.start_here import FIRST_LESSON, SUGGESTED_PATH

    html = client.get("/").text
    page = outline(html)
    assert ("h2", "Start here") in page.headings
    assert "You need a little Python first" in html
    assert f"mission start {FIRST_LESSON}" in html and f"mission check {FIRST_LESSON}" in html
    assert "mission start a01" not in html, "every how-to on the hub names the first lesson"
    first = CATALOG.get(FIRST_LESSON)
    assert f"cd workspace/{first.slug}" in html and "source .venv/bin/activate" in html
    assert html.count('class="start-here"') == 1
    card = html.split(f'href="/lessons/{FIRST_LESSON}"><span class="lesson-id">')[1]
    assert card.index('class="start-here"') < card.index("lesson-card")
    path = html.split('class="suggested-path"')[1].split("</ol>")[0]
    positions = [path.index(f'href="/lessons/{key}"') for key in SUGGESTED_PATH]
    assert positions == sorted(positions)
    readme = (ROOT / "README.md").read_text()
    assert " → ".join(SUGGESTED_PATH[:10]) in readme, "README's path is the hub's"
    assert "8765" in html


def test_summary_backticks_render_as_code_and_stay_escaped() -> None:
    from mission_control.hub.markdown import inline_code

    shown = str(inline_code("Use `request.get_json()` & <b>bold</b>, not `<script>`"))
    assert shown == (
        "Use <code>request.get_json()</code> &amp; &lt;b&gt;bold&lt;/b&gt;, not "
        "<code>&lt;script&gt;</code>"
    )
    assert str(inline_code("no code here")) == "no code here"


def test_lesson_page_says_when_the_hub_holds_the_lessons_port(client) -> None:
    clash = client.get("/lessons/a01", base_url="http://127.0.0.1:5000").text
    assert "This hub is using port 5000" in clash and "mission serve" in clash
    calm = client.get("/lessons/a01", base_url="http://127.0.0.1:8765").text
    assert "This hub is using port" not in calm


def test_hub_says_who_it_is(client) -> None:
    from mission_control.ports import HUB_HEADER

    assert client.get("/").headers[HUB_HEADER] == "hub"
