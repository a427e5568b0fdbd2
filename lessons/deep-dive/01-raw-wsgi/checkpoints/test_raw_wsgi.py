"""Checkpoints for d01 · A raw WSGI application.

Every request is independent (the app keeps no state), so these pass in any order and
against a server that has already answered anything.
"""

import json
import uuid
from urllib.parse import quote

from mission_control.check import (
    checkpoint,
    expect,
    expect_allow,
    expect_content_length,
    expect_escaped,
    expect_h1,
    expect_html,
    expect_wsgi_valid,
    fail,
    headings,
)

RESPOND_HINT = (
    "Build the page as text, encode it with .encode('utf-8'), call start_response(status, "
    "[('Content-Type', 'text/html; charset=utf-8'), ('Content-Length', str(len(body)))]) "
    "and return [body]."
)
PATH_HINT = (
    "PATH_INFO holds the path's bytes as latin-1 text (PEP 3333): "
    "environ['PATH_INFO'].encode('latin-1').decode('utf-8', errors='replace') gives the real "
    "text back."
)
ESCAPE_HINT = (
    "Pass everything that came from the request through html.escape() before you put it in "
    "the page: the name, the message and the path."
)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def expect_page(r, *statuses, hint=None) -> str:
    """Fail unless the status is one of ``statuses`` and the answer is a UTF-8 HTML page;
    return the page's text."""
    if r.raised and "int found" in r.raised:
        fail(
            "expected the app to return a list of bytes, but the server found numbers in it: "
            f"your app returned one bytes object instead of a list ({r.raised})",
            hint="Return [body], a list holding one bytes object. Iterating over bytes gives "
            "numbers (one per byte), which is not what a WSGI server expects.",
            response=r,
        )
    return expect_html(r, *statuses, utf8=True, hint=hint, type_hint=RESPOND_HINT)


def expect_heading(r, wanted: str, status: int = 200, hint=None) -> str:
    text = expect_page(r, status, hint=hint)
    expect_h1(r, text, wanted, hint=hint)
    return text


@checkpoint(
    "welcome-page",
    hint="When the method is GET and the path is exactly '/', answer 200 with a page holding "
    "<h1>Welcome to My WSGI App!</h1>.",
)
def test_welcome_page(client):
    """GET / answers 200 with an HTML page holding <h1>Welcome to My WSGI App!</h1>"""
    expect_heading(client.get("/"), "Welcome to My WSGI App!")


@checkpoint(
    "hello-name",
    hint="Match the path against a pattern such as re.fullmatch(r'/hello/([^/]+)', path) and "
    "put the name you captured in <h1>Hello, …!</h1>.",
)
def test_hello_name(client):
    """GET /hello/<name> answers 200 with <h1>Hello, <name>!</h1>"""
    for name in (unique("Alice"), unique("Bob")):
        expect_heading(client.get(f"/hello/{name}"), f"Hello, {name}!")


@checkpoint(
    "greet-query",
    hint="parse_qs(environ['QUERY_STRING']) turns 'name=Ada+Lovelace' into "
    "{'name': ['Ada Lovelace']}; take the first value, or 'World' when there is none or it "
    "is empty.",
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
    hint="Read exactly int(environ['CONTENT_LENGTH']) bytes from environ['wsgi.input'], decode "
    "them, parse them with parse_qs and answer <h1>You submitted: …</h1> with the "
    "'message' field.",
)
def test_submit_form(client):
    """POST /submit with the form field message answers 200 with
    <h1>You submitted: <message></h1>"""
    message = unique("Hello there ")
    r = client.post("/submit", data={"message": message})
    expect_heading(r, f"You submitted: {message}")


@checkpoint(
    "submit-needs-message",
    hint="When the form has no 'message' field, or only spaces in it, answer '400 Bad Request' "
    "with an HTML page that says what is missing.",
)
def test_submit_needs_message(client):
    """POST /submit without a non-blank message answers 400 with an HTML page"""
    expect_page(client.post("/submit"), 400)
    expect_page(client.post("/submit", data={"other": "field"}), 400)
    expect_page(client.post("/submit", data={"message": "   "}), 400)


