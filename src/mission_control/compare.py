"""``mission compare``: the apps of a lesson with several (``[[apps]]``, d14's Flask, Django
and FastAPI blogs) side by side, as figures.

For each app: its files and lines of code (``.py`` and templates, blank lines and
migrations left out), its start-up time (from starting its production server, ``production``
in lesson.toml, to the first ``200`` of the measured path), and requests per second and p99
latency for that path. Every app runs in a temporary copy of its folder (with the lesson's
``provided/`` laid over it) after its set-up commands, on its own fresh database, with the
lesson's ``check.env``; all of them are served at once and measured in interleaved rounds
(flask, django, fastapi, then again in a rotated order), so a machine that slows down for a
moment slows every app alike. Loopback only, a bounded number of requests, every server
stopped at the end, even after an error.

These are figures to read, never to pass or fail: the tests check the table's shape only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mission_control.catalog import App, Lesson

#: What is measured: the spec's list of posts, one page of 20.
PATH = "/api/v1/posts?per_page=20"
SOURCE_SUFFIXES = (".py", ".html")
SKIPPED_DIRS = {"migrations", "__pycache__", "instance", ".venv", "node_modules"}
START_TIMEOUT = 60.0
SEED_POSTS = 20


class CompareError(Exception):
    """Why the apps cannot be compared (a lesson with one app, an app that does not start)."""


@dataclass
class Figures:
    """One app's row of the table."""

    app: str
    server: str
    files: int
    lines: int
    startup_s: float | None = None
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    rounds: list[float] = field(default_factory=list)  # requests per second of each round


def count_code(folder: Path) -> tuple[int, int]:
    """(files, lines) of the code in ``folder``: ``.py`` and template files, blank lines and
    migrations (written by a tool, not by you) left out."""
    files = lines = 0
    for path in sorted(folder.rglob("*")):
        parts = set(path.relative_to(folder).parts[:-1])
        if not path.is_file() or path.suffix not in SOURCE_SUFFIXES or parts & SKIPPED_DIRS:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        files += 1
        lines += sum(1 for line in text.splitlines() if line.strip())
    return files, lines


