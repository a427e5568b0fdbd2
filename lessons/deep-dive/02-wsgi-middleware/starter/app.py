"""Lesson d02 · WSGI middleware (your starter).

`app` is what the server calls. Wrap hello_app (lesson d01's app, given) in the four
middleware of middleware.py. Run it with `SECRET_TOKEN=launch-code-42 python app.py`.
"""

import contextlib
import os
from wsgiref.simple_server import WSGIRequestHandler, make_server

from hello_app import hello_app

# TODO: import the four classes from middleware and wrap hello_app in all of them, e.g.
#   app = LoggingMiddleware(TimingMiddleware(ErrorMiddleware(AuthMiddleware(hello_app))))
#   The first one named is the outermost: the server calls it first. Why this order?
#   (README, "The order of the layers".)
app = hello_app


class QuietHandler(WSGIRequestHandler):
    """wsgiref's request handler without its own access log: LoggingMiddleware does that."""

    def log_request(self, code="-", size="-"):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, app, handler_class=QuietHandler) as server:
        print(f"Serving on http://127.0.0.1:{port} (Ctrl+C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops it without a traceback
            server.serve_forever()
