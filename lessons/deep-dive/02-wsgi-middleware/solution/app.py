"""Lesson d02 · WSGI middleware (reference solution).

`app` is lesson d01's application wrapped in four middleware. The server calls the
outermost one; each calls the next, down to hello_app, and the answer travels back out
through them in reverse order.
"""

import contextlib
import os
from wsgiref.simple_server import WSGIRequestHandler, make_server

from hello_app import hello_app
from middleware import AuthMiddleware, ErrorMiddleware, LoggingMiddleware, TimingMiddleware

# Outermost first. Logging sees every request and its final status (the 500 that
# ErrorMiddleware made, the 401 that AuthMiddleware made), so it goes outside them all;
# Timing measures everything below it, error pages and refusals included; Error catches
# whatever the app (or Auth) raises; Auth sits closest to the app it protects.
app = LoggingMiddleware(TimingMiddleware(ErrorMiddleware(AuthMiddleware(hello_app))))


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
