"""Checkpoints for d03 · Werkzeug without Flask.

The app keeps no state on the server (the visit count lives in the client's cookie, and
every checkpoint starts with no cookies), so these pass in any order and against a server
that has answered anything before.
"""

import html
import json
import re
import uuid
from urllib.parse import quote, urlsplit

from mission_control.check import (
    checkpoint,
    expect,
    expect_allow,
    expect_equal,
    expect_escaped,
    expect_h1,
    expect_html,
    expect_method_not_allowed,
    expect_unknown_url_404,
    expect_wsgi_valid,
    fail,
    headings,
    same_path,
)

PAGE_HINT = (
    "Return Response(html, mimetype='text/html'): Werkzeug adds "
    "'Content-Type: text/html; charset=utf-8' and the Content-Length for you."
)
ERRORS_HINT = (
    "In dispatch, call urls.match() inside try/except HTTPException and answer "
    "error.get_response(request.environ): Werkzeug raises NotFound (404) when no Rule "
    "matches and MethodNotAllowed (405, with Allow) when a Rule matches another method. "
    "Give every Rule its methods, such as methods=['GET']: without them it accepts all."
)
ESCAPE_HINT = (
    "Werkzeug does not escape for you: pass every value from the request through "
    "html.escape() before it goes into a page."
)

_LI = re.compile(r"<li[^>]*>(.*?)</li>", re.I | re.S)
_HREF = re.compile(r"""<a\s[^>]*href\s*=\s*["']([^"']*)["']""", re.I)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def expect_page(r, *statuses, hint=None) -> str:
    """Fail unless the status is one of ``statuses`` and the answer is a UTF-8 HTML page;
    return the page's text."""
    return expect_html(r, *statuses, utf8=True, hint=hint, type_hint=PAGE_HINT)


def expect_heading(r, wanted: str, status: int = 200, hint=None) -> str:
    text = expect_page(r, status, hint=hint)
    expect_h1(r, text, wanted, hint=hint)
    return text


# -- the routes of d01, on Werkzeug --------------------------------------------------------


@checkpoint(
    "welcome-page",
    hint="The index view returns a page with <h1>Welcome to My WSGI App!</h1> and "
    "<a href=\"...\"> links whose URLs come from urls.build('hello', {'name': 'World'}) and "
    "urls.build('visits').",
)
def test_welcome_page(client):
    """GET / answers 200 with <h1>Welcome to My WSGI App!</h1> and links to /hello/World and
    /visits"""
    r = client.get("/")
    text = expect_heading(r, "Welcome to My WSGI App!")
    paths = {urlsplit(html.unescape(href)).path for href in _HREF.findall(text)}
    for wanted in ("/hello/World", "/visits"):
        expect(
            wanted in paths,
            f'a link <a href="{wanted}"> on the welcome page',
            "links to " + ", ".join(sorted(paths)) if paths else "no links at all",
            response=r,
        )


@checkpoint(
    "hello-name",
    hint="Rule('/hello/<name>', endpoint='hello', methods=['GET']) hands the view "
    "name as a keyword argument, already decoded.",
)
def test_hello_name(client):
    """GET /hello/<name> answers 200 with <h1>Hello, <name>!</h1>"""
    for name in (unique("Alice"), unique("Bob")):
        expect_heading(client.get(f"/hello/{name}"), f"Hello, {name}!")


@checkpoint(
    "greet-query",
    hint="request.args.get('name') reads the query string; use 'World' when it is missing or "
    "empty.",
)
def test_greet_query(client):
    """GET /greet?name=Bob greets Bob, and GET /greet without a name greets World"""
    name = unique("Bob")
    expect_heading(client.get("/greet", query={"name": name}), f"Hello, {name}!")
    expect_heading(client.get("/greet", query={"name": "Ada Lovelace"}), "Hello, Ada Lovelace!")
    expect_heading(client.get("/greet"), "Hello, World!")
    expect_heading(client.get("/greet", query="name="), "Hello, World!")


