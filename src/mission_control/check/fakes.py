"""Fake outside services (a weather API, a mail server, a payment provider) for checks.

A lesson names its fakes in ``lesson.toml`` (``[[check.fakes]]``): a WSGI app in a file of
the lesson. The checker serves each on a free 127.0.0.1 port in this process, before the
learner's app starts, and hands the address to the app in an environment variable. Every
request the fake receives is recorded, so a checkpoint can tell whether the learner's app
called the outside world, and how often.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from mission_control.catalog import Fake, Lesson


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # the fake's requests are recorded, not printed


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: str
    at: float  # time.monotonic()


class FakeService:
    """One running fake: ``url``, the recorded ``requests`` and the WSGI ``app`` itself
    (whose module may offer switches, e.g. to make the fake answer 500)."""

    def __init__(self, lesson: Lesson, fake: Fake) -> None:
        self.spec = fake
        file, _, attribute = fake.app.partition(":")
        self.app = _load(
            lesson.path / file, f"mission_fake_{lesson.id}_{Path(file).stem}", attribute
        )
        self.requests: list[FakeRequest] = []
        self._lock = threading.Lock()
        self._server = make_server(
            "127.0.0.1", 0, self._record, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"fake-{fake.env}", daemon=True
        )
        self._thread.start()

    @property
    def env_value(self) -> str:
        """What the learner's app finds in its environment variable."""
        return self.url + self.spec.path

    def _record(self, environ: dict, start_response: Any) -> Any:
        with self._lock:
            self.requests.append(
                FakeRequest(
                    environ["REQUEST_METHOD"],
                    environ.get("PATH_INFO", ""),
                    environ.get("QUERY_STRING", ""),
                    time.monotonic(),
                )
            )
        return self.app(environ, start_response)

    def count(self, path: str | None = None) -> int:
        """How many requests reached the fake (at ``path``, if given)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _load(file: Path, name: str, attribute: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def start_fakes(lesson: Lesson) -> dict[str, FakeService]:
    """Start every fake of ``lesson``, keyed by the environment variable it fills."""
    return {fake.env: FakeService(lesson, fake) for fake in lesson.fakes}
