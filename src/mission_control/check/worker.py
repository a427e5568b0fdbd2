"""Host a learner's WSGI app in a child process and answer the checker's requests.

The checker runs this file by path (``python worker.py ...``), not as part of the
``mission_control`` package, so that only the standard library and Werkzeug are loaded
before the learner's code. Everything the learner's code does (its imports, prints,
crashes, ``sys.exit``, ``os._exit``, endless loops) happens in this process and can only end
it; the checker notices through the pipes and reports it in plain words.

Requests are built with Werkzeug's EnvironBuilder and the app is called the way a server
calls it (:func:`call_app`), with a browser-like cookie jar per checkpoint.

Protocol: frames on two inherited pipes, each a 4-byte big-endian length and a JSON object.
The first frame the worker sends says whether the app is ready; after that each request frame
gets exactly one response frame. Bodies travel base64-encoded.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import struct
import sys
import time
import traceback
import warnings
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie


def send(stream, message: dict) -> None:
    payload = json.dumps(message).encode()
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def receive(stream) -> dict | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    return json.loads(stream.read(length))


def learner_traceback(exc: BaseException, app_dir: str) -> str:
    """The traceback of ``exc`` with only the learner's own frames, paths made relative."""
    root = os.path.join(os.path.realpath(app_dir), "")
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.isabs(frame.filename) and os.path.realpath(frame.filename).startswith(root)
    ]
    for frame in frames:
        frame.filename = os.path.relpath(os.path.realpath(frame.filename), root)
    lines = ["Traceback (your files only):\n"] if frames else []
    lines += traceback.format_list(frames)
    only = traceback.format_exception_only(type(exc), exc)
    lines += [line.replace(root, "") for line in only]
    return "".join(lines).rstrip()


def load_app(app_dir: str, module_name: str, attribute: str):
    """Import the learner's module and return ``(app, error)``; exactly one is not None."""
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exc:
        return None, {
            "kind": "app_exited",
            "message": f"Your {module_name}.py called sys.exit({exc.code!r}) while being "
            "imported, so there is no app to check. Keep start-up code that ends the "
            'program (argument parsing, app.run()) under `if __name__ == "__main__":`.',
        }
    except BaseException as exc:
        return None, {
            "kind": "import_error",
            "message": f"Your {module_name}.py does not import, so no checkpoint can run.\n\n"
            + learner_traceback(exc, app_dir),
        }
    app = getattr(module, attribute, None)
    if app is None or not callable(app):
        found = "is not callable" if app is not None else "was not found"
        return None, {
            "kind": "no_app",
            "message": f"{module_name}.py imports, but `{attribute}` {found}. The checker "
            f"looks for a WSGI app named `{attribute}` at the top level of {module_name}.py, "
            f"as in `{attribute} = Flask(__name__)`.",
        }
    return app, None


class CookieJar:
    """The cookies a browser would keep for the app under check (one host, so domains and
    paths are not told apart). A request that sets its own Cookie header sends exactly that."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def add_to(self, environ: dict) -> None:
        if "HTTP_COOKIE" not in environ and self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def update(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            parsed = SimpleCookie()
            try:
                parsed.load(value)
            except CookieError:
                continue
            for key, morsel in parsed.items():
                if morsel["max-age"] == "0" or _expired(morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.coded_value


def _expired(expires: str) -> bool:
    if not expires:
        return False
    try:
        moment = parsedate_to_datetime(expires)
    except (TypeError, ValueError):
        return False
    return moment.timestamp() < time.time()


def call_app(app, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app as a server does (PEP 3333), buffering the whole response.

    Unlike Werkzeug's test client, ``start_response(..., exc_info)`` before anything was
    sent replaces the headers instead of raising, as the PEP asks of servers.
    """
    state: dict = {"status": None, "headers": None, "sent": False}
    body: list[bytes] = []

    def write(data: bytes) -> None:
        if state["status"] is None:
            raise AssertionError("write() was called before start_response()")
        if not isinstance(data, bytes):
            raise TypeError(f"a WSGI body is bytes, not {type(data).__name__}: use .encode()")
        state["sent"] = state["sent"] or bool(data)
        body.append(data)

    def start_response(status: str, headers: list, exc_info=None):
        if exc_info:
            try:
                if state["sent"]:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif state["status"] is not None:
            raise AssertionError("start_response() was called twice without exc_info")
        state["status"], state["headers"] = status, [(str(k), str(v)) for k, v in headers]
        return write

    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk or not isinstance(chunk, bytes):  # empty bytes may come before the status
                write(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if state["status"] is None:
        raise AssertionError("the app returned without calling start_response()")
    return state["status"], state["headers"], b"".join(body)


def main() -> None:
    app_dir, entry, fd_in, fd_out = sys.argv[1:5]
    requests_in = os.fdopen(int(fd_in), "rb")
    responses_out = os.fdopen(int(fd_out), "wb")
    os.chdir(app_dir)
    sys.path[0] = app_dir  # the learner's folder, not the checker's, comes first
    sys.argv = [os.path.join(app_dir, entry.partition(":")[0] + ".py")]

    module_name, _, attribute = entry.partition(":")
    app, error = load_app(app_dir, module_name, attribute)
    if error:
        send(responses_out, {"type": "error", **error})
        return
    send(responses_out, {"type": "ready"})

    jar = CookieJar()
    while (message := receive(requests_in)) is not None:
        if message["type"] == "reset":
            jar = CookieJar()  # every checkpoint starts as a new visitor
            send(responses_out, {"type": "ok"})
            continue
        send(responses_out, handle(app, jar, message))


def handle(app, jar: CookieJar, message: dict) -> dict:
    """Run one request through the app; a frame for the checker."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(
        path=message["path"],
        method=message["method"],
        query_string=message["query"],
        headers=[tuple(pair) for pair in message["headers"]],
        data=base64.b64decode(message["body"]),
    ).get_environ()
    environ.update(REMOTE_ADDR="127.0.0.1", REMOTE_PORT="50000")
    jar.add_to(environ)
    with warnings.catch_warnings():
        if message.get("wsgi_lint"):
            # PEP 3333 conformance: wsgiref's validator raises on the first violation.
            from wsgiref.validate import WSGIWarning, validator

            warnings.simplefilter("error", WSGIWarning)
            app = validator(app)
        try:
            status, headers, body = call_app(app, environ)
        except BaseException as exc:  # the learner's app raised: report it
            if isinstance(exc, SystemExit | KeyboardInterrupt):
                raise
            trace = traceback.format_exc()
            print(trace, file=sys.stderr, flush=True)  # what a real server would log
            text = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return {"type": "raised", "exception": text, "traceback": trace}
    jar.update(headers)
    if message["method"] == "HEAD":
        body = b""  # a server sends no body in answer to HEAD
    return {
        "type": "response",
        "status": status,
        "headers": [list(pair) for pair in headers],
        "body": base64.b64encode(body).decode(),
    }


if __name__ == "__main__":
    main()
