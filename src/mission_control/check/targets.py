"""The three things a check can run against, behind one small interface.

- :class:`InProcessTarget`: the learner's WSGI app imported in a child process (the
  ``worker.py`` next to this file) and called through Werkzeug's test client. No port, no
  server, fast.
- :class:`ServeTarget`: the lesson's documented run command (``python app.py``), started by
  the checker on a free 127.0.0.1 port given in ``PORT``, then spoken to over HTTP.
- :class:`UrlTarget`: a server the learner already runs, in any framework or language.

The first two run a copy of the learner's folder (a :class:`Sandbox`), so a check never
changes the learner's files or their app's data, and messages show the learner's own paths.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mission_control.check.client import (
    AppCrashed,
    Headers,
    Request,
    RequestTimedOut,
    Response,
)

WORKER = Path(__file__).with_name("worker.py")
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".venv", "venv", "env", "node_modules", ".git", ".mypy_cache"
)
_STATUS = re.compile(r"^(\d{3})\s*(.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours servers add to their log lines


class TargetError(Exception):
    """The app could not be started or reached, so no checkpoint that needs it can run."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class LogLine:
    stream: str  # "stdout" | "stderr"
    text: str
    at: float  # time.monotonic()


class AppLog:
    """Every line the app printed during the check (stdout and stderr), in order."""

    def __init__(self) -> None:
        self._lines: list[LogLine] = []
        self._changed = threading.Condition()

    def append(self, stream: str, text: str) -> None:
        with self._changed:
            self._lines.append(LogLine(stream, _ANSI.sub("", text), time.monotonic()))
            self._changed.notify_all()

    def lines(self, since: int = 0) -> list[str]:
        with self._changed:
            return [line.text for line in self._lines[since:]]

    def mark(self) -> int:
        """A position to read from later (``lines(since=mark)``)."""
        with self._changed:
            return len(self._lines)

    def wait_for(
        self, pattern: str | re.Pattern[str], timeout: float, since: int = 0
    ) -> str | None:
        """The first line from ``since`` on that matches ``pattern``, waiting up to
        ``timeout`` seconds for it to be printed; ``None`` if it never is."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines[since:]:
                    if regex.search(line.text):
                        return line.text
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def tail(self, count: int = 15) -> str:
        return "\n".join(self.lines()[-count:])

    def pump(self, stream, name: str, rewrite: Callable[[str], str]) -> threading.Thread:
        """Read ``stream`` line by line into this log, on a daemon thread."""

        def run() -> None:
            for raw in iter(stream.readline, b""):
                self.append(name, rewrite(raw.decode("utf-8", errors="replace").rstrip("\r\n")))
            stream.close()

        thread = threading.Thread(target=run, name=f"app-{name}", daemon=True)
        thread.start()
        return thread


class Sandbox:
    """A private copy of the learner's app folder for one check.

    ``provided`` (the lesson's ``provided/`` folder) is copied over it: the files a lesson
    gives as they are always run in the course's own version, whatever the learner's copy holds.
    """

    def __init__(self, source: Path, provided: Path | None = None) -> None:
        self.source = Path(source).resolve()
        self._tmp = tempfile.mkdtemp(prefix="mission-check-")
        self.path = Path(self._tmp, self.source.name)
        shutil.copytree(self.source, self.path, ignore=IGNORED, symlinks=True)
        if provided is not None:
            shutil.copytree(provided, self.path, ignore=IGNORED, dirs_exist_ok=True)

    def restore_paths(self, text: str) -> str:
        """Show the learner's own folder wherever the copy's path appears."""
        return text.replace(str(self.path), str(self.source))

    def cleanup(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def app_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment the learner's app (and its commands) run with."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "MISSION_", "FLASK_RUN_"))
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


def command_argv(command: str | Sequence[str]) -> list[str]:
    """Split a lesson command; ``python`` and ``flask`` run in the checker's environment."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    elif argv and argv[0] == "flask":
        argv[:1] = [sys.executable, "-m", "flask"]
    return argv


def stop_process(process: subprocess.Popen | None, grace: float = 3.0) -> None:
    """End a process the checker started, with its whole process group: SIGTERM, then
    SIGKILL if it is still there after ``grace`` seconds (at once if ``grace`` is 0)."""
    if process is None or process.poll() is not None:
        return
    steps = [(signal.SIGTERM, grace)] if grace > 0 else []
    for sig, wait in [*steps, (signal.SIGKILL, 5.0)]:
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            process.send_signal(sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CommandResult:
    """What a command run in the learner's folder did."""

    command: str
    exit_code: int | None  # None when it was stopped for running too long
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Target:
    """What the checkpoints talk to. Subclasses fill in the mechanics."""

    kind = ""
    can_restart = True
    has_log = True

    def __init__(self, *, base_url: str, env: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url  # for the curl commands shown to the learner
        self.env = dict(env or {})
        self.log = AppLog()
        self.sandbox: Sandbox | None = None
        self._owns_sandbox = True
        self._error: TargetError | None = None
        self._ready = False

    @property
    def folder(self) -> Path | None:
        """Where the app's files are (a sandbox copy), if the checker has them."""
        return self.sandbox.path if self.sandbox else None

    def describe(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        """Begin starting the app; may return before it is ready."""

    def ready(self) -> None:
        """Block until the app answers; raise :class:`TargetError` if it never will.
        The outcome is kept: a second call raises the same error without retrying."""
        if self._error:
            raise self._error
        if not self._ready:
            if not self._alive():
                self.start()  # stopped after an earlier checkpoint (a hang, a crash)
            try:
                self._wait_ready()
            except TargetError as error:
                self._error = error
                self.stop_app()
                raise
            self._ready = True

    def _wait_ready(self) -> None:
        pass

    def _alive(self) -> bool:
        """Whether the app's process (if the target has one) is running."""
        return True

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        raise NotImplementedError

    def reset_session(self) -> None:
        """Forget cookies, so every checkpoint starts as a new visitor."""

    def restart(self) -> None:
        """Stop the app (letting it shut down cleanly) and start it again over the same files."""
        self.stop_app(graceful=True)
        self._ready = False
        self._error = None
        self.start()
        self.ready()

    def stop_app(self, graceful: bool = False) -> None:
        """Stop the app's process; ``graceful`` gives it time to shut down cleanly (a
        restart needs that; the end of a check does not, its folder is thrown away)."""

    def stop(self) -> None:
        """Stop everything the target started; safe to call more than once."""
        self.stop_app()
        if self.sandbox and self._owns_sandbox:
            self.sandbox.cleanup()
        self.sandbox = None

    def run_command(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = 10.0,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> CommandResult:
        """Run a command in the app's folder (the sandbox copy) with the app's environment."""
        if self.folder is None:
            raise RuntimeError("this target has no folder to run commands in")
        argv = command_argv(command)
        shown = command if isinstance(command, str) else shlex.join(command)
        process = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=app_environment({**self.env, **(env or {})}),
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(input.encode() if input is not None else None, timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            stop_process(process, grace=1.0)
            out, err = process.communicate()
            timed_out = True
        restore = self.sandbox.restore_paths if self.sandbox else str
        return CommandResult(
            command=shown,
            exit_code=None if timed_out else process.returncode,
            stdout=restore(out.decode("utf-8", errors="replace")),
            stderr=restore(err.decode("utf-8", errors="replace")),
            timed_out=timed_out,
        )


class InProcessTarget(Target):
    """The learner's WSGI app, imported in a child process, called with Werkzeug's test client."""

    kind = "inprocess"

    def __init__(
        self,
        app_dir: Path,
        entry: str,
        *,
        base_url: str,
        env: Mapping[str, str] | None = None,
        import_timeout: float = 15.0,
        sandbox: Sandbox | None = None,
        provided: Path | None = None,
    ) -> None:
        super().__init__(base_url=base_url, env=env)
        self.app_dir = Path(app_dir).resolve()
        self.provided = provided  # laid over the sandbox copy (see Sandbox)
        self.entry = entry
        self.import_timeout = import_timeout
        if sandbox is not None:  # another target's copy, which that target cleans up
            self.sandbox, self._owns_sandbox = sandbox, False
        self.process: subprocess.Popen | None = None
        self._to_app = -1
        self._from_app = -1
        self._buffer = b""

    def describe(self) -> str:
        return f"in-process: {self.app_dir}"

    def start(self) -> None:
        if self.sandbox is None:
            self.sandbox = Sandbox(self.app_dir, self.provided)
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(WORKER),
                    str(self.sandbox.path),
                    self.entry,
                    str(requests_r),
                    str(responses_w),
                ],
                pass_fds=(requests_r, responses_w),
                cwd=self.sandbox.path,
                env=app_environment(self.env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        finally:
            os.close(requests_r)
            os.close(responses_w)
        self._to_app, self._from_app, self._buffer = requests_w, responses_r, b""
        self.log.pump(self.process.stdout, "stdout", self.sandbox.restore_paths)
        self.log.pump(self.process.stderr, "stderr", self.sandbox.restore_paths)

    def _wait_ready(self) -> None:
        try:
            frame = self._receive(self.import_timeout)
        except TimeoutError:
            raise TargetError(
                "import_timeout",
                f"Importing your {self.entry.partition(':')[0]}.py did not finish within "
                f"{self.import_timeout:g} s, so no checkpoint can run. The usual cause is "
                "app.run() (or an endless loop) at the top level of the file: keep app.run() "
                'under `if __name__ == "__main__":` so importing the file does not start a '
                "server.",
            ) from None
        if frame is None:
            code = self._exit_code()
            printed = self._printed()
            raise TargetError(
                "app_exited",
                f"Your app's process ended while it was being imported ({code}), so no "
                "checkpoint can run. Something at the top level of your file ends the "
                f"program (os._exit, a crash in a C extension, a signal).{printed}",
            )
        if frame["type"] == "error":
            raise TargetError(frame["kind"], self.sandbox.restore_paths(frame["message"]))

    def _alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self._to_app >= 0

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        if not self._alive():
            self._ready = False  # the app died on an earlier checkpoint: start it again
        self.ready()
        message = {
            "type": "request",
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": base64.b64encode(request.body).decode(),
            "wsgi_lint": wsgi_lint,
        }
        try:
            self._send(message)
            frame = self._receive(timeout)
        except TimeoutError:
            self.stop_app()  # a hung app cannot answer the next checkpoint either
            raise RequestTimedOut(request, timeout) from None
        except BrokenPipeError:
            frame = None
        if frame is None:
            raise AppCrashed(request, f"its process ended ({self._exit_code()}).{self._printed()}")
        if frame["type"] == "raised":
            return Response(
                status_code=500,
                reason="INTERNAL SERVER ERROR",
                headers=Headers([("Content-Type", "text/plain; charset=utf-8")]),
                data=f"(no response: your app raised {frame['exception']})".encode(),
                request=request,
                raised=self.sandbox.restore_paths(frame["exception"]),
            )
        match = _STATUS.match(frame["status"])
        return Response(
            status_code=int(match.group(1)) if match else 0,
            reason=match.group(2) if match else frame["status"],
            headers=Headers(tuple(pair) for pair in frame["headers"]),
            data=base64.b64decode(frame["body"]),
            request=request,
        )

    def reset_session(self) -> None:
        if self._ready and self.process is not None and self.process.poll() is None:
            try:
                self._send({"type": "reset"})
                self._receive(5.0)
            except (TimeoutError, BrokenPipeError):
                self.stop_app()

    def stop_app(self, graceful: bool = False) -> None:
        for fd in (self._to_app, self._from_app):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_app = self._from_app = -1
        if self.process is not None:
            try:
                # The worker exits by itself once its request pipe closes.
                self.process.wait(2.0 if graceful else 0)
            except subprocess.TimeoutExpired:
                stop_process(self.process, grace=1.0 if graceful else 0)
        self._ready = False

    # -- the pipe protocol (see worker.py) --------------------------------------------

    def _send(self, message: dict) -> None:
        payload = json.dumps(message).encode()
        data = struct.pack(">I", len(payload)) + payload
        while data:
            written = os.write(self._to_app, data)
            data = data[written:]

    def _receive(self, timeout: float) -> dict | None:
        """The next frame; ``None`` if the worker is gone; TimeoutError if it is silent."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self._buffer) >= 4:
                (length,) = struct.unpack(">I", self._buffer[:4])
                if len(self._buffer) >= 4 + length:
                    frame = self._buffer[4 : 4 + length]
                    self._buffer = self._buffer[4 + length :]
                    return json.loads(frame)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self._from_app], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._from_app, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk

    def _exit_code(self) -> str:
        try:
            code = self.process.wait(2.0) if self.process else None
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code is None:
            return "unknown exit code"
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"exit code {code}"

    def _printed(self) -> str:
        time.sleep(0.05)  # let the log pumps catch the last lines
        tail = self.log.tail(10)
        return f"\n\nThe last lines your app printed:\n{tail}" if tail else ""


class _HttpTarget(Target):
    """Shared by the live modes: requests over HTTP with httpx."""

    def __init__(self, *, base_url: str, env: Mapping[str, str] | None = None) -> None:
        super().__init__(base_url=base_url, env=env)
        self.url = base_url.rstrip("/")
        self._http = None

    def _client(self):
        if self._http is None:
            import httpx  # only the live modes pay for importing it

            self._http = httpx.Client(follow_redirects=False, trust_env=False)
        return self._http

    def reset_session(self) -> None:
        if self._http is not None:
            self._http.cookies.clear()

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        import httpx

        self.ready()
        try:
            answer = self._client().request(
                request.method,
                self.url + request.target,
                headers=request.headers,
                content=request.body or None,
                timeout=timeout,
            )
        except httpx.TimeoutException:
            raise RequestTimedOut(request, timeout) from None
        except httpx.LocalProtocolError as exc:  # never sent: the checkpoint's request is bad
            raise RuntimeError(f"the checker could not send {request.target}: {exc}") from None
        except httpx.TransportError as exc:
            raise AppCrashed(request, self._connection_lost(exc)) from None
        return Response(
            status_code=answer.status_code,
            reason=answer.reason_phrase,
            headers=Headers(answer.headers.multi_items()),
            data=answer.content,
            request=request,
        )

    def _connection_lost(self, exc: Exception) -> str:
        return f"the connection failed ({type(exc).__name__}: {exc})."

    def stop(self) -> None:
        super().stop()
        if self._http is not None:
            self._http.close()
            self._http = None


class ServeTarget(_HttpTarget):
    """The lesson's run command, started by the checker on a free port and always stopped."""

    kind = "serve"

    def __init__(
        self,
        app_dir: Path,
        command: str,
        *,
        display_url: str,
        entry: str = "app:app",
        env: Mapping[str, str] | None = None,
        start_timeout: float = 20.0,
        provided: Path | None = None,
    ) -> None:
        self.port = free_port()
        super().__init__(base_url=f"http://127.0.0.1:{self.port}", env=env)
        self.display_url = display_url
        self.app_dir = Path(app_dir).resolve()
        self.provided = provided  # laid over the sandbox copy (see Sandbox)
        self.command = command
        self.entry = entry
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self._linter: InProcessTarget | None = None

    def describe(self) -> str:
        return f"served with `{self.command}`: {self.app_dir}"

    def start(self) -> None:
        if self.sandbox is None:
            self.sandbox = Sandbox(self.app_dir, self.provided)
        self.process = subprocess.Popen(
            command_argv(self.command),
            cwd=self.sandbox.path,
            env=app_environment({**self.env, "PORT": str(self.port)}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.log.pump(self.process.stdout, "stdout", self.sandbox.restore_paths)
        self.log.pump(self.process.stderr, "stderr", self.sandbox.restore_paths)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                time.sleep(0.05)
                tail = self.log.tail(15)
                printed = f"\n\nWhat it printed:\n{tail}" if tail else " It printed nothing."
                raise TargetError(
                    "server_exited",
                    f"`{self.command}` stopped before it answered (exit code {code}), so no "
                    f"checkpoint can run.{printed}",
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise TargetError(
            "server_not_answering",
            f"`{self.command}` started, but nothing answered on 127.0.0.1:{self.port} within "
            f"{self.start_timeout:g} s. The checker tells your app which port to use in the "
            "PORT environment variable: does your app read it, as in "
            '`app.run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)))`?',
        )

    def _alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        if wsgi_lint:
            # wsgiref.validate must wrap the app itself, which a running server does not
            # allow: such requests go to a worker over the same copy of the app's files.
            if self._linter is None:
                self.ready()
                self._linter = InProcessTarget(
                    self.app_dir,
                    self.entry,
                    base_url=self.base_url,
                    env=self.env,
                    sandbox=self.sandbox,
                )
            return self._linter.send(request, timeout, wsgi_lint=True)
        if not self._alive():
            self.stop_app()  # the server died on an earlier checkpoint: start it again
        return super().send(request, timeout, wsgi_lint=wsgi_lint)

    def reset_session(self) -> None:
        super().reset_session()
        if self._linter is not None:
            self._linter.reset_session()

    def stop(self) -> None:
        if self._linter is not None:
            self._linter.stop()
            self._linter = None
        super().stop()

    def _connection_lost(self, exc: Exception) -> str:
        if self.process is not None:
            try:
                code = self.process.wait(1.0)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None:
                return f"the server exited (exit code {code}).\n\n{self.log.tail(10)}"
        return super()._connection_lost(exc)

    def stop_app(self, graceful: bool = False) -> None:
        stop_process(self.process, grace=3.0 if graceful else 1.0)
        self.process = None
        self._ready = False


class UrlTarget(_HttpTarget):
    """A server the learner started themselves; the checker only sends it requests."""

    kind = "url"
    can_restart = False
    has_log = False

    def describe(self) -> str:
        return f"the server at {self.url}"

    def _wait_ready(self) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetError("bad_url", f"{self.url} is not an http:// URL.")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=3.0):
                return
        except OSError as exc:
            raise TargetError(
                "server_unreachable",
                f"Nothing answered at {self.url} ({exc.strerror or exc}). Start your server "
                "first (for example `python app.py` in another terminal), then check again "
                "with the address it prints.",
            ) from None