@checkpoint(
    "not-found-404",
    hint="When no route matches the whole path, answer '404 Not Found' with an HTML page. "
    "Match whole paths (re.fullmatch), so /hello/ and /hello/a/b are not /hello/<name>.",
)
def test_not_found_404(client):
    """A path the app does not serve answers 404 with an HTML page, /hello/ and /hello/a/b too"""
    for path in (f"/{unique('nowhere-')}", "/hello/", "/hello/a/b", "/greet/extra", "/submit/"):
        expect_page(client.get(path), 404)


@checkpoint(
    "method-not-allowed",
    hint="When the path matches a route but the method does not, answer "
    "'405 Method Not Allowed' with an Allow header listing the methods the path accepts, "
    "such as ('Allow', 'GET').",
)
def test_method_not_allowed(client):
    """A known path with the wrong method answers 405 with an Allow header"""
    for method, path, allowed in (
        ("POST", "/", "GET"),
        ("DELETE", "/hello/Ada", "GET"),
        ("PUT", "/greet", "GET"),
        ("GET", "/submit", "POST"),
    ):
        r = client.request(method, path)
        expect_page(r, 405)
        expect_allow(r, allowed, absent=[method], ignore_case=True)


@checkpoint("headers-charset-length", hint=RESPOND_HINT)
def test_headers_charset_length(client):
    """Every response has Content-Type text/html; charset=utf-8 and a Content-Length that
    counts the body's bytes"""
    for r in (
        client.get("/"),
        client.get("/hello/J%C3%BCrgen"),
        client.get("/greet", query={"name": "Zoë"}),
        client.post("/submit", data={"message": "Grüße"}),
        client.post("/submit"),
        client.get(f"/{unique('missing-')}"),
        client.post("/"),
    ):
        expect(r.status_code < 500, "a page, not a server error", r.status_line, response=r)
        expect_page(r, r.status_code)
        expect_content_length(
            r,
            hint="Count bytes, not characters: len(body) after .encode('utf-8'). "
            "'Jürgen' is 6 characters but 7 bytes.",
        )


@checkpoint("unicode-names", requires="hello-name", hint=PATH_HINT)
def test_unicode_names(client):
    """Non-ASCII text works: /hello/J%C3%BCrgen greets Jürgen, and so do the query and the
    form"""
    expect_heading(client.get("/hello/J%C3%BCrgen"), "Hello, Jürgen!")
    expect_heading(client.get("/hello/%F0%9F%9A%80"), "Hello, 🚀!")
    expect_heading(
        client.get("/greet", query={"name": "Zoë"}),
        "Hello, Zoë!",
        hint="Decode QUERY_STRING the same way as the path, then parse_qs.",
    )
    expect_heading(
        client.post("/submit", data={"message": "Grüße aus Köln 🚀"}),
        "You submitted: Grüße aus Köln 🚀",
        hint="Decode the body with .decode('utf-8') before parse_qs.",
    )


@checkpoint(
    "invalid-utf8",
    hint="Decode with errors='replace': bytes that are not UTF-8 become '�' instead of "
    "raising UnicodeDecodeError (a 500).",
)
def test_invalid_utf8(client):
    """Bytes that are not UTF-8 (/hello/%FF) still get an HTML page (200 or 400), never a 500"""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for r in (
        client.get("/hello/%FF"),
        client.get("/greet", query="name=%FF%FE"),
        client.post("/submit", data="message=%FF", headers=form),
        client.post("/submit", data=b"message=\xff\xfe", headers=form),
    ):
        expect_page(r, 200, 400)


