"""Checkpoints for d05 · Flask's contexts.

The connection counts in GET /stats are read before and after the requests a checkpoint
makes and compared, so the checkpoints pass in any order and against a server that has
already answered other requests.
"""

import os
import re
import time
import uuid

from mission_control.check import (
    checkpoint,
    expect,
    expect_equal,
    expect_method_not_allowed,
    expect_unknown_url_404,
    fail,
    is_count,
    same_path,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours of Werkzeug's request log
JOB_WAIT = 5.0  # seconds a background job gets to finish (it takes a fraction of that)

REQUEST_ID_HINT = (
    "Set g.request_id = uuid.uuid4().hex in a @app.before_request function, and copy it "
    'into response.headers["X-Request-ID"] in an @app.after_request function: Flask runs '
    "both for every request, error pages included."
)
TEARDOWN_HINT = (
    "Open the connection in get_connection() only when g has none yet, and close it in an "
    "@app.teardown_appcontext function with `connection = g.pop('connection', None)`: "
    "teardown runs after every request, even when the view raised."
)
JSON_ERRORS_HINT = (
    "Register @app.errorhandler(HTTPException) returning jsonify(error=error.description) "
    "with error.code (keep error.get_headers() for the Allow header of a 405)."
)


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:8]}"


def request_id_of(response) -> str:
    return response.expect_header(
        "X-Request-ID",
        lambda value: bool(value.strip()),
        expected="a non-empty id",
        hint=REQUEST_ID_HINT,
    )


def stats(client) -> dict:
    """The connection counts, checked for shape."""
    r = client.get("/stats")
    r.expect_status(200)
    counts = r.expect_json(dict)
    for key in ("opened", "closed"):
        value = counts.get(key)
        expect(
            is_count(value),
            f'"{key}" to be a count (a whole number, 0 or more)',
            repr(value),
            response=r,
        )
    return counts


def changes(before: dict, after: dict) -> tuple[int, int]:
    return after["opened"] - before["opened"], after["closed"] - before["closed"]


@checkpoint("request-id-header", hint=REQUEST_ID_HINT)
def test_request_id_header(client):
    """GET /hello answers 200 with an X-Request-ID header, and the view sees the same id
    in g"""
    r = client.get("/hello")
    r.expect_status(200)
    request_id = request_id_of(r)
    body = r.expect_json(dict)
    expect_equal(
        body.get("request_id"),
        request_id,
        '"request_id" in the body (g.request_id) and the X-Request-ID header',
        response=r,
        hint="Return jsonify(..., request_id=g.request_id): before_request, the view and "
        "after_request all see the same g during one request.",
    )


@checkpoint(
    "request-id-unique",
    hint="Make the id inside before_request, once per request (uuid.uuid4().hex); an id made "
    "once at import time, or kept in a module variable, is shared by every request.",
)
def test_request_id_unique(client):
    """Every request gets its own X-Request-ID"""
    seen: dict[str, str] = {}
    for path in ("/hello", "/stats", "/hello", f"/{unique('nowhere')}", "/stats", "/hello"):
        r = client.get(path)
        request_id = request_id_of(r)
        expect(
            request_id not in seen,
            f"a new X-Request-ID for GET {path}",
            f"{request_id!r}, the id GET {seen.get(request_id)} got too",
            response=r,
        )
        seen[request_id] = path


@checkpoint("request-id-on-errors", hint=REQUEST_ID_HINT)
def test_request_id_on_errors(client):
    """Error responses carry an X-Request-ID too: 404, 405, 400 and 500"""
    for method, path, kwargs in (
        ("GET", f"/{unique('nowhere')}", {}),
        ("DELETE", "/hello", {}),
        ("POST", "/background", {"json": {}}),
        ("GET", "/error", {}),
    ):
        r = client.request(method, path, **kwargs)
        expect(r.status_code >= 400, f"an error status for {method} {path}", r.status_line)
        request_id_of(r)


@checkpoint("json-errors", hint=JSON_ERRORS_HINT)
def test_json_errors(client):
    """Unknown URLs answer 404 and wrong methods 405 (with Allow), as JSON errors"""
    expect_unknown_url_404(client, "/nowhere-", length=8)
    expect_method_not_allowed(client, "DELETE", "/hello", "GET")


@checkpoint(
    "error-answered-500",
    hint="Register @app.errorhandler(InternalServerError) (or 500): Flask calls it for any "
    'exception a view does not handle. Return jsonify(error="..."), 500.',
)
def test_error_answered_500(client):
    """GET /error raises on purpose, and an error handler answers 500 with a JSON error"""
    client.get("/error").expect_error(500)


