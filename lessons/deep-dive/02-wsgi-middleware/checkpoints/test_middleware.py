"""Checkpoints for d02 · WSGI middleware.

The app keeps no state, and every checkpoint uses paths with a unique part, so they pass in
any order and against a server that has answered anything before. Log lines are read with
the checker's `app_log`, which only shows the lines printed during the checkpoint.
"""

import json
import re
import uuid
from datetime import datetime

import pytest

from mission_control.check import (
    checkpoint,
    expect,
    expect_content_length,
    expect_h1,
    expect_html,
    fail,
)

#: The token lesson.toml gives the app in SECRET_TOKEN (and the README's walk-through uses).
TOKEN = "launch-code-42"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

STAMP = r"\[(\d\d\d\d-\d\d-\d\d \d\d:\d\d:\d\d)\]"
MILLISECONDS = r"\((\d+(?:\.\d+)?)ms\)"
TIME_VALUE = re.compile(r"^\d+(?:\.\d+)?ms$")
LOG_WAIT = 3.0  # seconds to wait for a log line to be printed

LOG_HINT = (
    "LoggingMiddleware prints one line per request to standard error, "
    "print(line, file=sys.stderr, flush=True), formatted as "
    "[2025-01-31 14:05:09] GET /hello/Alice 200 OK (3.2ms); it must be the outermost layer "
    "so that it sees every status."
)
TIMING_HINT = (
    "TimingMiddleware passes the app its own start_response, which appends "
    "('X-Response-Time', f'{elapsed:.1f}ms') to the headers and calls the real one."
)
ERROR_HINT = (
    "ErrorMiddleware calls the app inside try/except Exception; on an exception it prints "
    "the traceback to standard error, calls start_response('500 Internal Server Error', ...) "
    "and returns a page holding <h1>Something went wrong!</h1>. Pass sys.exc_info() to "
    "start_response only when the app had already called it: the checker's in-process "
    "server (Werkzeug's test client) re-raises the exception whenever exc_info is given."
)
AUTH_HINT = (
    "AuthMiddleware checks environ.get('HTTP_AUTHORIZATION') for the path /secret: exactly "
    "'Bearer <SECRET_TOKEN>', compared with hmac.compare_digest; otherwise it answers 401 "
    "with a WWW-Authenticate: Bearer header and an HTML page, without calling the app."
)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def log_pattern(method: str, path: str, status: str) -> str:
    return f"{STAMP} {method} {re.escape(path)} {re.escape(status)} {MILLISECONDS}"


def expect_logged(app_log, method: str, path: str, status: str, hint: str = LOG_HINT) -> str:
    """Wait for the log line of one request; fail with what was printed instead."""
    line = app_log.wait_for(log_pattern(method, path, status), timeout=LOG_WAIT)
    if line is None:
        printed = "\n".join(app_log.lines[-6:]) or "(nothing at all)"
        fail(
            f"expected a log line like [2025-01-31 14:05:09] {method} {path} {status} (3.2ms) "
            f"within {LOG_WAIT:g} s, but your app printed:\n{printed}",
            hint=hint,
        )
    return line


def expect_page(r, *statuses, hint=None) -> str:
    """Fail unless the status is one of ``statuses`` and the answer is a UTF-8 HTML page
    with a correct Content-Length; return the page's text."""
    text = expect_html(r, *statuses, utf8=True, hint=hint)
    expect_content_length(r, hint="Count the bytes of the encoded page: str(len(body)).")
    return text


def expect_heading(r, wanted: str, status: int = 200, hint=None) -> None:
    expect_h1(r, expect_page(r, status, hint=hint), wanted, hint=hint)


def expect_response_time(r, hint: str = TIMING_HINT) -> None:
    value = r.expect_header("X-Response-Time", hint=hint)
    expect(
        TIME_VALUE.match(value.strip()),
        'X-Response-Time to be milliseconds such as "3.2ms"',
        repr(value),
        hint=hint,
        response=r,
    )


