"""Host a learner's WSGI app in a child process and answer the checker's requests.

The checker runs this file by path (``python worker.py ...``), not as part of the
``mission_control`` package, so that only the standard library and Werkzeug's test client are
loaded before the learner's code. Everything the learner's code does (its imports, prints,
crashes, ``sys.exit``, ``os._exit``, endless loops) happens in this process and can only end
it; the checker notices through the pipes and reports it in plain words.

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
import traceback
import warnings


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


def main() -> None:
    app_dir, entry, fd_in, fd_out = sys.argv[1:5]
    requests_in = os.fdopen(int(fd_in), "rb")
    responses_out = os.fdopen(int(fd_out), "wb")
    os.chdir(app_dir)
    sys.path[0] = app_dir  # the learner's folder, not the checker's, comes first
    sys.argv = [os.path.join(app_dir, entry.partition(":")[0] + ".py")]

    from werkzeug.test import Client

    module_name, _, attribute = entry.partition(":")
    app, error = load_app(app_dir, module_name, attribute)
    if error:
        send(responses_out, {"type": "error", **error})
        return
    send(responses_out, {"type": "ready"})

    client = Client(app)
    while (message := receive(requests_in)) is not None:
        if message["type"] == "reset":
            client = Client(app)  # a fresh cookie jar for the next checkpoint
            send(responses_out, {"type": "ok"})
            continue
        send(responses_out, handle(client, app, message))


def handle(client, app, message: dict) -> dict:
    """Run one request through the app with Werkzeug's test client."""
    target = client
    with warnings.catch_warnings():
        if message.get("wsgi_lint"):
            # PEP 3333 conformance: wsgiref's validator raises on the first violation.
            from wsgiref.validate import WSGIWarning, validator

            from werkzeug.test import Client

            warnings.simplefilter("error", WSGIWarning)
            target = Client(validator(app))
        return run(target, message)


def run(target, message: dict) -> dict:
    """One request through ``target``, a Werkzeug test client; a frame for the checker."""
    body = base64.b64decode(message["body"])
    headers = [tuple(pair) for pair in message["headers"]]
    try:
        response = target.open(
            message["path"],
            method=message["method"],
            query_string=message["query"],
            headers=headers,
            data=body,
        )
        try:
            data = response.get_data()
        finally:
            response.close()
    except BaseException as exc:
        if isinstance(exc, SystemExit | KeyboardInterrupt):
            raise
        trace = traceback.format_exc()
        print(trace, file=sys.stderr, flush=True)  # what a real server would log
        text = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return {"type": "raised", "exception": text, "traceback": trace}
    return {
        "type": "response",
        "status": response.status,
        "headers": [list(pair) for pair in response.headers.to_wsgi_list()],
        "body": base64.b64encode(data).decode(),
    }


if __name__ == "__main__":
    main()
