"""What runs beside the learner's app for a check: the lesson's ``[[check.services]]``.

Each service kind has one implementation here, registered in :data:`KINDS` under the name
the catalog validates (:data:`mission_control.catalog.SERVICE_KINDS`). A service starts
before the app, gives the app its address in environment variables (:attr:`Service.env`),
and is always stopped: :func:`running_services` is a context manager that stops every
service it started, even when starting a later one fails.

- ``fake``: a fake outside service on a free 127.0.0.1 port, either a WSGI app in a file of
  the lesson (served in this process, every request recorded, so a checkpoint can tell
  whether and how often the app called the outside world) or a command that listens on
  ``$PORT``.
- ``postgres``: a throwaway database for the check (:mod:`.database`): PostgreSQL on
  127.0.0.1:5432, or a SQLite file where none answers (said in :attr:`RunningService.notice`).
- ``redis``: a Redis database of the check's own (:mod:`.redis_service`), flushed at the end;
  where no Redis answers the checkpoints are skipped (:class:`ServiceUnavailable`).
- ``smtp``: a fake mail server in this process (:mod:`.mail`), read by the ``mailbox`` fixture.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mission_control.catalog import Lesson
from mission_control.catalog import Service as ServiceSpec
from mission_control.check.processes import ManagedProcess, free_port, port_answers
from mission_control.check.report import ErrorKind, TargetError


class RunningService:
    """A started service: the variables it gives the app, and how to stop it. ``notice``
    is a sentence the report shows first (e.g. that a fallback is in use)."""

    notice: str | None = None

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.env: dict[str, str] = {}

    def stop(self) -> None:
        pass


class ServiceUnavailable(TargetError):
    """A service the lesson needs is not there on this machine (and ``CI`` is not set): the
    check does not run, and every checkpoint is skipped with this message, which says how
    to start it."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.SERVICE_FAILED, message)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # the fake's requests are recorded, not printed


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: str
    at: float  # time.monotonic()


class FakeService(RunningService):
    """One running fake: ``url``, the recorded ``requests`` and, for a WSGI fake, the
    ``app`` itself (whose module may offer switches, e.g. to make the fake answer 500)."""

    def __init__(self, lesson: Lesson, spec: ServiceSpec) -> None:
        super().__init__(spec)
        self.requests: list[FakeRequest] = []
        self.app: Any = None
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._process: ManagedProcess | None = None
        if spec.option("app"):
            file, _, attribute = spec.option("app").partition(":")
            self.app = _load(
                lesson.path / file, f"mission_fake_{lesson.id}_{Path(file).stem}", attribute
            )
            self._server = make_server(
                "127.0.0.1", 0, self._record, threaded=True, request_handler=_QuietHandler
            )
            port = self._server.server_port
            threading.Thread(
                target=self._server.serve_forever, name=f"fake-{spec.env}", daemon=True
            ).start()
        else:
            port = free_port()
            self._process = ManagedProcess(
                f"fake {spec.env}",
                spec.option("run"),
                lesson.path,
                {"PORT": str(port)},
                trusted=True,  # course code, run from the lesson's own folder
            )
            self._process.start()
            _wait_for_port(self._process, port, spec)
        self.url = f"http://127.0.0.1:{port}"
        self.env = {spec.env: self.env_value}

    @property
    def env_value(self) -> str:
        """What the learner's app finds in its environment variable."""
        return self.url + self.spec.option("path")

    def _record(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
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
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._process is not None:
            self._process.stop()


def _wait_for_port(
    process: ManagedProcess, port: int, spec: ServiceSpec, timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.exit_code() is not None:
            break
        if port_answers(port):
            return
        time.sleep(0.05)
    process.stop()
    raise TargetError(
        ErrorKind.SERVICE_FAILED,
        f"The fake service for {spec.env} (`{spec.option('run')}`) did not answer on its port "
        f"within {timeout:g} s.{process.printed()}",
    )


def _load(file: Path, name: str, attribute: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise TargetError(ErrorKind.SERVICE_FAILED, f"{file} cannot be loaded as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def _database(lesson: Lesson, spec: ServiceSpec) -> RunningService:
    """A check's own database; psycopg is imported only by lessons that have one."""
    from mission_control.check.database import DatabaseService

    return DatabaseService(lesson, spec)


def _redis(lesson: Lesson, spec: ServiceSpec) -> RunningService:
    from mission_control.check.redis_service import RedisService

    return RedisService(lesson, spec)


def _smtp(lesson: Lesson, spec: ServiceSpec) -> RunningService:
    from mission_control.check.mail import MailService

    return MailService(lesson, spec)


#: Service kind -> how to start one. Keep in step with catalog.SERVICE_KINDS.
KINDS: dict[str, Callable[[Lesson, ServiceSpec], RunningService]] = {
    "fake": FakeService,
    "postgres": _database,
    "redis": _redis,
    "smtp": _smtp,
}


@contextlib.contextmanager
def running_services(lesson: Lesson) -> Iterator[dict[str, RunningService]]:
    """Start every service of ``lesson`` (keyed by the variable that points at it) and stop
    them all at the end, whatever happens."""
    started: dict[str, RunningService] = {}
    try:
        for spec in lesson.services:
            started[spec.env] = KINDS[spec.kind](lesson, spec)
        yield started
    finally:
        for service in reversed(started.values()):
            with contextlib.suppress(Exception):
                service.stop()


def service_env(services: dict[str, RunningService]) -> dict[str, str]:
    """Every variable the services give the app."""
    env: dict[str, str] = {}
    for service in services.values():
        env.update(service.env)
    return env