def expect_error_page(r) -> None:
    """GET /error: the 500 page ErrorMiddleware makes, not an exception that escaped."""
    if r.raised:
        fail(
            f"expected ErrorMiddleware to answer 500 with an error page, but the exception "
            f"escaped to the server: {r.raised}",
            hint=ERROR_HINT,
            response=r,
        )
    expect_heading(r, "Something went wrong!", status=500, hint=ERROR_HINT)


# -- LoggingMiddleware -------------------------------------------------------------------


@checkpoint("log-line", hint=LOG_HINT)
def test_log_line(client, app_log):
    """Each request prints exactly one line to the log:
    [YYYY-MM-DD HH:MM:SS] GET /hello/Alice 200 OK (3.2ms)"""
    first, second = unique("Alice"), unique("Bob")
    r = client.get(f"/hello/{first}")
    r.expect_status(200)
    line = expect_logged(app_log, "GET", f"/hello/{first}", "200 OK")
    stamp = re.search(log_pattern("GET", f"/hello/{first}", "200 OK"), line).group(1)
    try:
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        fail(f"expected a real date and time between the brackets, not [{stamp}]")
    # Once the next request's line is there, a second line for the first would be too.
    client.get(f"/hello/{second}").expect_status(200)
    expect_logged(app_log, "GET", f"/hello/{second}", "200 OK")
    # The path is logged without its query string.
    client.get("/greet", query={"name": first}).expect_status(200)
    logged = [text for text in app_log.lines if "/greet" in text and first in text]
    expect(
        not logged,
        f"the log line of GET /greet?name={first} to show the path /greet alone, without "
        "the query string",
        "\n".join(logged),
        hint="Log PATH_INFO (after SCRIPT_NAME), never QUERY_STRING or the full URL.",
    )
    expect_logged(app_log, "GET", "/greet", "200 OK")
    lines = [text for text in app_log.lines if f"/hello/{first} " in text]
    expect(
        len(lines) == 1,
        f"exactly one log line for GET /hello/{first}",
        f"{len(lines)}:\n" + "\n".join(lines),
        hint="Print the line once, in the close() of the body wrapper, not also in "
        "start_response or when the app returns.",
        response=r,
    )


@checkpoint(
    "log-every-status",
    hint=LOG_HINT + " Put it outside ErrorMiddleware and AuthMiddleware, or it never sees "
    "the 500 and 401 they answer.",
)
def test_log_every_status(client, app_log):
    """Every request is logged with its final status: 400, 404, 405, 401 and 500 too"""
    missing = unique("/nowhere-")
    client.get(missing).expect_status(404)
    expect_logged(app_log, "GET", missing, "404 Not Found")
    client.post("/submit").expect_status(400)
    expect_logged(app_log, "POST", "/submit", "400 Bad Request")
    client.delete("/greet").expect_status(405)
    expect_logged(app_log, "DELETE", "/greet", "405 Method Not Allowed")
    client.get("/secret").expect_status(401, hint=AUTH_HINT)
    expect_logged(app_log, "GET", "/secret", "401 Unauthorized")
    expect_error_page(client.get("/error"))
    expect_logged(app_log, "GET", "/error", "500 Internal Server Error")


# -- TimingMiddleware --------------------------------------------------------------------


@checkpoint("response-time-header", hint=TIMING_HINT)
def test_response_time_header(client):
    """Responses carry an X-Response-Time header in milliseconds ("3.2ms"), and the page is
    unchanged"""
    name = unique("Ada")
    r = client.get(f"/hello/{name}")
    expect_heading(r, f"Hello, {name}!")
    expect_response_time(r)
    message = unique("Hello ")
    r = client.post("/submit", data={"message": message})
    expect_heading(r, f"You submitted: {message}")
    expect_response_time(r)


@checkpoint(
    "response-time-on-errors",
    hint=TIMING_HINT + " Put TimingMiddleware outside ErrorMiddleware and AuthMiddleware, "
    "so it also times the pages they answer.",
)
def test_response_time_on_errors(client):
    """X-Response-Time is on every response: 404, 401 and 500 too"""
    expect_response_time(client.get(unique("/nowhere-")))
    r = client.get("/secret")
    r.expect_status(401, hint=AUTH_HINT)
    expect_response_time(r)
    r = client.get("/error")
    expect_error_page(r)
    expect_response_time(r)


