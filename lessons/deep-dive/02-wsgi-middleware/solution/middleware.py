"""Four WSGI middleware (reference solution).

A middleware is a WSGI application that wraps another one: the server calls it with
(environ, start_response), it may look at or change the request, calls the app it wraps,
and may look at or change the answer on its way out. Each class works around any WSGI app.
"""

import hmac
import html
import os
import sys
import time
import traceback
from datetime import datetime


def request_path(environ) -> str:
    """The path the client asked for, as text (PEP 3333 strings are latin-1 bytes)."""
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    try:
        return raw.encode("latin-1").decode("utf-8", errors="replace") or "/"
    except UnicodeEncodeError:
        return raw or "/"


def html_page(status: str, heading: str, text: str) -> tuple[list, list[bytes]]:
    """The headers and body of a small HTML page (the arguments must be escaped)."""
    body = (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{status}'
        f"</title></head>\n<body>\n<h1>{heading}</h1>\n<p>{text}</p>\n</body>\n</html>\n"
    ).encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    return headers, [body]


class ClosingBody:
    """The app's body, passed through piece by piece, with a callback once it is closed.

    A middleware cannot know when a streamed body has been sent by looking at the app's
    return value: only the server's call to close() says so. This wrapper forwards
    iteration untouched, forwards close() to the app's body (PEP 3333 requires it), then
    runs ``on_close``.
    """

    def __init__(self, body, on_close) -> None:
        self._body = body
        self._on_close = on_close

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close()


class LoggingMiddleware:
    """Print one line per request to standard error, once its body has been sent:

    [2025-01-31 14:05:09] GET /hello/Alice 200 OK (3.2ms)
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        arrived = datetime.now()
        started = time.perf_counter()
        seen = {"status": "500 Internal Server Error"}

        def remembering_start_response(status, headers, exc_info=None):
            seen["status"] = status
            return start_response(status, headers, exc_info)

        def log() -> None:
            elapsed = (time.perf_counter() - started) * 1000
            line = (
                f"[{arrived:%Y-%m-%d %H:%M:%S}] {environ['REQUEST_METHOD']} "
                f"{request_path(environ)} {seen['status']} ({elapsed:.1f}ms)"
            )
            print(line, file=sys.stderr, flush=True)

        try:
            body = self.app(environ, remembering_start_response)
        except BaseException:
            log()  # the app raised: log the request anyway, and let the server handle it
            raise
        return ClosingBody(body, log)


class TimingMiddleware:
    """Add an X-Response-Time header: milliseconds from the request's arrival here until
    the app called start_response (a header cannot wait for the body, it goes first)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            elapsed = (time.perf_counter() - started) * 1000
            headers = [*headers, ("X-Response-Time", f"{elapsed:.1f}ms")]
            return start_response(status, headers, exc_info)

        return self.app(environ, timed_start_response)


class ErrorMiddleware:
    """Turn an exception raised by the app into a 500 page, and log its traceback."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = False

        def tracking_start_response(status, headers, exc_info=None):
            nonlocal started
            started = True
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, tracking_start_response)
        except Exception:
            print(
                f"Error while answering {environ['REQUEST_METHOD']} {request_path(environ)}:",
                file=sys.stderr,
            )
            traceback.print_exc(file=sys.stderr)
            headers, body = html_page(
                "500 Internal Server Error",
                "Something went wrong!",
                "The error has been logged. Please try again later.",
            )
            # exc_info tells the server "replace the headers the app already gave you";
            # it is only needed (and only allowed by some servers) when there were some.
            exc_info = sys.exc_info() if started else None
            start_response("500 Internal Server Error", headers, exc_info)
            return body


class AuthMiddleware:
    """Guard /secret with a bearer token: ``Authorization: Bearer <SECRET_TOKEN>``.

    The token comes from the SECRET_TOKEN environment variable, read when the middleware is
    created. Without one, nobody gets in: an empty token must never open the door.
    """

    protected = "/secret"

    def __init__(self, app) -> None:
        self.app = app
        self.token = os.environ.get("SECRET_TOKEN", "")
        if not self.token:
            print("SECRET_TOKEN is not set: /secret will refuse everyone.", file=sys.stderr)

    def __call__(self, environ, start_response):
        path = request_path(environ)
        guarded = path == self.protected or path.startswith(self.protected + "/")
        if guarded and not self.authorized(environ.get("HTTP_AUTHORIZATION", "")):
            headers, body = html_page(
                "401 Unauthorized",
                "401 Unauthorized",
                f"{html.escape(path)} needs the header <code>Authorization: Bearer "
                "&lt;token&gt;</code>.",
            )
            headers.append(("WWW-Authenticate", 'Bearer realm="secret"'))
            start_response("401 Unauthorized", headers)
            return body
        return self.app(environ, start_response)

    def authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if not self.token or scheme.lower() != "bearer":
            return False
        # compare_digest takes as long for a wrong first character as for a wrong last one,
        # so the time an answer takes tells an attacker nothing about the token.
        return hmac.compare_digest(token.strip().encode(), self.token.encode())
