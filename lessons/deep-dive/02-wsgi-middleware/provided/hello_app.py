"""The application the middleware wraps: lesson d01's app and three new routes.

This file is given: you do not need to change it. Besides d01's pages it has
- GET /error          raises an exception on purpose (for ErrorMiddleware),
- GET /secret         a page only AuthMiddleware's token should open,
- GET /stream/<name>  a body sent in pieces, produced while it is sent (a countdown).
"""

import html
import os
import re
import sys
import time
from urllib.parse import parse_qs

MAX_FORM_BYTES = 64 * 1024
# Seconds between two countdown lines; the checker sets COUNTDOWN_DELAY=0 to go fast.
COUNTDOWN_DELAY = float(os.environ.get("COUNTDOWN_DELAY", "0.5"))


def wsgi_text(value: str) -> str:
    """Real text from PATH_INFO or QUERY_STRING (PEP 3333 hands over bytes as latin-1)."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        return value
    return raw.decode("utf-8", errors="replace")


def page(title: str, heading: str, text: str = "") -> bytes:
    """A small HTML page. Every argument must already be escaped."""
    paragraph = f"\n<p>{text}</p>" if text else ""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        f'<head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>\n<h1>{heading}</h1>{paragraph}\n</body>\n"
        "</html>\n"
    ).encode()


class Countdown:
    """A response body that is produced while the server sends it.

    The server iterates over it (one line per step, with a pause in between) and must call
    close() at the end, as PEP 3333 says. Both moments are printed to standard error, so you
    can watch what your middleware does with a body it did not make:
    "countdown <name>: body finished" after the last piece, "countdown <name>: closed".
    """

    def __init__(self, name: str, start: int = 3) -> None:
        self.name = name
        self._pieces = self._produce(html.escape(name), start)
        self._finished = False

    @staticmethod
    def _produce(name: str, start: int):
        yield f"<!doctype html>\n<title>Countdown</title>\n<h1>Countdown for {name}</h1>\n".encode()
        for number in range(start, 0, -1):
            yield f"<p>T-minus {number}</p>\n".encode()
            time.sleep(COUNTDOWN_DELAY)
        yield b"<p>Liftoff!</p>\n"

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._pieces)
        except StopIteration:
            if not self._finished:
                self._finished = True
                print(f"countdown {self.name}: body finished", file=sys.stderr, flush=True)
            raise

    def close(self) -> None:
        print(f"countdown {self.name}: closed", file=sys.stderr, flush=True)


# -- the views: each returns (status, body); a body of bytes or an iterable of bytes -------


def index(environ):
    links = (
        "Try <code>/hello/Ada</code>, <code>/greet?name=Bob</code>, <code>/stream/Ada</code>, "
        "<code>/error</code> or <code>/secret</code>."
    )
    return "200 OK", page("Welcome", "Welcome to My WSGI App!", links)


def hello(environ, name):
    return "200 OK", page("Hello", f"Hello, {html.escape(name)}!")


def greet(environ):
    query = parse_qs(wsgi_text(environ.get("QUERY_STRING", "")))
    name = query.get("name", [""])[0] or "World"
    return "200 OK", page("Hello", f"Hello, {html.escape(name)}!")


def submit(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_FORM_BYTES:
        return "413 Content Too Large", page("Too large", "That form is too large.")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    form = {}
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", errors="replace"))
    message = form.get("message", [""])[0]
    if not message.strip():
        return "400 Bad Request", page(
            "Bad request", "400 Bad Request", "Send a form with a non-empty <code>message</code>."
        )
    return "200 OK", page("Submitted", f"You submitted: {html.escape(message)}")


def error(environ):
    raise RuntimeError("Houston, we have a problem (GET /error fails on purpose)")


def secret(environ):
    return "200 OK", page("Secret", "The launch code is 00000000.")


def stream(environ, name):
    return "200 OK", Countdown(name)


ROUTES = [
    (re.compile(r"/"), {"GET": index}),
    (re.compile(r"/hello/(?P<name>[^/]+)"), {"GET": hello}),
    (re.compile(r"/greet"), {"GET": greet}),
    (re.compile(r"/submit"), {"POST": submit}),
    (re.compile(r"/error"), {"GET": error}),
    (re.compile(r"/secret"), {"GET": secret}),
    (re.compile(r"/stream/(?P<name>[^/]+)"), {"GET": stream}),
]


def hello_app(environ, start_response):
    """Lesson d01's WSGI application, with /error, /secret and /stream/<name> added."""
    method = environ["REQUEST_METHOD"]
    path = wsgi_text(environ.get("PATH_INFO", "")) or "/"
    headers = []
    for pattern, views in ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        view = views.get(method)
        if view is None:
            allow = ", ".join(sorted(views))
            status = "405 Method Not Allowed"
            body = page("Method not allowed", status, f"Allowed: {allow}.")
            headers.append(("Allow", allow))
        else:
            status, body = view(environ, **match.groupdict())
        break
    else:
        status = "404 Not Found"
        body = page("Not found", status, f"Nothing lives at <code>{html.escape(path)}</code>.")
    headers.append(("Content-Type", "text/html; charset=utf-8"))
    if isinstance(body, bytes):
        headers.append(("Content-Length", str(len(body))))
        body = [body]
    # A streamed body has no Content-Length: its size is not known before it is sent.
    start_response(status, headers)
    return body
