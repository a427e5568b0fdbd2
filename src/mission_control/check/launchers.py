"""How the learner's app runs during a check: three launchers, one interface.

- :class:`ImportLauncher`: the app object imported in a child process (``worker.py``): a
  WSGI app, an ASGI app, or a factory called the way ``flask --app`` reads
  ``module:create_app(args)``; the module may be a package. Requests reach it through a
  :class:`~mission_control.check.transports.WsgiPipe`.
- :class:`CommandLauncher`: the lesson's run command (``python app.py``, ``uvicorn ...``)
  on a free 127.0.0.1 port given in ``PORT``, reached over HTTP.
- :class:`UrlLauncher`: a server that is already running somewhere; nothing is started.

A launcher starts, waits until ready (raising :class:`~.report.TargetError` with a message a
learner can act on), says whether it is still alive, gives its transport, and stops. The
processes that run beside the app (a worker, a scheduler) are :class:`ExtraProcesses`,
started the same way under every launcher that has a folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from mission_control.catalog import Entry, Process
from mission_control.check.processes import (
    AppLog,
    ManagedProcess,
    app_environment,
    describe_exit,
    free_port,
    port_answers,
    spawn,
    stop_process,
)
from mission_control.check.report import ErrorKind, TargetError, TargetKind
from mission_control.check.sandbox import Sandbox
from mission_control.check.transports import (
    HttpTransport,
    PipeClosed,
    Transport,
    WsgiPipe,
)

WORKER = Path(__file__).with_name("worker.py")
_WORKER_SOURCE: list[str] = []  # read once: the child may not be able to see src/


def worker_source() -> str:
    """worker.py's code, run with ``python -c`` so the child needs no access to the course."""
    if not _WORKER_SOURCE:
        _WORKER_SOURCE.append(WORKER.read_text(encoding="utf-8"))
    return _WORKER_SOURCE[0]


class Launcher(ABC):
    kind: TargetKind
    log: AppLog  # what the app's own process printed

    @abstractmethod
    def start(self) -> None:
        """Begin starting the app; may return before it is ready."""

    @abstractmethod
    def wait_ready(self) -> None:
        """Block until the app answers; :class:`TargetError` if it never will."""

    @abstractmethod
    def alive(self) -> bool:
        """Whether the app can still take a request without being started again."""

    @property
    @abstractmethod
    def transport(self) -> Transport: ...

    @property
    def logs(self) -> dict[str, AppLog]:
        """Every log of the launcher's own processes, by name (``web`` at least)."""
        return {"web": self.log}

    def lost(self, reason: str = "") -> str:
        """Why a request found the app gone (``reason``: what the transport saw)."""
        return f"the connection failed ({reason})." if reason else "the connection failed."

    def stop(self, graceful: bool = False) -> None:  # noqa: B027 (nothing to stop at a URL)
        """Stop the app's processes; ``graceful`` gives them time to shut down cleanly."""