def app_copy(lesson: Lesson, app: App, source: Path, destination: Path) -> Path:
    """The app's folder (``source/<folder>``) copied to ``destination`` with the lesson's
    provided files for it laid over, as the checker runs it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "instance")
    shutil.copytree(source / app.folder, destination, ignore=ignore)
    provided = lesson.path / "provided" / app.folder
    if provided.is_dir():
        shutil.copytree(provided, destination, ignore=ignore, dirs_exist_ok=True)
    return destination


class Server:
    """One app under its production server, in its own copy, on a free port."""

    def __init__(self, lesson: Lesson, app: App, folder: Path) -> None:
        self.lesson, self.app, self.folder = lesson, app, folder
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log = folder.parent / f"{app.name}.log"
        self.env = {**os.environ, **lesson.check_env}

    def set_up(self) -> None:
        from mission_control.check.processes import command_argv

        for command in (*self.lesson.common_setup, *self.app.setup):
            done = subprocess.run(
                command_argv(command, self.env),
                cwd=self.folder,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if done.returncode != 0:
                raise CompareError(
                    f"{self.app.name}: `{command}` exited {done.returncode}:\n"
                    f"{(done.stdout + done.stderr)[-2000:]}"
                )

    def start(self) -> float:
        """Start the production server; the seconds until ``PATH`` first answers 200."""
        from mission_control.check.processes import command_argv, free_port

        self.port = free_port()
        env = {**self.env, "PORT": str(self.port)}
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command_argv(self.app.production, env),
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        while time.perf_counter() - started < START_TIMEOUT:
            if self.process.poll() is not None:
                raise CompareError(
                    f"{self.app.name}: `{self.app.production}` exited "
                    f"{self.process.returncode}:\n{self.printed()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if request(self.port, "GET", PATH)[0] == 200:
                    return time.perf_counter() - started
            time.sleep(0.02)
        raise CompareError(f"{self.app.name}: no 200 from {PATH} within {START_TIMEOUT:g} s")

    def check_running(self) -> None:
        """A server that stopped after answering (a worker that failed to start can take
        the others with it) is an error with its log, not a row of failed requests."""
        if self.process is not None and self.process.poll() is not None:
            raise CompareError(
                f"{self.app.name}: `{self.app.production}` stopped while it was measured "
                f"(exit code {self.process.returncode}):\n{self.printed()}"
            )

    def printed(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""

    def stop(self) -> None:
        from mission_control.check.processes import stop_process

        stop_process(self.process, grace=5.0)

    def seed(self, posts: int = SEED_POSTS) -> None:
        """A user and ``posts`` posts through the API, so the list has a full page."""
        name = f"bench{uuid.uuid4().hex[:8]}"
        user = {"username": name, "email": f"{name}@example.com", "password": "bench-password"}
        status, _ = request(self.port, "POST", "/api/v1/users", user)
        login = {"email": user["email"], "password": user["password"]}
        status, body = request(self.port, "POST", "/api/v1/tokens", login)
        if status != 200:
            raise CompareError(f"{self.app.name}: POST /api/v1/tokens answered {status}")
        token = json.loads(body)["access_token"]
        for number in range(posts):
            post = {"title": f"Bench post {number:03d}", "body": "Text. " * 20, "category": "tech"}
            status, _ = request(self.port, "POST", "/api/v1/posts", post, token)
            if status != 201:
                raise CompareError(f"{self.app.name}: POST /api/v1/posts answered {status}")


def request(
    port: int,
    method: str,
    path: str,
    body: Mapping[str, object] | None = None,
    token: str | None = None,
) -> tuple[int, bytes]:
    """One request on a connection of its own: (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, total: int, concurrency: int) -> tuple[float, list[float], int]:
    """``total`` GETs of ``PATH`` from ``concurrency`` threads, each on one keep-alive
    connection (it reconnects where the server closes it, as gunicorn's sync workers do):
    (requests per second, latencies in seconds, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    share = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]

    def client(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        for _ in range(count):
            started = time.perf_counter()
            try:
                connection.request("GET", PATH)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
            mine.append(time.perf_counter() - started)
            failed += not ok
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in share if n]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return (len(latencies) / elapsed if elapsed else 0.0), latencies, errors[0]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextlib.contextmanager
def serving(lesson: Lesson, source: Path, apps: list[App]) -> Iterator[list[Server]]:
    """Every app set up and started, each in its own temporary copy; always stopped."""
    with tempfile.TemporaryDirectory(prefix="mission-compare-") as tmp:
        servers = [
            Server(lesson, app, app_copy(lesson, app, source, Path(tmp) / app.name)) for app in apps
        ]
        try:
            yield servers
        finally:
            for server in servers:
                server.stop()


def compare(
    lesson: Lesson,
    source: Path,
    *,
    requests: int = 2000,
    concurrency: int = 8,
    rounds: int = 4,
    apps: list[str] | None = None,
) -> list[Figures]:
    """The figures of each app of ``lesson`` in ``source`` (a folder holding the app
    folders: the solution, or a learner's copy), measured as the module docstring says:
    ``requests`` per app in all, split over ``rounds`` interleaved rounds."""
    chosen = [app for app in lesson.apps if apps is None or app.name in apps]
    if not chosen:
        raise CompareError(f"{lesson.id} has no apps to compare ([[apps]] in lesson.toml)")
    for app in chosen:
        if not app.production:
            raise CompareError(f"{lesson.id}: app {app.name} has no production command")
        if not (source / app.folder).is_dir():
            raise CompareError(f"there is no folder {source / app.folder} to compare")
    figures = {
        app.name: Figures(app.name, app.production.split()[0], *count_code(source / app.folder))
        for app in chosen
    }
    latencies: dict[str, list[float]] = {app.name: [] for app in chosen}
    with serving(lesson, source, chosen) as servers:
        for server in servers:
            server.set_up()
            figures[server.app.name].startup_s = server.start()
            server.seed()
        for server in servers:  # warm up: the first requests pay for imports and caches
            load(server.port, min(50, requests), concurrency)
            server.check_running()
        per_round = max(1, requests // rounds)
        for number in range(rounds):
            shift = number % len(servers)
            for server in servers[shift:] + servers[:shift]:
                rate, times, errors = load(server.port, per_round, concurrency)
                server.check_running()
                row = figures[server.app.name]
                row.rounds.append(rate)
                row.requests += len(times)
                row.errors += errors
                latencies[server.app.name].extend(times)
    for name, row in figures.items():
        row.requests_per_s = statistics.median(row.rounds)
        row.p50_ms = percentile(latencies[name], 0.50) * 1000
        row.p99_ms = percentile(latencies[name], 0.99) * 1000
    return list(figures.values())


def table(figures: list[Figures]) -> str:
    """The figures as a Markdown table (what the README's trade-off table is filled from)."""
    head = "| app | server | files | lines | start-up | requests/s | p50 | p99 |"
    lines = [head, "|---|---|--:|--:|--:|--:|--:|--:|"]
    for row in figures:
        startup = f"{row.startup_s:.2f} s" if row.startup_s is not None else "–"
        rate = f"{row.requests_per_s:.0f}" if row.requests_per_s is not None else "–"
        p50 = f"{row.p50_ms:.1f} ms" if row.p50_ms is not None else "–"
        p99 = f"{row.p99_ms:.1f} ms" if row.p99_ms is not None else "–"
        lines.append(
            f"| {row.app} | {row.server} | {row.files} | {row.lines} | {startup} | {rate} "
            f"| {p50} | {p99} |"
        )
    return "\n".join(lines)


def to_json(figures: list[Figures], settings: Mapping[str, object]) -> str:
    return json.dumps(
        {"path": PATH, **settings, "apps": [asdict(row) for row in figures]}, indent=2
    )
