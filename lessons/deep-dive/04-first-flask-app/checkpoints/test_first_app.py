"""Checkpoints for d04 · Your first Flask application.

The pages are read the way a browser reads them: parsed as HTML (with the standard
library's html.parser), so a link is an <a href> and the stylesheet a <link rel> tag,
wherever they sit in the page and however the template is laid out.
"""

import json
import re
import uuid
from urllib.parse import quote, urlsplit

from mission_control.check import HtmlPage, checkpoint, expect, expect_equal, fail, html_page

STYLESHEET = "/static/style.css"
ATTACK = "<img src=x onerror=alert(1)>"  # what an attacker would put in the URL
MARK = "alert(1)"  # the attack's code: an event handler holding it became a real tag

LAYOUT_HINT = (
    "Put the <link rel=\"stylesheet\" href=\"{{ url_for('static', filename='style.css') }}\"> "
    "and a <header> with <a href=\"{{ url_for('index') }}\"> in templates/base.html once, "
    'and start every other template with {% extends "base.html" %}.'
)
NOT_FOUND_HINT = (
    "Register a handler with @app.errorhandler(404) that returns "
    'render_template("404.html", path=request.path), 404 — the `, 404` keeps the status.'
)


def expect_layout(
    page: HtmlPage, where: str, response=None, *, prefix: str = "", hint: str | None = LAYOUT_HINT
) -> None:
    """Fail unless ``page`` has what base.html gives every page."""
    wanted = prefix + STYLESHEET
    paths = [urlsplit(href).path for href in page.stylesheets]
    expect(
        wanted in paths,
        f'{where} to link the stylesheet with <link rel="stylesheet" href="{wanted}">',
        f"stylesheet links {paths}" if paths else "no stylesheet link",
        hint=hint,
        response=response,
    )
    home = prefix + "/"
    expect(
        page.links_to(home, in_header=True),
        f'{where} to have a <header> with a link to the home page <a href="{home}">',
        f"links {page.shown_links()}" + ("" if page.has_header else " and no <header>"),
        hint=hint,
        response=response,
    )


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:6]}"


@checkpoint(
    "home-links-hello",
    hint="Render templates/index.html from the index view, with "
    "<a href=\"{{ url_for('hello', name='World') }}\"> in it.",
)
def test_home_links_hello(client):
    """GET / answers an HTML page with a link to /hello/World"""
    r = client.get("/")
    page = html_page(r)
    expect(
        page.links_to("/hello/World"),
        'the home page to have a link <a href="/hello/World">',
        page.shown_links(),
        response=r,
    )


@checkpoint(
    "hello-greets",
    hint='Add @app.get("/hello/<name>") and return render_template("hello.html", name=name); '
    "in hello.html write <h1>Hello, {{ name }}!</h1>.",
)
def test_hello_greets(client):
    """GET /hello/<name> answers an HTML page whose <h1> reads "Hello, <name>!" """
    for name in ("World", unique("Ada"), "Jürgen"):
        r = client.get("/hello/" + quote(name))
        page = html_page(r)
        expect(page.h1, "an <h1> heading on the page", "none", response=r)
        expect_equal(page.h1[0], f"Hello, {name}!", "the <h1>", response=r)


@checkpoint(
    "hello-title",
    requires="hello-greets",
    hint="In hello.html fill the block base.html leaves for the title: "
    "{% block title %}Hello, {{ name }}{% endblock %}.",
)
def test_hello_title(client):
    """The greeting page's <title> names the visitor: it contains "Hello, <name>" """
    name = unique("Grace")
    r = client.get(f"/hello/{name}")
    page = html_page(r)
    title = page.titles[0] if page.titles else None
    expect(
        title is not None and f"Hello, {name}" in title,
        f"a <title> that contains 'Hello, {name}'",
        repr(title) if title is not None else "no <title>",
        response=r,
    )


@checkpoint(
    "hello-escapes",
    requires="hello-greets",
    hint="Let Jinja escape the name: write {{ name }} in a .html template, never "
    "{{ name|safe }}, Markup(name) or an f-string of HTML in the view.",
)
def test_hello_escapes(client):
    """GET /hello/<name> escapes the name: HTML in it is shown as text, never run"""
    r = client.get("/hello/" + quote(ATTACK, safe=""))
    page = html_page(r)
    expect(
        not page.handlers(MARK),
        "the name in the page as escaped text (&lt;img ...&gt;)",
        f"a real {', '.join(page.handlers(MARK))} tag: the name became HTML a browser would run",
        response=r,
    )
    expect(page.h1, "an <h1> heading on the page", "none", response=r)
    expect_equal(page.h1[0], f"Hello, {ATTACK}!", "the <h1>, as text", response=r)


@checkpoint("pages-share-layout", hint=LAYOUT_HINT)
def test_pages_share_layout(client):
    """/ and /hello/<name> extend base.html: each links the stylesheet and has a header
    with a link home"""
    for path, where in (("/", "the home page"), ("/hello/World", "the greeting page")):
        r = client.get(path)
        expect_layout(html_page(r), where, r)