@checkpoint(
    "submit-form",
    hint="request.form.get('message') reads the form; answer <h1>You submitted: …</h1>.",
)
def test_submit_form(client):
    """POST /submit with the form field message answers 200 with
    <h1>You submitted: <message></h1>"""
    message = unique("Hello there ")
    expect_heading(client.post("/submit", data={"message": message}), f"You submitted: {message}")


@checkpoint(
    "submit-needs-message",
    hint="raise BadRequest('...') from werkzeug.exceptions when the message is missing or "
    "blank; dispatch turns it into Werkzeug's 400 page.",
)
def test_submit_needs_message(client):
    """POST /submit without a non-blank message answers 400 with an HTML page"""
    expect_page(client.post("/submit"), 400)
    expect_page(client.post("/submit", data={"other": "field"}), 400)
    expect_page(client.post("/submit", data={"message": "   "}), 400)


@checkpoint("not-found-404", hint=ERRORS_HINT)
def test_not_found_404(client):
    """A URL no Rule matches answers 404 with an HTML page, /hello/ and /hello/a/b too"""
    for path in (f"/{unique('nowhere-')}", "/hello/", "/hello/a/b", "/files/", "/greet/x"):
        expect_page(client.get(path), 404)


@checkpoint("method-not-allowed", hint=ERRORS_HINT)
def test_method_not_allowed(client):
    """A known URL with the wrong method answers 405 with an HTML page and an Allow header"""
    for method, path, allowed in (
        ("POST", "/", "GET"),
        ("DELETE", "/hello/Ada", "GET"),
        ("PUT", "/visits", "GET"),
        ("GET", "/submit", "POST"),
    ):
        r = client.request(method, path)
        expect_page(r, 405)
        expect_allow(r, allowed, absent=[method], ignore_case=True)


@checkpoint(
    "unicode-names",
    requires="hello-name",
    hint="Werkzeug decodes URLs and forms as "
    "UTF-8 for you: use the values it hands over as they are.",
)
def test_unicode_names(client):
    """Non-ASCII text works in the path, the query and the form: /hello/J%C3%BCrgen greets
    Jürgen"""
    expect_heading(client.get("/hello/J%C3%BCrgen"), "Hello, Jürgen!")
    expect_heading(client.get("/greet", query={"name": "Zoë"}), "Hello, Zoë!")
    expect_heading(client.post("/submit", data={"message": "Grüße 🚀"}), "You submitted: Grüße 🚀")


@checkpoint("escapes-html", requires="hello-name", hint=ESCAPE_HINT)
def test_escapes_html(client):
    """Everything echoed is HTML-escaped: <img src=x onerror=…> shows as text, never as a tag"""
    tag = f"<img src=x onerror=alert('{uuid.uuid4().hex[:6]}')>"
    script = f'<script>alert("{uuid.uuid4().hex[:6]}")</script>'
    for r, heading, attack in (
        (client.get("/hello/" + quote(tag, safe="")), f"Hello, {tag}!", tag),
        (client.get("/greet", query={"name": script}), f"Hello, {script}!", script),
        (client.post("/submit", data={"message": script}), f"You submitted: {script}", script),
        (client.get("/files/x/" + quote(tag, safe="")), f"File: x/{tag}", tag),
    ):
        expect_escaped(r, expect_heading(r, heading), attack)


# -- what Werkzeug adds ----------------------------------------------------------------------