# -- ErrorMiddleware ---------------------------------------------------------------------


@checkpoint("error-page", hint=ERROR_HINT)
def test_error_page(client):
    """GET /error (which raises on purpose) answers 500 with an HTML page
    <h1>Something went wrong!</h1>, and the app keeps serving"""
    expect_error_page(client.get("/error"))
    expect_heading(client.get("/"), "Welcome to My WSGI App!")
    expect_error_page(client.get("/error"))


@checkpoint(
    "error-logged",
    hint="In the except block, traceback.print_exc() prints the whole traceback to standard "
    "error: the page tells the visitor nothing, the log tells you everything.",
)
def test_error_logged(client, app_log):
    """The exception behind a 500 is logged with its traceback"""
    expect_error_page(client.get("/error"))
    start = app_log.wait_for(r"Traceback \(most recent call last\)", timeout=LOG_WAIT)
    last = app_log.wait_for(r"RuntimeError: Houston, we have a problem", timeout=LOG_WAIT)
    expect(
        start is not None and last is not None,
        "a traceback in the log, from 'Traceback (most recent call last):' to "
        "'RuntimeError: Houston, we have a problem …'",
        "\n".join(app_log.lines[-6:]) or "nothing in the log",
    )


# -- AuthMiddleware ----------------------------------------------------------------------


@checkpoint("secret-needs-token", hint=AUTH_HINT)
def test_secret_needs_token(client):
    """GET /secret answers 401 with WWW-Authenticate: Bearer unless the request has
    Authorization: Bearer <SECRET_TOKEN>; other pages need no token"""
    for headers in (
        {},
        {"Authorization": f"Bearer wrong-{uuid.uuid4().hex[:6]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": "Bearer"},
        {"Authorization": TOKEN},
        {"Authorization": "Basic bGF1bmNoOmNvZGUtNDI="},
    ):
        r = client.get("/secret", headers=headers)
        expect_page(r, 401)
        r.expect_header(
            "WWW-Authenticate",
            lambda value: value.strip().lower().startswith("bearer"),
            expected='a challenge starting with "Bearer"',
        )
    expect_heading(client.get("/"), "Welcome to My WSGI App!")
    r = client.get("/secret", headers=AUTH)
    if r.status_code == 401:
        fail(
            f"expected the token {TOKEN!r} from SECRET_TOKEN to open /secret, but it answered "
            "401. With --url, start your server with `SECRET_TOKEN=launch-code-42 python "
            "app.py`.",
            response=r,
        )
    expect_heading(r, "The launch code is 00000000.")


# -- Streaming ---------------------------------------------------------------------------


@checkpoint(
    "stream-passes-through",
    hint="Do not collect the body (no b''.join, no list()) and do not log when the app "
    "returns: return an object whose __iter__ hands over the app's pieces and whose close() "
    "calls the app body's close() and then logs.",
)
def test_stream_passes_through(client, app_log):
    """A streamed body arrives whole, its close() is called, and its log line is written
    after the last piece was sent"""
    name = unique("Ada")
    r = client.get(f"/stream/{name}")
    r.expect_status(200)
    for piece in ("T-minus 3", "T-minus 2", "T-minus 1", "Liftoff!"):
        expect(piece in r.text, f"{piece!r} in the streamed page", r.text[-200:], response=r)
    expect_response_time(r)
    line = expect_logged(app_log, "GET", f"/stream/{name}", "200 OK")
    closed = app_log.wait_for(rf"countdown {name}: closed", timeout=LOG_WAIT)
    expect(
        closed is not None,
        f"'countdown {name}: closed' in the log: the server's call to close() must reach "
        "the app's body through every middleware",
        "no such line",
    )
    lines = app_log.lines
    finished = f"countdown {name}: body finished"
    expect(
        finished in lines and lines.index(finished) < lines.index(line),
        f"the request's log line after '{finished}': log once the body has been sent",
        "the log line before the body was finished:\n" + "\n".join(lines[-6:]),
    )


