"""A hostile learner's app cannot forge a grade, and nothing the app starts outlives a check.

Each attack runs in a copy of the course (``MISSION_COURSE_ROOT``), so a defence that failed
could never damage the real checkout. The app is a01's starter (which passes no checkpoint
that needs a route) with an attack prepended; it notes what each attempt did in a file the
test gives it, and the test then looks at the files themselves.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, mission

from mission_control.check import isolation, transports
from mission_control.check.client import Request, RequestTimedOut
from mission_control.check.inventory import spec_hash
from mission_control.check.processes import LOG_LINE_CHARS, AppLog, kill_tree, run_command
from mission_control.check.transports import HttpTransport, ResponseTooLarge

A01 = CATALOG.get("a01")
NAMESPACE = isolation.isolation_mode() == "namespace"  # the mode this machine allows
USERNS = isolation._user_namespaces_allowed()  # the unprivileged mode, tried here as root

ATTACK = r"""
import json, os, sqlite3, subprocess, sys
NOTES = os.environ["ATTACK_NOTES"]
COURSE = os.environ["ATTACK_COURSE"]
LESSON = os.path.join(COURSE, "lessons", "assignments", "01-basic-todo-api")
notes = {}

def attempt(name, action):
    try:
        action()
        notes[name] = "done"
    except BaseException as exc:
        notes[name] = f"failed: {type(exc).__name__}: {exc}"

def forge_checkpoints():
    path = os.path.join(LESSON, "checkpoints", "test_todos.py")
    with open(path, "a") as file:
        file.write("\nimport sys as _s\nfor _n, _f in list(globals().items()):\n"
                   "    if _n.startswith('test_'): _f.__code__ = (lambda *a, **k: None).__code__\n")

def write_solution():
    with open(os.path.join(LESSON, "solution", "FORGED.txt"), "w") as file:
        file.write("forged")

def read_solution():
    with open(os.path.join(LESSON, "solution", "app.py")) as file:
        file.read()

def import_course():
    sys.path.append(os.path.join(os.environ["ATTACK_SRC"]))
    import mission_control.catalog  # noqa

def forge_progress():
    db = sqlite3.connect(os.environ["ATTACK_DB"], timeout=1)
    db.execute("INSERT INTO runs (lesson, at, source, target, checker, spec_hash, passed,"
               " failed, skipped) VALUES ('a01', '2030-01-01T00:00:00+00:00', 'workspace',"
               " 'inprocess', 'x', 'x', 17, 0, 0)")
    db.commit()

def write_checker_stdout():
    with open(f"/proc/{os.getppid()}/fd/1", "w") as file:
        file.write("FORGED-STDOUT\n")

for name, action in [("checkpoints", forge_checkpoints), ("solution-write", write_solution),
                     ("solution-read", read_solution), ("import", import_course),
                     ("progress", forge_progress), ("stdout", write_checker_stdout)]:
    attempt(name, action)