@checkpoint("escapes-html", requires="hello-name", hint=ESCAPE_HINT)
def test_escapes_html(client):
    """Everything echoed is HTML-escaped: a name like <img src=x onerror=…> shows as text and
    never becomes a tag"""
    tag = f"<img src=x onerror=alert('{uuid.uuid4().hex[:6]}')>"
    script = f'<script>alert("{uuid.uuid4().hex[:6]}")</script>'
    checks = (
        (client.get("/hello/" + quote(tag, safe="")), f"Hello, {tag}!", tag),
        (client.get("/greet", query={"name": script}), f"Hello, {script}!", script),
        (client.post("/submit", data={"message": script}), f"You submitted: {script}", script),
    )
    for r, heading, attack in checks:
        expect_escaped(r, expect_heading(r, heading), attack)
    r = client.get(f"/nowhere/{quote(tag, safe='')}")
    expect(
        tag not in expect_page(r, 404),
        "the 404 page to escape the path it shows",
        "the path in the page as a real tag",
        response=r,
    )


@checkpoint(
    "wsgi-validator",
    hint="wsgiref.validate checks the rules of PEP 3333: return a list of bytes (not bytes), "
    "headers as a list of (str, str) tuples, a status such as '200 OK', and read "
    "wsgi.input with a size: environ['wsgi.input'].read(length).",
)
def test_wsgi_validator(client):
    """Every route passes wsgiref.validate.validator, the standard library's PEP 3333 checker"""
    requests = (
        ("GET", "/", {}),
        ("GET", "/hello/J%C3%BCrgen", {}),
        ("GET", "/greet", {"query": {"name": "Bob"}}),
        ("POST", "/submit", {"data": {"message": "Hi"}}),
        ("POST", "/submit", {}),
        ("GET", "/no-such-page", {}),
        ("POST", "/", {}),
    )
    # Only PEP 3333 here; the other checkpoints check each status.
    expect_wsgi_valid(client, requests)


# Run by `python -c` in (a copy of) the learner's folder, with the course's Python: import
# app.py, call it twice with nothing but the standard library, and list every module it
# loaded that is neither in the standard library nor a file of the learner's folder.
STDLIB_PROBE = r"""
import io, json, os, sys
from wsgiref.util import setup_testing_defaults

folder = os.path.realpath(os.getcwd())
sys.path.insert(0, folder)
before = set(sys.modules)
import app as module


def call(path):
    environ = {"SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": ""}
    environ["wsgi.input"] = io.BytesIO()
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status

    body = module.app(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return {"status": answer.get("status", ""), "body": data.decode("utf-8", "replace")}


answers = {path: call(path) for path in ("/", "/hello/Ada")}
foreign = set()
for name in set(sys.modules) - before:
    top = name.partition(".")[0]
    where = getattr(sys.modules.get(top), "__file__", None) or ""
    if top in sys.stdlib_module_names or os.path.realpath(where).startswith(folder + os.sep):
        continue
    foreign.add(top)
print(json.dumps({"answers": answers, "foreign": sorted(foreign)}))
"""


@checkpoint(
    "stdlib-only",
    hint="Import only standard-library modules (html, os, re, urllib.parse, wsgiref): no "
    "Flask, no Werkzeug, no `pip install`. The point of this lesson is to see what they do "
    "for you.",
)
def test_stdlib_only(run_command):
    """With nothing but the standard library, app.py answers GET / and /hello/Ada, and never
    loads Flask, Werkzeug or any other installed package"""
    done = run_command(["python", "-c", STDLIB_PROBE], timeout=20)
    if done.exit_code != 0:
        fail(
            "expected `import app` and two requests to work with the standard library alone, "
            f"but it stopped (exit code {done.exit_code}):\n{done.output[-1500:]}"
        )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for path, wanted in (("/", "Welcome to My WSGI App!"), ("/hello/Ada", "Hello, Ada!")):
        answer = report["answers"][path]
        expect(
            answer["status"].startswith("200") and wanted in headings(answer["body"]),
            f"GET {path} to answer 200 with <h1>{wanted}</h1>",
            f"{answer['status'] or 'no status'}: {answer['body'][:200]!r}",
        )
    expect(
        not report["foreign"],
        "app.py to use only the standard library",
        "it loaded " + ", ".join(report["foreign"]),
    )