@checkpoint(
    "api-hello-json",
    hint="Return Response(json.dumps({'message': f'Hello, {name}!'}), "
    "mimetype='application/json').",
)
def test_api_hello_json(client):
    """GET /api/hello/<name> answers 200 with JSON {"message": "Hello, <name>!"}"""
    name = unique("Ada")
    r = client.get(f"/api/hello/{name}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict).get("message"), f"Hello, {name}!", '"message"', response=r)
    r = client.get("/api/hello/J%C3%BCrgen")
    r.expect_status(200)
    expect_equal(r.expect_json(dict).get("message"), "Hello, Jürgen!", '"message"', response=r)


@checkpoint(
    "api-errors-json",
    hint="In error_response, when request.path starts with /api/, answer "
    "json.dumps({'error': error.description}) with error.code, and copy "
    "error.get_headers() except Content-Type, so a 405 keeps its Allow header.",
)
def test_api_errors_json(client):
    """Errors under /api/ are JSON {"error": "..."}: 404 for an unknown URL, 405 with Allow"""
    expect_unknown_url_404(client, "/api/nothing-")
    expect_method_not_allowed(client, "POST", "/api/hello/Ada", "GET", ignore_case=True)


@checkpoint(
    "old-redirects",
    hint="return redirect(urls.build('index'), code=301): redirect() alone answers 302.",
)
def test_old_redirects(client):
    """GET /old answers 301 Moved Permanently with Location: /"""
    r = client.get("/old")
    r.expect_status(301)
    r.expect_header("Location", lambda value: same_path(value, "/"), expected="/")


@checkpoint(
    "visit-counter",
    hint="Read request.cookies.get('visits'), add one, show it, and "
    "response.set_cookie('visits', str(count), httponly=True, samesite='Lax').",
)
def test_visit_counter(client):
    """GET /visits counts this visitor's visits in a cookie: 1, 2, 3, and sets it HttpOnly and
    SameSite=Lax"""
    for count in (1, 2, 3):
        r = client.get("/visits")
        expect_heading(r, f"Visits: {count}")
        cookie = r.expect_header("Set-Cookie")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        expect(
            re.match(rf"\s*visits={count}\s*(;|$)", cookie)
            and "httponly" in attributes
            and re.search(r";\s*samesite=lax\s*(;|$)", cookie, re.I),
            f"Set-Cookie: visits={count}; HttpOnly; SameSite=Lax (and any other attributes)",
            repr(cookie),
            response=r,
        )


# Run by `python -c` in (a copy of) the learner's folder: send /visits with cookies a
# browser could hold (edited by hand, or by an attacker) through Werkzeug's test client.
COOKIE_PROBE = r"""
import json, os, sys

sys.path.insert(0, os.getcwd())
from werkzeug.test import Client

from app import app

answers = {}
for value in json.loads(sys.argv[1]):
    client = Client(app)
    client.set_cookie("visits", value)
    try:
        r = client.get("/visits")
        answers[value] = {"status": r.status, "body": r.get_data(as_text=True)}
    except Exception as exc:
        answers[value] = {"status": f"no answer: it raised {type(exc).__name__}: {exc}", "body": ""}
print(json.dumps(answers))
"""


# (cookie value, the count shown): a whole number of ASCII digits (at most nine) counts, and
# nothing else, however int() would read it.
COOKIES = (
    ("oops", 1),
    ("-5", 1),
    ("1e3", 1),
    ("", 1),
    ("41", 42),
    ("007", 8),
    ("999999999", 1000000000),
    ("+5", 1),
    (" 7", 1),
    ("1_000", 1),
    ("\u0663", 1),
    ("\uff11\uff12", 1),
    ("\u00b2", 1),
    ("1234567890", 1),
    ("9" * 30, 1),
)
WHY = {
    "+5": "int() reads it as 5",
    " 7": "int() skips the space",
    "1_000": "int() reads it as 1000",
    "\u0663": "an Arabic-Indic 3: int() reads it as 3",
    "\uff11\uff12": "full-width digits: int() reads them as 12",
    "\u00b2": "str.isdigit() says True, then int() raises",
    "1234567890": "ten digits, one too many",
    "9" * 30: "thirty digits",
}


@checkpoint(
    "visits-bad-cookie",
    requires="visit-counter",
    hint="Count the cookie only when raw.isascii() and raw.isdigit() and len(raw) <= 9, "
    "else start from 0: int() raises for 'oops' and '²', and reads ' 7', '+5', '1_000' "
    "and '٣'. A cookie is whatever the browser sends back.",
)
def test_visits_bad_cookie(run_command):
    """A visits cookie that is not a whole number of one to nine ASCII digits counts as 0, so
    the page shows Visits: 1, never an error"""
    done = run_command(
        ["python", "-c", COOKIE_PROBE, json.dumps([value for value, _ in COOKIES])], timeout=20
    )
    if done.exit_code != 0:
        fail(
            "expected app.py to import and answer /visits with Werkzeug's test client, but "
            f"that stopped (exit code {done.exit_code}):\n{done.output[-1500:]}"
        )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    for value, wanted in COOKIES:
        answer = answers[value]
        found = headings(answer["body"])
        why = f" ({WHY[value]})" if value in WHY else ""
        expect(
            answer["status"].startswith("200") and f"Visits: {wanted}" in found,
            f"GET /visits with the cookie visits={value!r}{why} to answer 200 with "
            f"<h1>Visits: {wanted}</h1>",
            answer["status"] + (f": {found or answer['body'][:200]!r}" if answer["body"] else ""),
        )


@checkpoint(
    "files-path",
    hint="The path converter, Rule('/files/<path:name>', ...), matches slashes too; the "
    "default converter stops at the first one.",
)
def test_files_path(client):
    """GET /files/<path:name> answers <h1>File: <name></h1>, slashes included"""
    name = unique("docs/guide-")
    expect_heading(client.get(f"/files/{name}.txt"), f"File: {name}.txt")
    expect_heading(client.get("/files/a/b/c/d.txt"), "File: a/b/c/d.txt")
    expect_heading(client.get("/files/readme"), "File: readme")


@checkpoint(
    "countdown-int",
    hint="Rule('/countdown/<int(min=1, max=100):start>', ...) only matches whole numbers from "
    "1 to 100 and hands the view an int; anything else is a 404 without any code of yours.",
)
def test_countdown_int(client):
    """GET /countdown/<int:start> lists start, start-1 … 1, Liftoff! for 1 to 100; anything
    else is a 404"""
    for start in (3, 1, 12):
        r = client.get(f"/countdown/{start}")
        text = expect_page(r, 200)
        items = [html.unescape(item.strip()) for item in _LI.findall(text)]
        wanted = [str(n) for n in range(start, 0, -1)] + ["Liftoff!"]
        runs = [items[i : i + len(wanted)] for i in range(len(items))]
        expect(
            wanted in runs,
            "list items " + ", ".join(f"<li>{item}</li>" for item in wanted),
            ", ".join(f"<li>{item}</li>" for item in items) or "no <li> at all",
            response=r,
        )
    for path in (
        "/countdown/abc",
        "/countdown/0",
        "/countdown/101",
        "/countdown/-3",
        "/countdown/99999999999999999999",
        "/countdown/" + "9" * 5000,
    ):
        expect_page(client.get(path), 404)


@checkpoint(
    "wsgi-validator",
    hint="A Werkzeug Response is PEP 3333-correct by itself: return one from every view and "
    "answer the server with response(environ, start_response).",
)
def test_wsgi_validator(client):
    """Every route passes wsgiref.validate.validator, the standard library's PEP 3333 checker"""
    requests = (
        ("GET", "/", {}),
        ("GET", "/hello/J%C3%BCrgen", {}),
        ("GET", "/greet", {"query": {"name": "Bob"}}),
        ("POST", "/submit", {"data": {"message": "Hi"}}),
        ("POST", "/submit", {}),
        ("GET", "/api/hello/Ada", {}),
        ("GET", "/old", {}),
        ("GET", "/visits", {}),
        ("GET", "/files/a/b.txt", {}),
        ("GET", "/countdown/3", {}),
        ("GET", "/no-such-page", {}),
        ("POST", "/", {}),
    )
    # Only PEP 3333 here; the other checkpoints check each status.
    expect_wsgi_valid(client, requests)