class ImportLauncher(Launcher):
    """The app imported by ``worker.py`` in a child process, in the sandbox."""

    kind = TargetKind.INPROCESS

    def __init__(
        self,
        sandbox: Sandbox,
        entry: Entry,
        *,
        interface: str = "wsgi",
        env: Mapping[str, str] | None = None,
        import_timeout: float = 15.0,
    ) -> None:
        self.sandbox = sandbox
        self.entry = entry
        self.interface = interface
        self.env = dict(env or {})
        self.import_timeout = import_timeout
        self.log = AppLog("web")
        self.process: subprocess.Popen[bytes] | None = None
        self._pipe: WsgiPipe | None = None

    @property
    def transport(self) -> WsgiPipe:
        if self._pipe is None:
            raise PipeClosed
        return self._pipe

    def start(self, hold: bool = False) -> None:
        """Start the worker; with ``hold`` it waits for :meth:`release` before it imports
        the learner's code."""
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        entry = {
            "module": self.entry.module,
            "attribute": self.entry.attribute,
            "call": self.entry.call,
            "args": list(self.entry.args),
            "kwargs": dict(self.entry.kwargs),
            "interface": self.interface,
        }
        try:
            self.process = spawn(
                [
                    sys.executable,
                    "-c",
                    worker_source(),
                    str(self.sandbox.path),
                    json.dumps(entry),
                    str(requests_r),
                    str(responses_w),
                ],
                pass_fds=(requests_r, responses_w),
                cwd=self.sandbox.path,
                env=app_environment(self.env),
            )
        finally:
            os.close(requests_r)
            os.close(responses_w)
        self._pipe = WsgiPipe(requests_w, responses_r, self.sandbox.restore_paths)
        if not hold:
            self.release()
        assert self.process.stdout is not None and self.process.stderr is not None
        self.log.pump(self.process.stdout, "stdout", self.sandbox.restore_paths)
        self.log.pump(self.process.stderr, "stderr", self.sandbox.restore_paths)

    def release(self) -> None:
        """Let a held worker import the learner's code."""
        with contextlib.suppress(PipeClosed):
            self.transport.write({"type": "go"})

    def wait_ready(self) -> None:
        module = self.entry.module
        try:
            frame = self.transport.read(self.import_timeout)
        except TimeoutError:
            raise TargetError(
                ErrorKind.IMPORT_TIMEOUT,
                f"Importing your {module}.py did not finish within "
                f"{self.import_timeout:g} s, so no checkpoint can run. The usual cause is "
                "app.run() (or an endless loop) at the top level of the file: keep app.run() "
                'under `if __name__ == "__main__":` so importing the file does not start a '
                "server.",
            ) from None
        except PipeClosed:
            raise TargetError(
                ErrorKind.APP_EXITED,
                f"Your app's process ended while it was being imported ({self._exit()}), so "
                "no checkpoint can run. Something at the top level of your file ends the "
                f"program (os._exit, a crash in a C extension, a signal).{self._printed()}",
            ) from None
        if frame["type"] == "error":
            raise TargetError(
                ErrorKind(frame["kind"]), self.sandbox.restore_paths(frame["message"])
            )

    def alive(self) -> bool:
        return (
            self.process is not None
            and self.process.poll() is None
            and self._pipe is not None
            and self._pipe.open
        )

    def lost(self, reason: str = "") -> str:
        if reason and self.process is not None and self.process.poll() is None:
            return f"{reason}."  # the worker is fine; its answer was not
        return f"its process ended ({self._exit()}).{self._printed()}"

    def stop(self, graceful: bool = False) -> None:
        if self._pipe is not None:
            self._pipe.close()  # the worker exits by itself once its request pipe closes
            self._pipe = None
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(2.0 if graceful else 0.05)
            stop_process(self.process, grace=1.0 if graceful else 0)

    def _exit(self) -> str:
        if self.process is None:
            return "it never started"
        try:
            code = self.process.wait(2.0)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        return describe_exit(code)

    def _printed(self) -> str:
        time.sleep(0.05)  # let the log pumps catch the last lines
        tail = self.log.tail(10)
        return f"\n\nThe last lines your app printed:\n{tail}" if tail else ""