# Later, from a process of its own session: write the checker's stdout once it has exited.
subprocess.Popen([sys.executable, "-c", (
    "import os, sys, time\n"
    f"target = '/proc/{os.getppid()}/fd/1'\n"
    "try:\n    out = open(target, 'w')\nexcept OSError:\n    out = None\n"
    "time.sleep(3)\n"
    "if out: out.write('FORGED-LATER\\n'); out.flush()\n"
), "mission-attack-sleeper"], start_new_session=True, stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

with open(NOTES, "w") as file:
    json.dump(notes, file)
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A private copy of the course holding a01 only."""
    root = tmp_path / "course"
    shutil.copytree(
        A01.path,
        root / "lessons" / "assignments" / A01.path.name,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return root


def _attack_app(folder: Path) -> Path:
    shutil.copytree(A01.starter, folder, ignore=shutil.ignore_patterns("__pycache__"))
    app = folder / "app.py"
    app.write_text(ATTACK + "\n" + app.read_text())
    return folder


def _progress_db(isolated_state: Path) -> Path:
    return isolated_state / "progress.sqlite3"


def _ps_lines(marker: str) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True)
    return [line for line in listing.stdout.splitlines() if marker in line and "ps -eo" not in line]


#: The checker as root in a container that lacks CAP_SYS_ADMIN: no mount namespace for it.
CONTAINER = ["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]


@pytest.mark.parametrize("mode", ["auto", "userns", "container", "basic"])
def test_a_hostile_app_cannot_forge_its_grade(
    mode: str, course: Path, tmp_path: Path, isolated_state: Path
) -> None:
    if mode == "auto" and not NAMESPACE:
        pytest.skip("this machine runs the checker unprivileged: `userns` covers it")
    if mode in ("userns", "container") and not USERNS:
        pytest.skip("this kernel refuses user namespaces: only the basic defences apply")
    if mode == "container" and not (NAMESPACE and shutil.which("setpriv")):
        pytest.skip("a container is played by root without CAP_SYS_ADMIN, through setpriv")
    private_view = mode in ("auto", "userns", "container")
    wrapper = CONTAINER if mode == "container" else []
    lesson_dir = course / "lessons" / "assignments" / A01.path.name
    checkpoint = lesson_dir / "checkpoints" / "test_todos.py"
    original = checkpoint.read_bytes()
    app = _attack_app(tmp_path / "attack")
    notes = tmp_path / "notes.json"
    report_file = tmp_path / "grade" / "report.json"
    env = {
        "MISSION_COURSE_ROOT": str(course),
        "MISSION_ISOLATION": "auto" if mode == "container" else mode,
        "ATTACK_NOTES": str(notes),
        "ATTACK_COURSE": str(course),
        "ATTACK_SRC": str(ROOT / "src"),
        "ATTACK_DB": str(_progress_db(isolated_state)),
    }
    # A store with its tables, as after an earlier run, so the forged INSERT could succeed.
    honest = shutil.copytree(A01.solution, tmp_path / "honest")
    assert mission("check", "a01", "--path", str(honest), "--record", env=env).returncode == 0
    before = sqlite3.connect(_progress_db(isolated_state)).execute("SELECT COUNT(*) FROM runs")
    runs_before = before.fetchone()[0]

    run = mission(
        "check",
        "a01",
        "--path",
        str(app),
        "--json",
        "--output",
        str(report_file),
        "--record",
        env=env,
        wrapper=wrapper,
    )
    attempts = json.loads(notes.read_text())
    # Unprivileged, a non-dumpable checker keeps its /proc/<pid>/fd from the app; a root
    # app (basic mode as root) has CAP_SYS_PTRACE, so only --output is safe from it.
    stdout_protected = private_view or os.geteuid() != 0
    report = json.loads(run.stdout if stdout_protected else run.stdout.split("\n", 1)[1])

    # The forged checkpoints did not run: the starter fails, and spec_hash is the original's.
    assert run.returncode == 1, run.output
    assert report["summary"]["failed"] > 0, attempts
    assert report["spec_hash"] == spec_hash(A01)  # the untouched files' hash
    # Nothing but the checker wrote the checker's stdout, during the check or after it.
    if stdout_protected:
        assert "FORGED" not in run.stdout, attempts
        assert attempts["stdout"].startswith("failed"), attempts
    time.sleep(3.5)  # the sleeper would have written by now, had it survived
    assert not _ps_lines("mission-attack-sleeper")
    assert json.loads(report_file.read_text())["spec_hash"] == report["spec_hash"]
    assert "FORGED" not in report_file.read_text()

    if private_view:
        # The course, the solution and the store are out of the app's sight.
        assert checkpoint.read_bytes() == original, attempts
        assert not (lesson_dir / "solution" / "FORGED.txt").exists()
        for name in ("checkpoints", "solution-write", "solution-read", "import", "progress"):
            assert attempts[name].startswith("failed"), (name, attempts)
        runs = sqlite3.connect(_progress_db(isolated_state)).execute(
            "SELECT COUNT(*) FROM runs WHERE checker = 'x'"
        )
        assert runs.fetchone()[0] == 0
        after = sqlite3.connect(_progress_db(isolated_state)).execute("SELECT COUNT(*) FROM runs")
        assert after.fetchone()[0] == runs_before + 1  # the honest record of this run


def test_a_tampered_checkpoint_changes_the_spec_hash(course: Path) -> None:
    """Whatever ran is what the report names: an edited checkpoint file has another hash."""
    checkpoints = course / "lessons" / "assignments" / A01.path.name / "checkpoints"
    honest = isolation.private_checkpoints(checkpoints)
    (checkpoints / "test_todos.py").write_text("def test_nothing():\n    pass\n")
    tampered = isolation.private_checkpoints(checkpoints)
    try:
        assert honest.spec_hash != tampered.spec_hash
        assert (honest.path / "test_todos.py").read_text() != "def test_nothing():\n    pass\n"
    finally:
        honest.cleanup()
        tampered.cleanup()


SPAWNS = """
import subprocess, sys
from flask import Flask

app = Flask(__name__)
for how in ("group", "session"):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)",
                      "mission-orphan-" + how], start_new_session=how == "session")