# -- the whole stack under the validator ---------------------------------------------------


@checkpoint(
    "wsgi-validator",
    hint="wsgiref.validate checks PEP 3333: header values are str (f'{ms:.1f}ms', not a "
    "float), start_response is called once (a second call only with exc_info), the body is "
    "an iterable of bytes whose close() is called.",
)
def test_wsgi_validator(client, target_kind):
    """Every route, through all four middleware, passes wsgiref.validate.validator"""
    if target_kind == "url":
        pytest.skip(
            "this checkpoint runs your app inside wsgiref.validate, which needs your app's "
            "files, not just its address: run `mission check d02` (or add --serve) for it"
        )
    for method, path, options, status in (
        ("GET", "/", {}, 200),
        ("GET", "/hello/Ada", {}, 200),
        ("POST", "/submit", {"data": {"message": "Hi"}}, 200),
        ("GET", "/no-such-page", {}, 404),
        ("GET", "/secret", {}, 401),
        ("GET", "/secret", {"headers": AUTH}, 200),
        ("GET", "/stream/Ada", {}, 200),
        ("GET", "/error", {}, 500),
    ):
        r = client.request(method, path, wsgi_lint=True, **options)
        if r.raised and path == "/error" and "RuntimeError" in r.raised:
            expect_error_page(r)
        if r.raised:
            fail(f"wsgiref.validate refused {method} {path}: {r.raised}", response=r)
        r.expect_status(status)
        expect_response_time(r)


# -- each class on its own -----------------------------------------------------------------

# Run by `python -c` in (a copy of) the learner's folder: wrap two tiny apps of its own in
# each class of middleware.py, call them the way a server would, and print what came back.
ALONE_PROBE = r"""
import io, json, os, sys
from wsgiref.util import setup_testing_defaults

sys.path.insert(0, os.getcwd())
import middleware


def ok_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", "2")])
    return [b"ok"]


def failing_app(environ, start_response):
    raise ValueError("the probe fails on purpose")


def late_failing_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    raise ValueError("the probe fails on purpose, after start_response")


def call(app, path="/", **extra):
    environ = {"SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", **extra}
    environ["wsgi.input"] = io.BytesIO()
    setup_testing_defaults(environ)
    answer = {"status": None, "headers": [], "body": "", "calls": []}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, [list(pair) for pair in headers]
        answer["calls"].append([status, exc_info is not None])

    try:
        body = app(environ, start_response)
        try:
            answer["body"] = b"".join(body).decode("utf-8", "replace")
        finally:
            if hasattr(body, "close"):
                body.close()
    except Exception as exc:
        answer["status"] = f"no answer: it raised {type(exc).__name__}: {exc}"
    return answer


token = os.environ["SECRET_TOKEN"]
report = {
    "logging": call(middleware.LoggingMiddleware(ok_app), "/probe/logging"),
    "timing": call(middleware.TimingMiddleware(ok_app)),
    "error": call(middleware.ErrorMiddleware(failing_app)),
    "error-late": call(middleware.ErrorMiddleware(late_failing_app)),
    "auth-public": call(middleware.AuthMiddleware(ok_app), "/"),
    "auth-refused": call(middleware.AuthMiddleware(ok_app), "/secret",
                         HTTP_AUTHORIZATION="Bearer not-" + token),
    "auth-accepted": call(middleware.AuthMiddleware(ok_app), "/secret",
                          HTTP_AUTHORIZATION="Bearer " + token),
}
os.environ["SECRET_TOKEN"] = ""
report["auth-no-token-set"] = call(middleware.AuthMiddleware(ok_app), "/secret",
                                   HTTP_AUTHORIZATION="Bearer ")
print(json.dumps(report))
"""


def _header(answer: dict, name: str):
    for key, value in answer["headers"]:
        if key.lower() == name.lower():
            return value
    return None