class CommandLauncher(Launcher):
    """The lesson's run command, on a free port given in ``PORT``, always stopped."""

    kind = TargetKind.SERVE

    def __init__(
        self,
        sandbox: Sandbox,
        command: str,
        *,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        self.port = free_port()
        self.command = command
        self.start_timeout = start_timeout
        self.web = ManagedProcess(
            "web",
            command,
            sandbox.path,
            {**(env or {}), "PORT": str(self.port)},
            sandbox.restore_paths,
        )
        self.log = self.web.log
        self._http = HttpTransport(f"http://127.0.0.1:{self.port}")

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def transport(self) -> HttpTransport:
        return self._http

    def start(self) -> None:
        self.web.start()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = self.web.exit_code()
            if code is not None:
                raise TargetError(
                    ErrorKind.SERVER_EXITED,
                    f"`{self.command}` stopped before it answered ({describe_exit(code)}), so "
                    f"no checkpoint can run.{self.web.printed()}",
                )
            if port_answers(self.port):
                return
            time.sleep(0.05)
        raise TargetError(
            ErrorKind.SERVER_NOT_ANSWERING,
            f"`{self.command}` started, but nothing answered on 127.0.0.1:{self.port} within "
            f"{self.start_timeout:g} s. The checker tells your app which port to use in the "
            "PORT environment variable: does your app read it, as in "
            '`app.run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)))`?',
        )

    def alive(self) -> bool:
        return self.web.alive

    def lost(self, reason: str = "") -> str:
        code = self.web.exit_code(wait=1.0)
        if code is not None:
            return f"the server exited ({describe_exit(code)}).\n\n{self.log.tail(10)}"
        return super().lost(reason)

    def stop(self, graceful: bool = False) -> None:
        self.web.stop(grace=3.0 if graceful else 1.0)
        self._http.reset_session()

    def close(self) -> None:
        self._http.close()


class UrlLauncher(Launcher):
    """A server someone else started; the checker only sends it requests."""

    kind = TargetKind.URL

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.log = AppLog("web")  # stays empty: the checker cannot see the server's output
        self._http = HttpTransport(self.url)

    @property
    def transport(self) -> HttpTransport:
        return self._http

    def start(self) -> None:
        pass

    def wait_ready(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetError(ErrorKind.BAD_URL, f"{self.url} is not an http:// URL.")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not port_answers(port, parts.hostname, timeout=3.0):
            raise TargetError(
                ErrorKind.SERVER_UNREACHABLE,
                f"Nothing answered at {self.url}. Start your server first (for example "
                "`python app.py` in another terminal), then check again with the address it "
                "prints.",
            )

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        self._http.close()


class ExtraProcesses:
    """The processes a lesson runs beside its app for the whole check (a worker, a
    scheduler), each with its own log, readiness and name in every message."""

    def __init__(
        self,
        processes: Sequence[Process],
        sandbox: Sandbox,
        env: Mapping[str, str],
        start_timeout: float = 20.0,
    ) -> None:
        self.specs = list(processes)
        self.start_timeout = start_timeout
        self.running = {
            spec.name: ManagedProcess(spec.name, spec.run, sandbox.path, env, sandbox.restore_paths)
            for spec in self.specs
        }

    @property
    def logs(self) -> dict[str, AppLog]:
        return {name: process.log for name, process in self.running.items()}

    def start(self) -> None:
        for process in self.running.values():
            process.start()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        for spec in self.specs:
            process = self.running[spec.name]
            while spec.ready is not None:
                if process.log.wait_for(spec.ready, timeout=0.1) is not None:
                    break
                self.check_alive()
                if time.monotonic() > deadline:
                    raise TargetError(
                        ErrorKind.PROCESS_NOT_READY,
                        f"The {spec.name} process (`{spec.run}`) did not print a line matching "
                        f"`{spec.ready}` within {self.start_timeout:g} s, so the checker does "
                        f"not know it is ready.{process.printed()}",
                    )
            self.check_alive()

    def check_alive(self) -> None:
        """Raise :class:`TargetError` naming the first process that has stopped."""
        for spec in self.specs:
            process = self.running[spec.name]
            code = process.exit_code()
            if code is not None:
                raise TargetError(
                    ErrorKind.PROCESS_EXITED,
                    f"The {spec.name} process (`{spec.run}`) stopped ({describe_exit(code)}), "
                    f"so the checkpoints that need it cannot run.{process.printed()}",
                )

    def stop(self, graceful: bool = False) -> None:
        for process in self.running.values():
            process.stop(grace=3.0 if graceful else 1.0)
