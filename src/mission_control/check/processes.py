"""Processes the checker starts for a learner's app, their logs, and commands run beside them.

Every process runs in its own session (so its whole group can be signalled), in the sandbox
copy of the learner's folder, with :func:`app_environment`. Its stdout and stderr are read
line by line into an :class:`AppLog`, which keeps the stream of each line and a bounded
number of lines, so a chatty app cannot fill the checker's memory.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours servers add to their log lines
_VARIABLE = re.compile(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))")
LOG_LINES = 20_000  # lines an AppLog keeps; older ones are dropped
LOG_LINE_CHARS = 4_000  # characters kept of one line


@dataclass(frozen=True)
class LogLine:
    stream: str  # "stdout" | "stderr"
    text: str
    at: float  # time.monotonic()


class AppLog:
    """The lines a process printed (stdout and stderr), in order, the newest
    :data:`LOG_LINES` of them. Positions (:meth:`mark`) count every line ever printed, so
    they stay valid when old lines are dropped."""

    def __init__(self, name: str = "web", limit: int = LOG_LINES) -> None:
        self.name = name
        self._lines: deque[LogLine] = deque(maxlen=limit)
        self._count = 0  # lines appended, dropped ones included
        self._changed = threading.Condition()

    def append(self, stream: str, text: str) -> None:
        with self._changed:
            self._lines.append(
                LogLine(stream, _ANSI.sub("", text)[:LOG_LINE_CHARS], time.monotonic())
            )
            self._count += 1
            self._changed.notify_all()

    def _since(self, since: int) -> list[LogLine]:
        dropped = self._count - len(self._lines)
        return list(self._lines)[max(since - dropped, 0) :]

    def entries(self, since: int = 0) -> list[LogLine]:
        with self._changed:
            return self._since(since)

    def lines(self, since: int = 0) -> list[str]:
        return [line.text for line in self.entries(since)]

    def mark(self) -> int:
        """A position to read from later (``lines(since=mark)``)."""
        with self._changed:
            return self._count

    def wait_for(
        self, pattern: str | re.Pattern[str], timeout: float, since: int = 0
    ) -> LogLine | None:
        """The first line from ``since`` on that matches ``pattern``, waiting up to
        ``timeout`` seconds for it to be printed; ``None`` if it never is."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._since(since):
                    if regex.search(line.text):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def tail(self, count: int = 15) -> str:
        return "\n".join(self.lines()[-count:])

    def pump(self, stream: IO[bytes], name: str, rewrite: Callable[[str], str]) -> threading.Thread:
        """Read ``stream`` line by line into this log, on a daemon thread."""

        def run() -> None:
            for raw in iter(stream.readline, b""):
                self.append(name, rewrite(raw.decode("utf-8", errors="replace").rstrip("\r\n")))
            stream.close()

        thread = threading.Thread(target=run, name=f"{self.name}-{name}", daemon=True)
        thread.start()
        return thread


def app_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment the learner's app (and its commands) run with: the checker's own,
    less its private variables, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "MISSION_", "FLASK_RUN_"))
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


def command_argv(command: str | Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
    """Split a lesson command the way a shell would, without a shell.

    ``python``, and the course environment's own commands (``flask``, ``gunicorn``,
    ``uvicorn``, ``celery``), run from the checker's environment; ``$NAME`` and ``${NAME}``
    are replaced from ``env`` (so ``--port $PORT`` works)."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if env is not None:
        argv = [
            _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)
            for word in argv
        ]
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    elif argv and "/" not in argv[0]:
        script = Path(sys.executable).parent / argv[0]
        if argv[0] == "flask":
            argv[:1] = [sys.executable, "-m", "flask"]
        elif script.is_file():
            argv[0] = str(script)
    return argv


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 3.0) -> None:
    """End a process the checker started, with its whole process group: SIGTERM, then
    SIGKILL if it is still there after ``grace`` seconds (at once if ``grace`` is 0)."""
    if process is None:
        return
    if process.poll() is not None:
        _kill_group(process.pid, signal.SIGKILL)  # children it left behind in its group
        return
    steps = [(signal.SIGTERM, grace)] if grace > 0 else []
    for sig, wait in [*steps, (signal.SIGKILL, 5.0)]:
        if not _kill_group(process.pid, sig):
            process.send_signal(sig)
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    _kill_group(process.pid, signal.SIGKILL)


def _kill_group(pid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def describe_exit(code: int | None) -> str:
    if code is None:
        return "it is still running"
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit code {code}"


class ManagedProcess:
    """One process of the learner's app (``web``, ``worker``, ...): started in the sandbox
    with its own log, always stopped with its whole group."""

    def __init__(
        self,
        name: str,
        command: str,
        cwd: Path,
        env: Mapping[str, str],
        restore: Callable[[str], str] = str,
    ) -> None:
        self.name = name
        self.command = command
        self.cwd = cwd
        self.env = dict(env)
        self.restore = restore
        self.log = AppLog(name)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = app_environment(self.env)
        self.process = subprocess.Popen(
            command_argv(self.command, env),
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self.log.pump(self.process.stdout, "stdout", self.restore)
        self.log.pump(self.process.stderr, "stderr", self.restore)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self, wait: float = 0.0) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(wait) if wait else self.process.poll()
        except subprocess.TimeoutExpired:
            return None

    def printed(self, count: int = 15) -> str:
        """What it printed last, for a message (after a moment for the pumps to catch up)."""
        time.sleep(0.05)
        tail = self.log.tail(count)
        return f"\n\nWhat it printed:\n{tail}" if tail else " It printed nothing."

    def stop(self, grace: float = 1.0) -> None:
        stop_process(self.process, grace=grace)


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


def run_command(
    command: str | Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 10.0,
    input: str | None = None,
    restore: Callable[[str], str] = str,
) -> CommandResult:
    """Run a command to its end (or ``timeout``) and return what it did; its whole
    process group is killed either way, so nothing it started outlives it."""
    full_env = app_environment(env)
    argv = command_argv(command, full_env)
    shown = command if isinstance(command, str) else shlex.join(command)
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(input.encode() if input is not None else None, timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
        try:
            out, err = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a grandchild outside the group holds the pipes
            process.kill()
            out, err = b"", b""
        timed_out = True
    finally:
        _kill_group(process.pid, signal.SIGKILL)
    return CommandResult(
        command=shown,
        exit_code=None if timed_out else process.returncode,
        stdout=restore(out.decode("utf-8", errors="replace")),
        stderr=restore(err.decode("utf-8", errors="replace")),
        timed_out=timed_out,
    )
