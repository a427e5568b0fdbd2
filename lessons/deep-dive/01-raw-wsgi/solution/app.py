"""Lesson d01 · A raw WSGI application (reference solution).

No framework: one function, ``app(environ, start_response)``, that a WSGI server calls once
per request. It reads the request from the ``environ`` dict, chooses what to do from the
method and the path, and answers through ``start_response`` and a list of bytes. Only the
standard library: ``wsgiref`` serves it, ``urllib.parse`` reads forms, ``html`` escapes.
"""

import contextlib
import html
import os
import re
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

MAX_FORM_BYTES = 64 * 1024  # a form bigger than this is refused (413), never read


def wsgi_text(value: str) -> str:
    """Real text from a PATH_INFO or QUERY_STRING value.

    PEP 3333 hands the app each byte of the URL as one character (latin-1), because a server
    cannot know which encoding the client used. Re-encode to get the bytes back, then decode
    them as the UTF-8 that browsers and curl send; bytes that are not UTF-8 become "�".
    """
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # a server that already decoded it (not PEP 3333, but seen)
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


def respond(start_response, status: str, body: bytes, headers=()):
    """Send the status and headers, and return the body as a one-item list of bytes."""
    start_response(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),  # bytes, not characters: "ü" is 2 bytes
            *headers,
        ],
    )
    return [body]


# -- the views: each returns (status, body) ------------------------------------------------


def index(environ):
    links = (
        "Try <code>/hello/Ada</code> or <code>/greet?name=Bob</code>, or POST a form with a "
        "<code>message</code> to <code>/submit</code>."
    )
    return "200 OK", page("Welcome", "Welcome to My WSGI App!", links)


def hello(environ, name):
    return "200 OK", page("Hello", f"Hello, {html.escape(name)}!")


def greet(environ):
    query = parse_qs(wsgi_text(environ.get("QUERY_STRING", "")))
    name = query.get("name", [""])[0] or "World"
    return "200 OK", page("Hello", f"Hello, {html.escape(name)}!")


def submit(environ):
    form = read_form(environ)
    if form is None:
        return "413 Content Too Large", page("Too large", "That form is too large.")
    message = form.get("message", [""])[0]
    if not message.strip():
        return "400 Bad Request", page(
            "Bad request", "400 Bad Request", "Send a form with a non-empty <code>message</code>."
        )
    return "200 OK", page("Submitted", f"You submitted: {html.escape(message)}")


def read_form(environ):
    """The url-encoded form in the body as {name: [values]}; None if it is too large."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_FORM_BYTES:
        return None
    # Read exactly CONTENT_LENGTH bytes: read() with no size may wait for more forever.
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    if content_type != "application/x-www-form-urlencoded":
        return {}
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


# -- routing -------------------------------------------------------------------------------

# (pattern for the whole path, {method: view}); named groups become keyword arguments.
ROUTES = [
    (re.compile(r"/"), {"GET": index}),
    (re.compile(r"/hello/(?P<name>[^/]+)"), {"GET": hello}),
    (re.compile(r"/greet"), {"GET": greet}),
    (re.compile(r"/submit"), {"POST": submit}),
]


def app(environ, start_response):
    """The WSGI application: the server calls it once per request."""
    method = environ["REQUEST_METHOD"]
    path = wsgi_text(environ.get("PATH_INFO", "")) or "/"
    for pattern, views in ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        view = views.get(method)
        if view is None:
            allow = ", ".join(sorted(views))
            body = page(
                "Method not allowed",
                "405 Method Not Allowed",
                f"{html.escape(method)} is not allowed here. Allowed: {allow}.",
            )
            return respond(start_response, "405 Method Not Allowed", body, [("Allow", allow)])
        status, body = view(environ, **match.groupdict())
        return respond(start_response, status, body)
    body = page("Not found", "404 Not Found", f"Nothing lives at <code>{html.escape(path)}</code>.")
    return respond(start_response, "404 Not Found", body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, app) as server:
        print(f"Serving on http://127.0.0.1:{port} (Ctrl+C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops it without a traceback
            server.serve_forever()