@checkpoint(
    "error-logged-with-id",
    hint="In the 500 handler, log the id: current_app.logger.error('request_id=%s ...', "
    "g.request_id). The handler runs inside the request, so g is still there.",
)
def test_error_logged_with_id(client, app_log):
    """A failed request is logged with its id: a line containing request_id=<its X-Request-ID>"""
    r = client.get("/error")
    r.expect_status(500)
    request_id = request_id_of(r)
    wanted = f"request_id={request_id}"
    line = app_log.wait_for(re.escape(wanted) + r"(?![0-9A-Za-z_-])", timeout=5)
    if line is None:
        # The log records themselves, without the traceback's indented lines.
        records = [ANSI.sub("", text) for text in app_log.lines if text[:1].strip()]
        printed = "\n".join(records[-8:]) or "(nothing)"
        fail(
            f"expected a line containing {wanted} in your app's log, but during this "
            f"checkpoint it printed (tracebacks left out):\n{printed}",
            response=r,
        )


@checkpoint(
    "stats-counts",
    hint="Answer GET /stats with jsonify(opened=..., closed=...): the numbers in `counts`.",
)
def test_stats_counts(client):
    """GET /stats answers {"opened": n, "closed": m}, two counts"""
    stats(client)


@checkpoint("connection-opened-lazily", requires="stats-counts", hint=TEARDOWN_HINT)
def test_connection_opened_lazily(client):
    """Only a view that needs the connection opens it, once: GET /hello opens one;
    GET /stats and a 404 open none"""
    before = stats(client)
    client.get("/hello").expect_status(200)
    client.get(f"/{unique('nowhere')}").expect_status(404)
    stats(client)
    after = stats(client)
    opened, _ = changes(before, after)
    expect_equal(
        opened,
        1,
        "the connections opened by GET /hello, GET /stats and a 404 together",
        hint="Open the connection in get_connection(), called by the views that need it, "
        "and keep it in g (`if 'connection' not in g: g.connection = Connection()`), "
        "not in before_request, which runs for every request.",
    )


@checkpoint("connection-closed-after-request", requires="stats-counts", hint=TEARDOWN_HINT)
def test_connection_closed_after_request(client):
    """The connection GET /hello opens is closed by the end of the request"""
    before = stats(client)
    client.get("/hello").expect_status(200)
    after = stats(client)
    opened, closed = changes(before, after)
    expect(opened >= 1, "GET /hello to open a connection", f"{opened} opened")
    expect_equal(closed, opened, "the connections closed (as many as were opened)")


@checkpoint("connection-closed-after-error", requires="stats-counts", hint=TEARDOWN_HINT)
def test_connection_closed_after_error(client):
    """The connection GET /error opens is closed even though the view raised"""
    before = stats(client)
    client.get("/error").expect_status(500)
    after = stats(client)
    opened, closed = changes(before, after)
    expect(opened >= 1, "GET /error to open a connection before it raises", f"{opened} opened")
    expect_equal(
        closed,
        opened,
        "the connections closed after GET /error (as many as were opened)",
        hint="Closing the connection at the end of the view never happens when the view "
        "raises. Close it in @app.teardown_appcontext: Flask calls it whatever happened.",
    )


@checkpoint("stats-balanced", requires="stats-counts", hint=TEARDOWN_HINT)
def test_stats_balanced(client):
    """After any mix of requests, errors included, as many connections are closed as opened"""
    before = stats(client)
    for method, path in [
        ("GET", "/hello"),
        ("GET", "/error"),
        ("GET", f"/{unique('nowhere')}"),
        ("GET", "/hello"),
        ("DELETE", "/hello"),
        ("GET", "/error"),
        ("GET", "/stats"),
        ("GET", "/hello"),
    ] * 2:
        client.request(method, path)
    after = stats(client)
    opened, closed = changes(before, after)
    expect(opened >= 10, "ten connections opened (six GET /hello, four GET /error)", str(opened))
    expect_equal(closed, opened, "the connections closed (as many as were opened)")