"""


@pytest.mark.parametrize("serve", [False, True])
def test_processes_the_app_starts_die_with_the_check(tmp_path: Path, serve: bool) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    source = SPAWNS
    if serve:
        source += '\nimport os\napp.run(port=int(os.environ["PORT"]))\n'
    (folder / "app.py").write_text(source)
    args = ["check", "a01", "--path", str(folder), "--json"] + (["--serve"] if serve else [])
    run = mission(*args)
    assert run.report["results"], run.output
    assert not _ps_lines("mission-orphan-"), _ps_lines("mission-orphan-")


def test_run_command_returns_when_the_command_ends_even_if_a_grandchild_holds_stdout(
    tmp_path: Path,
) -> None:
    command = [
        sys.executable,
        "-c",
        "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
        "'import time; time.sleep(300)', 'mission-holder'], start_new_session=True); "
        "print('done')",
    ]
    result = run_command(command, cwd=tmp_path, env={}, timeout=30)
    assert result.exit_code == 0 and not result.timed_out
    assert result.stdout.strip() == "done"
    assert not _ps_lines("mission-holder")


def test_the_worker_dies_with_a_checker_killed_by_sigkill(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "app.py").write_text(
        "import sys\nsys.argv.append('mission-spinner')\nwhile True:\n    pass\n"
    )
    checker = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "check", "a01", "--path", str(folder)],
        cwd=ROOT,
        env={**os.environ, "MISSION_IMPORT_TIMEOUT": "60"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        worker = _wait_for_child(checker.pid)
        assert worker is not None, "the checker never started its worker"
        os.kill(checker.pid, 9)
        checker.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.05)
        assert not _alive(worker), f"worker {worker} outlived the checker"
    finally:
        kill_tree(checker.pid)
        checker.wait(5)


def _wait_for_child(parent: int) -> int | None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listing = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True)
        for line in listing.stdout.splitlines()[1:]:
            pid, ppid, args = line.split(None, 2)
            if int(ppid) == parent and " -c " in args:
                time.sleep(0.5)  # let it reach the learner's loop
                return int(pid)
        time.sleep(0.1)
    return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# -- deadlines and caps ---------------------------------------------------------------------


@contextlib.contextmanager
def _raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-thread TCP server on 127.0.0.1 that answers every connection with ``answer``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                with contextlib.suppress(OSError):
                    answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _trickle(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        connection.sendall(b"x")
        time.sleep(0.2)  # every read gets a byte well within the per-read timeout


def test_a_trickling_response_ends_at_the_request_deadline() -> None:
    with _raw_server(_trickle) as url:
        transport = HttpTransport(url)
        try:
            with pytest.raises(RequestTimedOut):
                transport.send(Request("GET", "/"), timeout=1.0)
        finally:
            transport.close()


def _big(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n")
    connection.sendall(b"x" * 3_000_000)


def test_a_response_past_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transports, "MAX_RESPONSE_BYTES", 1_000_000)
    with _raw_server(_big) as url:
        transport = HttpTransport(url)
        try:
            with pytest.raises(ResponseTooLarge, match="larger than"):
                transport.send(Request("GET", "/"), timeout=10.0)
        finally:
            transport.close()


def test_a_frame_past_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transports, "MAX_RESPONSE_BYTES", 1000)
    reader = transports.FrameReader()
    reader.feed(transports.encode_frame({"body": "x" * (3 << 20)}))
    with pytest.raises(ResponseTooLarge):
        reader.next_frame()


def test_a_line_without_an_end_does_not_fill_the_log() -> None:
    log = AppLog()
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stream:
        thread = log.pump(stream, "stdout", str)
        with os.fdopen(write, "wb") as out:
            out.write(b"y" * 5_000_000 + b"\nshort\n")
        thread.join(10)
    assert [len(line) for line in log.lines()] == [LOG_LINE_CHARS, 5]


SLOW = """
import time
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/todos", methods=["GET", "POST"])
def todos():
    time.sleep(1.5)
    return jsonify([])
"""


def test_the_whole_check_has_a_deadline(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "app.py").write_text(SLOW)
    env = {"MISSION_CHECK_TIMEOUT": "3", "MISSION_REQUEST_TIMEOUT": "2"}
    run = mission("check", "a01", "--path", str(folder), "--json", env=env)
    assert run.returncode == 1
    assert run.report["error"]["kind"] == "check_timeout", run.output
    assert "did not finish within 3 s" in run.report["error"]["message"]
    assert "skipped" in run.statuses().values()


def _notices_of_a01(*prelude: str) -> list[str]:
    """The notices of ``mission check a01 --solution --json`` in a fresh interpreter, after
    ``prelude``."""
    code = "\n".join(
        [
            "import runpy, sys",
            "from mission_control.check import isolation",
            *prelude,
            "sys.argv = ['mission', 'check', 'a01', '--solution', '--json']",
            "runpy.run_module('mission_control', run_name='__main__')",
        ]
    )
    env = {key: value for key, value in os.environ.items() if key != "MISSION_ISOLATION"}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return [str(notice) for notice in json.loads(run.stdout)["notices"]]


def test_a_check_without_a_private_view_says_so_first() -> None:
    """Where the kernel allows neither namespace, the report's notices tell the teacher
    that the app could read what the user can; where one is allowed, nothing is said."""
    fallback = _notices_of_a01("isolation.isolation_mode = lambda: 'basic'")
    assert any("no private view" in notice for notice in fallback), fallback
    if isolation.isolation_mode() in isolation.PRIVATE_VIEW:
        usual = _notices_of_a01()
        assert not any("no private view" in notice for notice in usual), usual
