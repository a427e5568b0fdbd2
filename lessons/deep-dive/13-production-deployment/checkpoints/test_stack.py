"""d13 · the blog as production runs it: every request goes to nginx, which serves
/static/ itself and passes the rest to gunicorn (your gunicorn.conf.py, wsgi:app)."""

import http.client
import json
import re
import signal
import threading
import time
from datetime import datetime
from urllib.parse import urlsplit
from uuid import uuid4

from mission_control.check import checkpoint, expect, expect_equal, fail

HOST = "blog.example.test"  # the name a visitor typed; nginx must pass it on
LIMIT = 4 * 1024 * 1024  # MAX_CONTENT_LENGTH, and so client_max_body_size
WEEK = 7 * 24 * 3600


def request_line(log, request_id, what):
    """The app's JSON log line for the request with this id (from the X-Request-ID
    header that came back), waiting a moment for it to be printed."""
    if not request_id:
        fail(
            f"{what}: the response has no X-Request-ID header, so the checker cannot find "
            "its log line.",
            hint="Set `response.headers['X-Request-ID'] = g.request_id` in an after_request "
            "function, with the id nginx sent (X-Request-ID) or a new uuid4().hex.",
        )
    line = log.wait_for(re.escape(request_id), timeout=3.0)
    for text in [line] if line else []:
        try:
            entry = json.loads(text[text.index("{") :])
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("request_id") == request_id:
            return entry
    fail(
        f'{what}: expected one JSON line on gunicorn\'s stdout with "request_id": '
        f'"{request_id}" (the X-Request-ID of the response), not '
        + (repr(line[:300]) if line else "no line mentioning it")
        + ".",
        hint="Log every request from an after_request function with a logging handler on "
        "sys.stdout whose formatter writes json.dumps({...}): time, request_id, method, path, "
        "status, duration_ms, remote_addr.",
    )
    return {}


def gunicorn_saw(log, marker, wait=0.5):
    """Whether gunicorn printed a line with ``marker`` (its access log or the app's)."""
    return log.wait_for(re.escape(marker), timeout=wait) is not None


@checkpoint(
    "behind-the-proxy",
    hint="Wrap the app in ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1) in "
    "production (one hop: nginx), and in nginx.conf pass `proxy_set_header Host $host;`, "
    "X-Forwarded-Host, X-Forwarded-Proto $scheme and X-Forwarded-For "
    "$proxy_add_x_forwarded_for.",
)
def test_behind_the_proxy(client, stack, app_log):
    """URLs use the scheme and host nginx received, and a client cannot spoof its address"""
    r = client.get("/api/v1/posts", query={"per_page": 1}, headers={"Host": HOST})
    r.expect_status(200)
    own = r.expect_json(dict).get("links", {}).get("self") or ""
    expect(
        own.startswith(f"http://{HOST}/api/v1/posts"),
        f'links.self to start with "http://{HOST}/api/v1/posts" (the host the visitor asked '
        "nginx for)",
        repr(own),
        response=r,
        hint="nginx must pass the visitor's host on: `proxy_set_header Host $host;` and "
        "`proxy_set_header X-Forwarded-Host $host;`.",
    )
    direct = stack.client("gunicorn")
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": HOST,
        "X-Forwarded-For": "198.51.100.4",
    }
    r = direct.get("/api/v1/posts", query={"per_page": 1}, headers=forwarded)
    r.expect_status(200)
    own = r.expect_json(dict).get("links", {}).get("self") or ""
    expect(
        own.startswith(f"https://{HOST}/api/v1/posts"),
        f'links.self to start with "https://{HOST}/api/v1/posts" when nginx says '
        f"X-Forwarded-Proto: https and X-Forwarded-Host: {HOST} (this request went to "
        "gunicorn directly, as nginx sends them)",
        repr(own),
        response=r,
        hint="ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1) makes url_for(..., "
        "_external=True) use the forwarded scheme and host.",
    )
    spoof = "203.0.113.66"
    r = client.get("/healthz", headers={"X-Forwarded-For": spoof})
    r.expect_status(200)
    entry = request_line(app_log, r.headers.get("X-Request-ID"), "GET /healthz through nginx")
    expect_equal(
        entry.get("remote_addr"),
        "127.0.0.1",
        f"the logged remote_addr of a request whose client sent X-Forwarded-For: {spoof} "
        "(nginx appends the real address, 127.0.0.1; only that last entry may be believed)",
        response=r,
    )


