"""What production needs to see and to send on every request.

TODO (d13): in ``init_app``,
- send the app's logs to stdout as one JSON object per line (a ``logging.Formatter``
  whose ``format`` returns ``json.dumps(...)``), at the level in ``LOG_LEVEL``, with the
  traceback of an error inside that one line;
- give every request an id (the ``X-Request-ID`` nginx sends, else a new one), send it
  back in the ``X-Request-ID`` header, and log one line per request: time, request_id,
  method, path, status, duration_ms, remote_addr;
- set the security headers on every response (HSTS only over https).
"""


def init_app(app):
    """TODO (d13): configure logging and register the before/after request functions."""
