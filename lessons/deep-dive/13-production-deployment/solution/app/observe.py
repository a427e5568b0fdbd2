"""What production needs to see and to send on every request: one JSON log line per
request (and one JSON record per error, traceback included) on stdout, a request id that
ties the proxy's log to the app's, and the security headers.

stdout, not a file: gunicorn, Docker and every log collector read a process's stdout, and
a JSON object per line can be searched without a parser of its own.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # what we accept from the proxy
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

request_log = logging.getLogger("app.request")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, the request id
    when there is a request, the fields passed in ``extra={"fields": {...}}``, and the
    traceback of an exception as one string (so it stays one line)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app):
    """Send the app's logs (and the request log) as JSON lines to stdout, at LOG_LEVEL."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    level = logging.getLevelName(app.config["LOG_LEVEL"])
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL {app.config['LOG_LEVEL']!r} is not a logging level")
    for logger in (app.logger, request_log):
        logger.handlers.clear()
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    app.logger.removeHandler(default_handler)


def init_app(app):
    configure_logging(app)

    @app.before_request
    def start_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.is_secure:  # the scheme nginx received, through ProxyFix
            response.headers["Strict-Transport-Security"] = HSTS
        started = g.get("started", time.perf_counter())
        request_log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote_addr": request.remote_addr,
                }
            },
        )
        return response