@checkpoint(
    "static-css",
    hint="Create static/style.css next to app.py: Flask serves the static/ folder at "
    "/static/ by itself, with the right Content-Type.",
)
def test_static_css(client):
    """GET /static/style.css answers the stylesheet, as text/css"""
    r = client.get(STYLESHEET)
    r.expect_status(200)
    expect_equal(r.content_type, "text/css", "the Content-Type", response=r)
    expect(r.data.strip(), "some CSS in static/style.css", "an empty file", response=r)


@checkpoint("not-found-page", hint=NOT_FOUND_HINT)
def test_not_found_page(client):
    """An unknown URL answers 404 with an HTML page that extends base.html"""
    r = client.get(f"/{unique('no-such-page')}")
    page = html_page(r, 404)
    expect_layout(page, "the 404 page", r)


@checkpoint(
    "not-found-names-path",
    requires="not-found-page",
    hint="Pass request.path to the template and write {{ path }} in 404.html: Jinja escapes it.",
)
def test_not_found_names_path(client):
    """The 404 page names the path that was asked for, escaped"""
    path = f"/{unique('lost')}/page"
    r = client.get(path)
    page = html_page(r, 404)
    expect(path in page.text, f"the page to show the path {path}", page.shown_text(), response=r)

    path = f"/{unique('lost')}-{ATTACK}"
    r = client.get(quote(path, safe="/"))
    page = html_page(r, 404)
    expect(
        not page.handlers(MARK),
        "the path in the page as escaped text (&lt;img ...&gt;)",
        f"a real {', '.join(page.handlers(MARK))} tag: the path became HTML a browser would run",
        response=r,
    )
    expect(
        path in page.text,
        f"the page to show the path {path} (as text)",
        page.shown_text(),
        response=r,
    )


# A command checkpoint: the app mounted under /mission, as a bigger site or a proxy would
# mount it (SCRIPT_NAME=/mission), asked for a few pages through Werkzeug's test client.
MOUNT = """
import json, sys
from werkzeug.test import Client
from app import app
client = Client(app)
pages = []
for path in sys.argv[1:]:
    r = client.get(path, base_url="http://127.0.0.1:5000/mission/")
    pages.append({"path": path, "status": r.status_code, "body": r.get_data(as_text=True)})
print("MOUNTED " + json.dumps(pages))
"""


@checkpoint(
    "links-use-url-for",
    requires=("home-links-hello", "pages-share-layout", "not-found-page"),
    hint='A URL written by hand (href="/hello/World") ignores where the app is mounted. '
    "Build every href with url_for: url_for('hello', name='World'), url_for('index'), "
    "url_for('static', filename='style.css').",
)
def test_links_use_url_for(run_command):
    """Mounted under /mission, every link and the stylesheet start with /mission/: they are
    built with url_for"""
    missing = f"/{unique('no-such-page')}"
    done = run_command(["python", "-c", MOUNT, "/", "/hello/World", missing], timeout=30)
    marker = [line for line in done.stdout.splitlines() if line.startswith("MOUNTED ")]
    if done.exit_code != 0 or not marker:
        fail(
            "expected the app to answer when mounted under /mission (SCRIPT_NAME), but it "
            f"failed (exit code {done.exit_code}):\n{done.output[-1500:]}"
        )
    pages = {page["path"]: page for page in json.loads(marker[-1].removeprefix("MOUNTED "))}
    for path, status, where in (
        ("/", 200, "the home page"),
        ("/hello/World", 200, "the greeting page"),
        (missing, 404, "the 404 page"),
    ):
        answer = pages[path]
        expect_equal(answer["status"], status, f"the status of /mission{path}")
        page = HtmlPage(answer["body"])
        expect_layout(page, f"{where} (mounted under /mission)", prefix="/mission", hint=None)
    home = HtmlPage(pages["/"]["body"])
    expect(
        home.links_to("/mission/hello/World"),
        'the home page (mounted under /mission) to link <a href="/mission/hello/World">',
        home.shown_links(),
    )


@checkpoint(
    "flask-routes",
    hint='`flask --app app routes` lists what @app.get(...) registered: add @app.get("/") '
    'and @app.get("/hello/<name>") in app.py.',
)
def test_flask_routes(run_command):
    """`flask --app app routes` lists /, /hello/<name> and /static/<path:filename>"""
    done = run_command("flask --app app routes", timeout=30)
    if done.exit_code != 0:
        fail(
            "expected `flask --app app routes` to succeed (exit code 0), not exit code "
            f"{done.exit_code}; it printed:\n" + (done.output.strip()[-1500:] or "nothing")
        )
    rules = {line.split()[-1] for line in done.stdout.splitlines() if line.strip()}
    for found, wanted in (
        ("/" in rules, "the home page /"),
        (
            # one path segment: the default converter (string), whatever the variable's name
            any(re.fullmatch(r"/hello/<(?:string:)?[A-Za-z_]\w*>", rule) for rule in rules),
            "/hello/<name> (the default converter: one path segment, not <path:name>)",
        ),
        ("/static/<path:filename>" in rules, "the static route /static/<path:filename>"),
    ):
        if not found:
            fail(
                f"expected `flask --app app routes` to list {wanted}, but it printed:\n"
                + (done.output.strip() or "nothing")
            )