def expect_exc_info(early: list, late: list) -> None:
    """ErrorMiddleware passes exc_info to start_response only when the app had called it
    already: ``early`` are the calls for an app that raised first, ``late`` for one that
    called start_response, then raised. Each call is ``[status, exc_info given]``."""
    hint = (
        "In ErrorMiddleware, wrap start_response to remember that it was called, and pass "
        "`sys.exc_info()` only then: `exc_info = sys.exc_info() if started else None`."
    )
    expect(
        bool(early) and not early[-1][1],
        "ErrorMiddleware, around an app that raised before calling start_response, to call "
        "start_response('500 …', headers) without exc_info",
        f"start_response({early[-1][0]!r}, headers, exc_info), though there were no headers "
        "to replace"
        if early
        else "no call at all",
        hint=hint,
    )
    expect(
        len(late) >= 2 and late[-1][1] and late[-1][0].startswith("500"),
        "ErrorMiddleware, around an app that called start_response('200 OK', …) and then "
        "raised, to call start_response('500 …', headers, exc_info), which tells the server to "
        "replace the headers it was given",
        f"start_response({late[-1][0]!r}, headers{', exc_info' if late[-1][1] else ''}) last"
        if late
        else "no call at all",
        hint=hint,
    )


@checkpoint(
    "each-middleware-alone",
    hint="Each class takes the app it wraps, Middleware(app), and must work around any WSGI "
    "app: AuthMiddleware reads os.environ['SECRET_TOKEN'] in __init__ (empty means nobody "
    "gets in), and none of them may rely on hello_app.",
)
def test_each_middleware_alone(run_command):
    """Each class in middleware.py works on its own around any WSGI app, and
    AuthMiddleware takes its token from SECRET_TOKEN"""
    token = f"probe-{uuid.uuid4().hex[:10]}"
    done = run_command(["python", "-c", ALONE_PROBE], timeout=20, env={"SECRET_TOKEN": token})
    if done.exit_code != 0:
        fail(
            "expected middleware.py's four classes to wrap a small app of the checker's, "
            f"but that stopped (exit code {done.exit_code}):\n{done.output[-1500:]}"
        )
    report = json.loads(done.stdout.strip().splitlines()[-1])

    def check(key: str, what: str, ok: bool) -> None:
        answer = report[key]
        got = f"{answer['status']}, headers {answer['headers']}, body {answer['body'][:80]!r}"
        expect(ok, what, got)

    logging, timing, error = report["logging"], report["timing"], report["error"]
    check("logging", "LoggingMiddleware(app) to pass the app's answer on", logging["body"] == "ok")
    expect(
        re.search(log_pattern("GET", "/probe/logging", "200 OK"), done.stderr),
        "LoggingMiddleware(app) on its own to print "
        "[YYYY-MM-DD HH:MM:SS] GET /probe/logging 200 OK (…ms) to standard error",
        repr(done.stderr[-300:]) if done.stderr else "nothing on standard error",
    )
    check(
        "timing",
        "TimingMiddleware(app) to add X-Response-Time (such as '0.1ms') to the app's answer",
        timing["body"] == "ok"
        and TIME_VALUE.match((_header(timing, "X-Response-Time") or "").strip()),
    )
    check(
        "error",
        "ErrorMiddleware(app) around an app that raises to answer 500 Internal Server Error "
        "with <h1>Something went wrong!</h1>",
        (error["status"] or "").startswith("500") and "Something went wrong!" in error["body"],
    )
    expect_exc_info(error["calls"], report["error-late"]["calls"])
    check(
        "auth-public", "AuthMiddleware(app) to let / through", report["auth-public"]["body"] == "ok"
    )
    for key, wanted in (("auth-refused", "401"), ("auth-accepted", "200")):
        what = "refuse a wrong token with 401" if wanted == "401" else "accept it"
        check(
            key,
            f"AuthMiddleware(app), with SECRET_TOKEN={token}, to {what} on /secret",
            (report[key]["status"] or "").startswith(wanted),
        )
    check(
        "auth-no-token-set",
        "AuthMiddleware(app) with an empty SECRET_TOKEN to refuse 'Bearer ' (401): an "
        "empty token must never open the door",
        (report["auth-no-token-set"]["status"] or "").startswith("401"),
    )
