"""Processes the checker starts for a learner's app, their logs, and commands run beside them.

Every process runs in its own session, in the sandbox copy of the learner's folder, with
:func:`app_environment`, isolated as :mod:`.isolation` says (:func:`spawn`). Each process
tree is marked with a token in its environment (``MISSION_TREE``), and :func:`kill_tree`
kills everything that is a descendant of the process, in its group or session, or carries
its token, until nothing is left: a child that calls ``setsid``, or that its parent left
behind, dies with the rest (the checker is a child subreaper, so orphans stay findable).
Its stdout and stderr are read line by line into an :class:`AppLog`, which keeps the stream
of each line and a bounded number of lines, so a chatty app cannot fill the checker's memory.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
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
from typing import IO, Any

from mission_control.check import isolation

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours servers add to their log lines
_VARIABLE = re.compile(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))")
LOG_LINES = 20_000  # lines an AppLog keeps; older ones are dropped
LOG_LINE_CHARS = 4_000  # characters kept of one line
TREE_VARIABLE = "MISSION_TREE"
_TREES: dict[int, str] = {}  # pid of a process the checker started -> its tree's token


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
            limit = LOG_LINE_CHARS * 4  # bytes: a line without an end never fills memory
            skipping = False
            for raw in iter(lambda: stream.readline(limit), b""):
                whole = raw.endswith(b"\n")
                if not skipping:
                    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    self.append(name, rewrite(text))
                skipping = not whole  # the rest of an overlong line is dropped
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


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdin: Any = subprocess.DEVNULL,
    pass_fds: Sequence[int] = (),
    hide: Sequence[Path] = (),
    trusted: bool = False,
) -> subprocess.Popen[bytes]:
    """Start one of the learner's processes: its own session, its tree's token, killed
    with the checker, and isolated (:mod:`.isolation`) with ``hide`` covered as well.
    A ``trusted`` process (the course's own fake service) is not isolated: it runs from
    the lesson's folder."""
    token = secrets.token_hex(8)
    mode = "basic" if trusted else isolation.isolation_mode()
    where = Path(cwd).resolve()
    hidden = [
        path
        for path in (isolation.hidden_paths(hide) if mode in isolation.PRIVATE_VIEW else [])
        if not where.is_relative_to(path)  # never the folder the process runs in
    ]

    def start(mode: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, TREE_VARIABLE: token, "PYTHONNOUSERSITE": "1"},
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
            preexec_fn=isolation.child_preexec(mode, hidden),
        )

    while True:
        try:
            process = start(mode)
            break
        except subprocess.SubprocessError:
            if mode not in isolation.PRIVATE_VIEW:
                raise
            # uid 0 without CAP_SYS_ADMIN (a container), or user namespaces refused: that
            # mode is not tried again; the next one the machine allows is.
            isolation.namespace_unavailable(mode)
            mode = isolation.isolation_mode()
    _TREES[process.pid] = token
    return process


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 3.0) -> None:
    """End a process the checker started, with its whole tree: SIGTERM to its group, then
    SIGKILL to every process of the tree (:func:`kill_tree`), after ``grace`` seconds if it
    is still there (at once if ``grace`` is 0)."""
    if process is None:
        return
    if process.poll() is None and grace > 0:
        if not _kill_group(process.pid, signal.SIGTERM):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    kill_tree(process.pid)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5.0)
    _TREES.pop(process.pid, None)


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, process group, session) of every process, from /proc."""
    table: dict[int, tuple[int, int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as file:
                stat = file.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (name) "
        table[int(entry.name)] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _carries(pid: int, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            return marker in file.read().split(b"\0")
    except OSError:
        return False


def tree_members(root: int, token: str | None = None) -> set[int]:
    """The processes of ``root``'s tree still alive: ``root``, its descendants, its group
    and session, and every process whose environment carries ``token``."""
    if not os.path.isdir("/proc"):
        return {root}
    table = _proc_table()
    marker = f"{TREE_VARIABLE}={token}".encode() if token else None
    members = {
        pid
        for pid, (_, group, session) in table.items()
        if pid == root
        or group == root
        or session == root
        or (marker is not None and pid != os.getpid() and _carries(pid, marker))
    }
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    stack = list(members)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in members:
                members.add(child)
                stack.append(child)
    members.discard(os.getpid())
    return members


def kill_tree(root: int, token: str | None = None) -> None:
    """SIGKILL every process of ``root``'s tree (see :func:`tree_members`), again until
    none is left (a process may fork while it is being killed), and reap the orphans the
    checker adopted as a subreaper."""
    token = token or _TREES.get(root)
    for _ in range(50):
        alive = [pid for pid in tree_members(root, token) if _running(pid)]
        if not alive:
            break
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
        _reap(exclude=root)


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] != b"Z"


def _reap(exclude: int) -> None:
    """Collect the exit status of adopted orphans (never of a process a Popen owns)."""
    owned = set(_TREES) | {exclude}
    for pid, (parent, _, _) in _proc_table().items():
        if parent == os.getpid() and pid not in owned and not _running(pid):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


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
        trusted: bool = False,
    ) -> None:
        self.name = name
        self.trusted = trusted
        self.command = command
        self.cwd = cwd
        self.env = dict(env)
        self.restore = restore
        self.log = AppLog(name)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = app_environment(self.env)
        argv = command_argv(self.command, env)
        self.process = spawn(argv, cwd=self.cwd, env=env, trusted=self.trusted)
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
    process = spawn(
        argv,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
    )
    out, err = _Collected(process.stdout), _Collected(process.stderr)
    if process.stdin is not None:
        threading.Thread(target=_feed, args=(process.stdin, input or ""), daemon=True).start()
    try:
        process.wait(timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    # The command ended (or ran too long): nothing it started may outlive it, and a
    # grandchild still holding its stdout must not keep the checker waiting.
    for stream in (out, err):
        stream.join(0.5)
    stop_process(process, grace=0)
    for stream in (out, err):
        stream.join(1.0)
    return CommandResult(
        command=shown,
        exit_code=None if timed_out else process.returncode,
        stdout=restore(out.text()),
        stderr=restore(err.text()),
        timed_out=timed_out,
    )


COMMAND_OUTPUT_BYTES = 4 << 20  # what a command's stdout (or stderr) keeps at most


def _feed(stream: IO[bytes], text: str) -> None:
    with contextlib.suppress(OSError):
        stream.write(text.encode())
    with contextlib.suppress(OSError):
        stream.close()


class _Collected:
    """A command's stream read on a thread, kept up to :data:`COMMAND_OUTPUT_BYTES`."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(stream.fileno(), 65536):
                with self._lock:
                    room = COMMAND_OUTPUT_BYTES - self._size
                    if room > 0:
                        self._chunks.append(chunk[:room])
                        self._size += min(len(chunk), room)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", errors="replace")