@checkpoint(
    "request-log",
    hint="An after_request function logs one JSON line per request on stdout (a "
    "logging.StreamHandler(sys.stdout) with a formatter that returns json.dumps(...)).",
)
def test_request_log(client, stack, app_log):
    """One JSON line per request on stdout: time, request id, method, path, status, duration,
    address"""
    r = client.get("/posts", query={"probe": uuid4().hex[:8]})
    r.expect_status(200)
    entry = request_line(app_log, r.headers.get("X-Request-ID"), "GET /posts through nginx")
    expect_equal(entry.get("method"), "GET", 'the log line\'s "method"', response=r)
    expect_equal(entry.get("path"), "/posts", 'the log line\'s "path"', response=r)
    expect_equal(entry.get("status"), 200, 'the log line\'s "status"', response=r)
    duration = entry.get("duration_ms")
    expect(
        isinstance(duration, int | float) and not isinstance(duration, bool) and duration >= 0,
        'a "duration_ms" that is a number of milliseconds',
        repr(duration),
        response=r,
    )
    expect_equal(entry.get("remote_addr"), "127.0.0.1", 'the log line\'s "remote_addr"')
    stamp = entry.get("time")
    try:
        datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        fail(f'expected "time" in ISO 8601 (datetime.isoformat()), not {stamp!r}', response=r)
    # nginx sends its own id; straight to gunicorn, the checker sends one as nginx does.
    sent = f"probe-{uuid4().hex[:12]}"
    r = stack.client("gunicorn").get("/posts", headers={"X-Request-ID": sent})
    r.expect_status(200)
    expect_equal(
        r.headers.get("X-Request-ID"),
        sent,
        f"the X-Request-ID of the answer to a request whose proxy sent X-Request-ID: {sent} "
        "(this request went to gunicorn directly, as nginx sends it): the id nginx sent, kept",
        response=r,
        hint="In a before_request function, keep the X-Request-ID the proxy sent when there "
        "is one (g.request_id = request.headers.get('X-Request-ID') or uuid4().hex).",
    )
    request_line(app_log, sent, f"GET /posts with X-Request-ID: {sent}")


@checkpoint(
    "health",
    hint="/healthz answers without asking anything; /readyz runs `SELECT 1` "
    "(db.session.execute(text('SELECT 1'))) and answers 200 when it works.",
)
def test_health(client):
    """GET /healthz and GET /readyz answer 200 JSON while the database is up"""
    r = client.get("/healthz")
    r.expect_status(200)
    body = r.expect_json(dict)
    expect_equal(body.get("status"), "ok", 'the "status" of /healthz', response=r)
    r = client.get("/readyz")
    r.expect_status(
        200,
        hint='Add GET /readyz: 200 {"status": "ready"} when the '
        "database answers SELECT 1, else 503.",
    )
    body = r.expect_json(dict)
    expect_equal(body.get("status"), "ready", 'the "status" of /readyz', response=r)


