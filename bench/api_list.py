"""d10's `GET /api/v1/posts` under gunicorn: SQL statements per request, and latency at 10
and at 1,000 posts, beside the same app's `GET /healthz` in the same run.

The d10 solution is copied to a temporary folder and served by gunicorn (2 sync workers,
127.0.0.1, a free port) on a throwaway PostgreSQL database (a SQLite file where no server
answers, said in the output); 16 client threads send a bounded number of requests to each
endpoint. Prints the `X-DB-Queries` header of the list (it must not grow with the number of
posts), and the median and p99 latency in milliseconds. Figures only: nothing here passes or
fails. gunicorn and the database are always stopped and dropped, even after an error.

    .venv/bin/python bench/api_list.py [--requests 2000] [--connections 16]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "lessons" / "deep-dive" / "10-rest-api-jwt" / "solution"
BIN = Path(sys.executable).parent
SERVER = "127.0.0.1:5432"
PATHS = {"list": "/api/v1/posts?per_page=20", "healthz": "/healthz"}

SEED = r"""
import sys
from app import create_app
from app.extensions import db
from app.models import Post, Tag, User
app = create_app("development")
target = int(sys.argv[1])
with app.app_context():
    authors = list(db.session.scalars(db.select(User)))
    while len(authors) < 10:
        n = len(authors)
        user = User(username=f"bench{n}", email=f"bench{n}@example.com")
        db.session.add(user)
        authors.append(user)
    tags = list(db.session.scalars(db.select(Tag))) or [Tag(name=f"tag{i}") for i in range(5)]
    have = db.session.scalar(db.select(db.func.count(Post.id)))
    for i in range(have, target):
        post = Post(title=f"Post number {i}", body="Some text. " * 20, category="tech",
                    author=authors[i % len(authors)], tags=[tags[i % 5], tags[(i + 2) % 5]])
        db.session.add(post)
    db.session.commit()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def database(folder: Path) -> Iterator[tuple[str, str]]:
    """A throwaway database: (its SQLAlchemy URL, a one-line description); dropped after."""
    try:
        import psycopg

        admin = psycopg.connect(f"postgresql://{SERVER}/test", autocommit=True, connect_timeout=3)
    except Exception:  # no server: the SQLite fallback, as the checker does
        yield f"sqlite:///{folder / 'bench.db'}", "SQLite file (no PostgreSQL answered)"
        return
    name = f"bench_api_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{SERVER}/{name}", f"PostgreSQL {SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def gunicorn(folder: Path, env: dict[str, str], port: int) -> Iterator[None]:
    """gunicorn serving the copy, 2 workers; stopped (its process group) at the end."""
    command = [
        str(BIN / "gunicorn"),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "app:create_app('development')",
    ]
    process = subprocess.Popen(command, cwd=folder, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {process.returncode}")
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 30 s")
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def load(port: int, path: str, requests: int, connections: int) -> tuple[list[float], set[str]]:
    """``requests`` GETs of ``path`` over ``connections`` threads: latencies (ms) and the
    X-DB-Queries values seen."""
    latencies: list[float] = []
    counts: set[str] = set()
    lock = threading.Lock()
    left = [requests]

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
            with lock:
                latencies.append(elapsed)
                counts.add(response.getheader("X-DB-Queries") or "-")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, counts


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and size")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        folder = Path(tmp) / "app"
        shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__", "instance"))
        with database(Path(tmp)) as (url, described):
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PATH": f"{BIN}:{os.environ['PATH']}",
                "JWT_SECRET_KEY": "bench-" + "k" * 40,
            }
            env.pop("APP_CONFIG", None)
            subprocess.run(
                [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
                cwd=folder,
                env=env,
                check=True,
                capture_output=True,
            )
            print(
                f"d10 GET /api/v1/posts under gunicorn (2 workers), {args.connections} "
                f"connections, {args.requests} requests per row; database: {described}"
            )
            print(
                f"{'posts':>6}  {'endpoint':<30} {'queries':>7}  {'median ms':>9}  "
                f"{'p99 ms':>7}  {'req/s':>7}"
            )
            port = free_port()
            for posts in (10, 1000):
                subprocess.run(
                    [str(BIN / "python"), "-c", SEED, str(posts)], cwd=folder, env=env, check=True
                )
                with gunicorn(folder, env, port):
                    for path in PATHS.values():
                        load(port, path, min(100, args.requests), args.connections)  # warm up
                        started = time.perf_counter()
                        latencies, counts = load(port, path, args.requests, args.connections)
                        rate = len(latencies) / (time.perf_counter() - started)
                        print(
                            f"{posts:>6}  GET {path:<26} {'/'.join(sorted(counts)):>7}  "
                            f"{statistics.median(latencies):>9.2f}  {p99(latencies):>7.2f}  "
                            f"{rate:>7.0f}"
                        )


if __name__ == "__main__":
    main()