@checkpoint(
    "background-job",
    hint="In the thread, read the request through copy_current_request_context (or take "
    "plain values made in the view). g is not copied: the thread gets a new, empty one, so "
    "read g.request_id in the view and pass it along. An exception in the thread leaves the "
    "job pending: look at your app's terminal for its traceback.",
)
def test_background_job(client):
    """POST /background starts a job on a thread; GET /background/<job_id> shows its result:
    the greeting and the id of the request that started it"""
    name = unique("Ada")
    r = client.post("/background", json={"name": name})
    r.expect_status(202)
    request_id = request_id_of(r)
    job_id = r.expect_json(dict).get("job_id")
    expect(isinstance(job_id, str) and job_id, 'a "job_id" (a string)', repr(job_id), response=r)
    r.expect_header(
        "Location",
        lambda value: same_path(value, f"/background/{job_id}"),
        expected=f"/background/{job_id}",
        hint="Add the header with url_for('job_status', job_id=job_id) (your view's name).",
    )

    deadline = time.monotonic() + JOB_WAIT
    while True:
        r = client.get(f"/background/{job_id}")
        r.expect_status(200)
        job = r.expect_json(dict)
        status = job.get("status")
        expect(
            status in ("pending", "done", "failed"),
            '"status" to be "pending", "done" or "failed"',
            repr(status),
            response=r,
        )
        if status != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    expect(
        status != "pending",
        f"the job to be done within {JOB_WAIT:g} s",
        "still pending: did the thread raise?",
        response=r,
    )
    expect_equal(job.get("status"), "done", '"status"', response=r)
    expect_equal(job.get("id"), job_id, '"id"', response=r)
    result = job.get("result")
    expect(isinstance(result, dict), '"result" to be an object', repr(result), response=r)
    expect_equal(result.get("greeting"), f"Hello, {name}!", '"greeting" in the result', response=r)
    expect_equal(
        result.get("request_id"),
        request_id,
        '"request_id" in the result (the X-Request-ID of the POST that started the job)',
        response=r,
    )


@checkpoint(
    "background-validates",
    hint="Check the body in the view, before starting any thread: "
    "abort(400, description=...) unless it is an object with a non-empty string name; "
    "abort(404) for a job id you do not know.",
)
def test_background_validates(client):
    """POST /background answers 400 without a usable name; an unknown job answers 404"""
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": 42}, ["Ada"]):
        client.post("/background", json=body).expect_error(400)
    client.get(f"/background/{uuid.uuid4().hex}").expect_error(404)


@checkpoint(
    "cli-whoami",
    hint="Add @app.cli.command('whoami') that does click.echo(f\"app={current_app.name} "
    "mission={current_app.config['MISSION_NAME']}\"); set MISSION_NAME = 'Apollo' in the "
    "config, then call app.config.from_prefixed_env() so FLASK_MISSION_NAME overrides it.",
)
def test_cli_whoami(run_command):
    """`flask --app app whoami` prints app=<app name> mission=<MISSION_NAME> from the config"""
    default = os.environ.get("FLASK_MISSION_NAME", "Apollo")
    mission = unique("Gemini")
    for env, wanted in (({}, default), ({"FLASK_MISSION_NAME": mission}, mission)):
        command = "flask --app app whoami"
        shown = " ".join(f"{k}={v}" for k, v in env.items()) + (" " if env else "") + command
        done = run_command(command, env=env, timeout=30)
        if done.exit_code != 0:
            fail(
                f"expected `{shown}` to succeed (exit code 0), not exit code "
                f"{done.exit_code}; it printed:\n" + (done.output.strip()[-1500:] or "nothing")
            )
        line = f"app=app mission={wanted}"
        if line not in [printed.strip() for printed in done.stdout.splitlines()]:
            fail(
                f"expected `{shown}` to print the line\n{line}\nbut it printed:\n"
                + (done.output.strip() or "nothing")
            )


EXPECTED_DEMO = (
    "outside: Working outside of request context.",
    "app context: app",
    "request context: POST /hello",
)


@checkpoint(
    "contexts-demo",
    hint="Print the first line of the RuntimeError that `request.method` raises outside any "
    "context, then current_app.name inside `with app.app_context():`, then request.method "
    "and request.path inside `with app.test_request_context('/hello', method='POST'):`.",
)
def test_contexts_demo(run_command):
    """`python contexts_demo.py` prints the error outside a request, the app's name in an app
    context, and the request inside a test request context, in that order"""
    done = run_command("python contexts_demo.py", timeout=30)
    if done.exit_code != 0:
        fail(
            "expected `python contexts_demo.py` to succeed (exit code 0), not exit code "
            f"{done.exit_code}; it printed:\n" + (done.output.strip()[-1500:] or "nothing")
        )
    printed = [line.strip() for line in done.stdout.splitlines()]
    position = 0
    for wanted in EXPECTED_DEMO:
        if wanted not in printed[position:]:
            fail(
                f"expected `python contexts_demo.py` to print the line\n{wanted}\n"
                + ("after the lines before it, " if position else "")
                + "but it printed:\n"
                + (done.output.strip() or "nothing")
            )
        position = printed.index(wanted, position) + 1
