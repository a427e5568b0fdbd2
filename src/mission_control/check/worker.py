"""Host a learner's WSGI app in a child process and answer the checker's requests.

The checker runs this file by path (``python worker.py ...``), not as part of the
``mission_control`` package, so that only the standard library and Werkzeug are loaded
before the learner's code. Everything the learner's code does (its imports, prints,
crashes, ``sys.exit``, ``os._exit``, endless loops) happens in this process and can only end
it; the checker notices through the pipes and reports it in plain words.

Requests are built with Werkzeug's EnvironBuilder and the app is called the way a server
calls it (:func:`call_app`), with a browser-like cookie jar per checkpoint.

The course itself is taken off ``sys.path`` (the course is installed in the same
environment, and the learner's code has no business importing the checker or the catalog).

Protocol: frames on two inherited pipes, each a 4-byte big-endian length and a JSON object.
The worker waits for a ``go`` frame before it imports the learner's code (the checker sends
it once the checkpoints are collected, so no learner code runs before they are in memory);
the first frame the worker sends says whether the app is ready; after that each request frame
gets exactly one response frame. Bodies travel base64-encoded.
"""

from __future__ import annotations

import base64
import contextlib
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
from typing import Any, BinaryIO


def send(stream: BinaryIO, message: dict) -> None:
    payload = json.dumps(message).encode()
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def receive(stream: BinaryIO) -> dict | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    message: dict = json.loads(stream.read(length))
    return message


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


def load_app(app_dir: str, entry: dict) -> tuple[Any, dict | None]:
    """Import the learner's module, find (or build, with a factory) the app, and return
    ``(app, error)``; exactly one is not None."""
    module_name, attribute = entry["module"], entry["attribute"]
    shown = module_name.replace(".", "/") + ".py"
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exc:
        return None, {
            "kind": "app_exited",
            "message": f"Your {shown} called sys.exit({exc.code!r}) while being "
            "imported, so there is no app to check. Keep start-up code that ends the "
            'program (argument parsing, app.run()) under `if __name__ == "__main__":`.',
        }
    except BaseException as exc:
        return None, {
            "kind": "import_error",
            "message": f"Your {shown} does not import, so no checkpoint can run.\n\n"
            + learner_traceback(exc, app_dir),
        }
    found = getattr(module, attribute, None)
    if entry["call"]:
        call = f"{attribute}({', '.join(map(repr, entry['args']))})"
        if found is None or not callable(found):
            return None, {
                "kind": "no_app",
                "message": f"{shown} imports, but it has no function `{attribute}` to call as "
                f"`{call}`. An application factory is a function that builds and returns "
                f"the app: `def {attribute}(config_name=None): app = Flask(__name__); ...; "
                "return app`.",
            }
        try:
            found = found(*entry["args"], **entry["kwargs"])
        except BaseException as exc:
            return None, {
                "kind": "factory_error",
                "message": f"Your {shown} imports, but `{call}` raised an exception, so there "
                "is no app to check.\n\n" + learner_traceback(exc, app_dir),
            }
        if found is None or not callable(found):
            return None, {
                "kind": "factory_error",
                "message": f"`{call}` returned {type(found).__name__}, not an app: does "
                "your factory end with `return app`?",
            }
        return found, None
    if found is None or not callable(found):
        problem = "is not callable" if found is not None else "was not found"
        return None, {
            "kind": "no_app",
            "message": f"{shown} imports, but `{attribute}` {problem}. The checker "
            f"looks for a WSGI app named `{attribute}` at the top level of {shown}, "
            f"as in `{attribute} = Flask(__name__)`.",
        }
    return found, None


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


def call_app(app: Any, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
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

    def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
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


def without_course(path: list[str]) -> list[str]:
    """``sys.path`` less the folders the course's own package is imported from."""
    return [item for item in path if not os.path.isdir(os.path.join(item, "mission_control"))]


def preload(app_dir: str) -> None:
    """Import what every request needs while the checker is still collecting, unless the
    learner's folder has a module of that name."""
    if not os.path.exists(os.path.join(app_dir, "werkzeug")) and not os.path.exists(
        os.path.join(app_dir, "werkzeug.py")
    ):
        with contextlib.suppress(ImportError):
            import werkzeug.test  # noqa: F401


def main() -> None:
    app_dir, entry_json, fd_in, fd_out = sys.argv[1:5]
    entry = json.loads(entry_json)
    requests_in = os.fdopen(int(fd_in), "rb")
    responses_out = os.fdopen(int(fd_out), "wb")
    os.chdir(app_dir)
    sys.path[:] = [app_dir, *without_course(sys.path[1:])]  # the learner's folder first
    sys.argv = [os.path.join(app_dir, entry["module"].replace(".", os.sep) + ".py")]
    preload(app_dir)
    go = receive(requests_in)
    if go is None or go.get("type") != "go":
        return

    app, error = load_app(app_dir, entry)
    if error:
        send(responses_out, {"type": "error", **error})
        return
    if entry.get("interface") == "asgi":
        app = AsgiBridge(app)
    send(responses_out, {"type": "ready"})

    jar = CookieJar()
    while (message := receive(requests_in)) is not None:
        if message["type"] == "reset":
            jar = CookieJar()  # every checkpoint starts as a new visitor
            send(responses_out, {"type": "ok"})
            continue
        send(responses_out, handle(app, jar, message))


class AsgiBridge:
    """Calls an ASGI app for each WSGI environ, on one event loop kept for the whole check,
    after the app's lifespan start-up (as uvicorn runs it)."""

    def __init__(self, app: Any) -> None:
        import asyncio

        self.app = app
        self.loop = asyncio.new_event_loop()
        self._lifespan: Any = None
        self.loop.run_until_complete(self._startup())

    async def _startup(self) -> None:
        import asyncio

        inbox: asyncio.Queue[dict] = asyncio.Queue()
        started = asyncio.get_running_loop().create_future()

        async def receive() -> dict:
            return await inbox.get()

        async def send(message: dict) -> None:
            if not started.done() and message["type"].startswith("lifespan.startup"):
                started.set_result(message)

        async def run() -> None:
            with contextlib.suppress(Exception):  # no lifespan support: uvicorn's "auto" mode
                await self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
            if not started.done():
                started.set_result({"type": "lifespan.unsupported"})

        await inbox.put({"type": "lifespan.startup"})
        self._lifespan = asyncio.ensure_future(run())
        message = await started
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(message.get("message") or "the ASGI lifespan start-up failed")

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        status, headers, body = self.loop.run_until_complete(self._request(environ))
        start_response(status, headers)
        return [body]

    async def _request(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        from http import HTTPStatus

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (key[5:].replace("_", "-").lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers.append((key.replace("_", "-").lower().encode(), environ[key].encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": environ["REQUEST_METHOD"],
            "scheme": "http",
            "path": environ.get("PATH_INFO", "/"),
            "raw_path": environ.get("PATH_INFO", "/").encode("latin-1"),
            "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
            "root_path": "",
            "headers": headers,
            "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 50000),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        answer: dict = {"status": 500, "headers": [], "body": []}

        async def receive() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))

        await self.app(scope, receive, send)
        code = answer["status"]
        try:
            phrase = HTTPStatus(code).phrase.upper()
        except ValueError:
            phrase = "UNKNOWN"
        return f"{code} {phrase}", answer["headers"], b"".join(answer["body"])


def handle(app: Any, jar: CookieJar, message: dict) -> dict:
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