@checkpoint(
    "security-headers",
    hint="Set the headers in an after_request function; Strict-Transport-Security only "
    "when request.is_secure (which ProxyFix makes true behind nginx over https). The "
    "cookie flags are SESSION_COOKIE_SECURE, _HTTPONLY and _SAMESITE in ProductionConfig.",
)
def test_security_headers(client, stack):
    """Security headers on every response, HSTS over https only, and secure session cookies"""
    for path in ("/posts", "/api/v1/posts", "/no-such-page"):
        r = client.get(path)
        csp = r.headers.get("Content-Security-Policy") or ""
        expect(
            "default-src" in csp,
            f"GET {path}: a Content-Security-Policy header with a default-src",
            repr(csp) if csp else "no such header",
            response=r,
        )
        expect_equal(
            (r.headers.get("X-Content-Type-Options") or "").lower(),
            "nosniff",
            f"GET {path}: X-Content-Type-Options",
            response=r,
        )
        expect(
            bool(r.headers.get("Referrer-Policy")),
            f"GET {path}: a Referrer-Policy header",
            "none",
            response=r,
        )
        expect(
            "Strict-Transport-Security" not in r.headers,
            f"GET {path} over plain http: no Strict-Transport-Security header (HSTS is "
            "only for a request that came over https)",
            r.headers.get("Strict-Transport-Security") or "",
            response=r,
        )
    r = stack.client("gunicorn").get("/posts", headers={"X-Forwarded-Proto": "https"})
    hsts = r.headers.get("Strict-Transport-Security") or ""
    age = re.search(r"max-age=(\d+)", hsts)
    expect(
        age is not None and int(age.group(1)) >= 31536000,
        "GET /posts with X-Forwarded-Proto: https (as nginx sends it, straight to "
        "gunicorn): Strict-Transport-Security with a max-age of at least 31536000 (a year)",
        repr(hsts) if hsts else "no such header",
        response=r,
    )
    r = client.get("/auth/login")
    cookies = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("session=")]
    expect(
        bool(cookies), "GET /auth/login to set the session cookie", "no session cookie", response=r
    )
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")}
    for flag in ("secure", "httponly"):
        expect(flag in flags, f"the session cookie to be {flag.title()}", cookies[0], response=r)
    expect(
        flags.get("samesite", "").lower() in ("samesite=lax", "samesite=strict"),
        "the session cookie to be SameSite=Lax (or Strict)",
        cookies[0],
        response=r,
    )


@checkpoint(
    "static-by-nginx",
    hint="In nginx.conf: `location /static/ { alias /app/app/static/; expires 30d; }` "
    "(the checker points /app at its copy of your folder).",
)
def test_static_by_nginx(client, run_command, app_log):
    """/static/ files come from nginx with long cache headers, and gunicorn never sees them"""
    name = f"mission-{uuid4().hex[:12]}.css"
    body = f"/* {name} */ body {{ margin: 0; }}\n"
    made = run_command(
        ["python", "-c", f"open('app/static/{name}', 'w').write({body!r})"], timeout=10
    )
    expect(made.exit_code == 0, "the checker to write a file into app/static/", made.output)
    r = client.get(f"/static/{name}")
    r.expect_status(200)
    expect_equal(r.text, body, f"the body of /static/{name}", response=r)
    control = r.headers.get("Cache-Control") or ""
    age = re.search(r"max-age=(\d+)", control)
    expect(
        age is not None and int(age.group(1)) >= WEEK,
        f"Cache-Control with a max-age of at least {WEEK} (7 days)",
        repr(control) if control else "no Cache-Control header",
        response=r,
    )
    if gunicorn_saw(app_log, name):
        fail(
            f"GET /static/{name} reached gunicorn (its log mentions it): nginx should "
            "answer /static/ from disk itself.",
            response=r,
        )


