"""Lesson d01 · A raw WSGI application (your starter).

No framework: `app` is a plain function that a WSGI server calls once per request. Fill in
the TODOs until `mission check d01` is all green; the README has the contract. Use only the
standard library (html, os, re, urllib.parse, wsgiref). Run it with `python app.py`.
"""

import contextlib
import os
from wsgiref.simple_server import make_server


def app(environ, start_response):
    """The WSGI application: the server calls it once per request.

    `environ` is a dict describing the request (REQUEST_METHOD, PATH_INFO, QUERY_STRING,
    CONTENT_TYPE, CONTENT_LENGTH, wsgi.input...). Call start_response(status, headers) once,
    then return the body as a list of bytes.
    """
    # TODO 1: read the method and the path. PATH_INFO holds the path's *bytes* as latin-1
    #   text (PEP 3333): path = environ["PATH_INFO"].encode("latin-1").decode("utf-8",
    #   errors="replace") turns "/hello/JÃ¼rgen" back into "/hello/Jürgen".
    # TODO 2: route it:
    #   GET /              -> <h1>Welcome to My WSGI App!</h1>
    #   GET /hello/<name>  -> <h1>Hello, <name>!</h1>   (<name> is one path segment)
    #   GET /greet?name=.. -> <h1>Hello, <name>!</h1>   ("World" when name is missing or empty)
    #   POST /submit       -> <h1>You submitted: <message></h1>  (form field "message";
    #                         400 page when it is missing or blank)
    # TODO 3: a path nobody serves -> 404 page; a known path with another method -> 405 page
    #   with an Allow header listing the methods that path accepts.
    # TODO 4: every response: Content-Type "text/html; charset=utf-8" and a Content-Length
    #   that counts *bytes* (len(body) after .encode("utf-8")).
    # TODO 5: html.escape() everything you echo back, or /hello/<script>... runs in the page.
    body = b"Not implemented yet: see the TODOs in app.py"
    start_response("501 Not Implemented", [("Content-Type", "text/plain")])
    return [body]


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, app) as server:
        print(f"Serving on http://127.0.0.1:{port} (Ctrl+C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops it without a traceback
            server.serve_forever()