@checkpoint(
    "body-limit",
    hint="`client_max_body_size 4m;` in the server block: the same as MAX_CONTENT_LENGTH.",
)
def test_body_limit(client, app_log):
    """A body over 4 MiB is refused by nginx with 413; one under it reaches the app"""
    small, big = f"/mission-probe-{uuid4().hex[:12]}", f"/mission-probe-{uuid4().hex[:12]}"
    headers = {"Content-Type": "application/octet-stream"}
    r = client.post(small, data=b"x" * (LIMIT - 64 * 1024), headers=headers)
    expect(
        r.status_code != 413,
        f"POST {small} with a body of 4 MiB - 64 KiB to reach the app (it is under the "
        "limit), not 413",
        r.status_line,
        response=r,
    )
    expect(
        gunicorn_saw(app_log, small, wait=3.0),
        f"gunicorn's log to mention POST {small} (a body under the limit is passed on)",
        "nothing",
        response=r,
    )
    r = client.post(big, data=b"x" * (LIMIT + 64 * 1024), headers=headers)
    r.expect_status(413)
    if gunicorn_saw(app_log, big):
        fail(
            f"POST {big} with a body over 4 MiB reached gunicorn: nginx should refuse it "
            "with 413 before it costs a worker.",
            response=r,
        )


@checkpoint(
    "gzip",
    hint="`gzip on;` and `gzip_types text/css application/javascript application/json;` "
    "(text/html is always in the list).",
)
def test_gzip(client):
    """Text comes gzip-compressed when the client accepts it: pages and CSS"""
    for path in ("/posts", "/static/style.css"):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        r.expect_status(200)
        expect_equal(
            r.headers.get("Content-Encoding"),
            "gzip",
            f"GET {path} with Accept-Encoding: gzip: the Content-Encoding",
            response=r,
        )


@checkpoint(
    "graceful-shutdown",
    hint="gunicorn finishes a request in flight on SIGTERM for up to graceful_timeout "
    "seconds: keep it at 10 s or more, and do not catch SIGTERM in your code. The drill "
    "endpoint is GET /drill/slow, on when ENABLE_SLOW_DRILL=1.",
)
def test_graceful_shutdown(client, stack, app_log):
    """SIGTERM during a slow request: it completes with 200, new connections are refused,
    gunicorn exits 0"""
    nginx = urlsplit(stack.url("nginx"))
    gunicorn = urlsplit(stack.url("gunicorn"))
    r = client.get("/drill/slow", query={"seconds": "0"})
    r.expect_status(
        200,
        hint="GET /drill/slow?seconds=N sleeps N seconds and answers 200 "
        "JSON, registered only when ENABLE_SLOW_DRILL=1 (the checker sets it).",
    )
    done: dict[str, object] = {}

    def slow() -> None:
        conn = http.client.HTTPConnection(nginx.hostname, nginx.port, timeout=20)
        try:
            conn.request("GET", "/drill/slow?seconds=4")
            answer = conn.getresponse()
            done["status"], done["body"] = answer.status, answer.read()[:300]
        except OSError as exc:
            done["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()

    late: dict[str, object] = {}

    def new_request() -> None:
        conn = http.client.HTTPConnection(gunicorn.hostname, gunicorn.port, timeout=8)
        try:
            conn.request("GET", "/healthz")
            late["status"] = conn.getresponse().status
        except OSError as exc:  # refused, reset or closed: not served
            late["error"] = type(exc).__name__
        finally:
            conn.close()

    worker = threading.Thread(target=slow, daemon=True)
    worker.start()
    # app/drill.py prints "drill: sleeping 4 s" once a worker has the request
    app_log.wait_for(r"drill: sleeping 4 s", timeout=3.0)
    time.sleep(0.2)
    stack.signal("gunicorn", signal.SIGTERM)
    time.sleep(0.3)
    newcomer = threading.Thread(target=new_request, daemon=True)
    newcomer.start()
    worker.join(20)
    newcomer.join(10)
    expect(
        done.get("status") == 200,
        "GET /drill/slow?seconds=4, in flight when gunicorn got SIGTERM, to complete with 200",
        str(done.get("error") or f"{done.get('status')} {done.get('body')!r}"),
    )
    expect(
        "status" not in late,
        "a new request sent straight to gunicorn after SIGTERM not to be served (its "
        "connection refused or closed)",
        f"it was answered {late.get('status')}",
    )
    code = stack.wait_exit("gunicorn", timeout=40)
    expect_equal(code, 0, "the exit status of gunicorn's master after SIGTERM")
