"""Why the development server is not for production, in figures: d13's post page and a
static file served by Flask's development server, by gunicorn alone, and by nginx in front
of gunicorn; and the same gunicorn serving a raw WSGI callable, the floor of what any app
costs under it.

The d13 solution (with provided/) is copied to a temporary folder on a throwaway PostgreSQL
database (a SQLite file where no server answers, said in the output) holding one post. All
four servers run at once on free 127.0.0.1 ports: `app.run()` (the development server,
threaded, serving the production app `wsgi:app`), gunicorn with the lesson's
gunicorn.conf.py (workers from WEB_CONCURRENCY, default 2 x cores + 1), nginx with the
lesson's nginx.conf rewritten as the checker does (mission_control.check.production) in
front of that gunicorn, and a second gunicorn with the same config serving a five-line WSGI
callable; one more gunicorn, the same config with `--worker-class gthread --threads 4`,
serves the post page. For each number of connections (16, then 64) every row gets a bounded batch of
requests, round after round, interleaved (so a noisy neighbour on the machine slows every
row alike); printed: requests per second (median of the rounds), p50 and p99 latency in
milliseconds (over every request of the row). Figures only: nothing here passes or fails.
Every process is stopped and the database dropped, even after an error.

    .venv/bin/python bench/production.py [--requests 300] [--rounds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_list import database, free_port, load, p99  # the house's bench helpers

from mission_control.check.production import (
    find_nginx,
    main_config,
    rewrite_server_block,
)

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "deep-dive" / "13-production-deployment"
BIN = Path(sys.executable).parent
CONNECTIONS = (16, 64)

SEED = r"""
from app import create_app
from app.extensions import db
from app.models import Post, User
app = create_app("development")
with app.app_context():
    user = User(username="bench", email="bench@example.com")
    post = Post(title="A post for the bench", body="Some text. " * 40, category="tech",
                author=user)
    db.session.add_all([user, post])
    db.session.commit()
    print(post.id)
"""

RAW = '''
def app(environ, start_response):
    """The least a WSGI app can do: a fixed page."""
    body = b"<!doctype html><title>raw</title><p>Hello from a raw WSGI callable.</p>"
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]
'''

DEV_SERVER = """
import os
from wsgi import app
app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
"""


def wait_for(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within 30 s")


@contextlib.contextmanager
def servers(folder: Path, env: dict[str, str]) -> Iterator[dict[str, int]]:
    """The four servers, by name -> port; every process group is stopped at the end."""
    nginx = find_nginx()
    if nginx is None:
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    names = ("dev server", "gunicorn", "gunicorn gthread", "nginx + gunicorn", "raw")
    ports = {name: free_port() for name in names}
    conf = folder.parent / "nginx"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (conf / name).mkdir(parents=True, exist_ok=True)
    server = conf / "server.conf"
    server.write_text(
        rewrite_server_block(
            (folder / "nginx.conf").read_text(),
            listen=ports["nginx + gunicorn"],
            upstream=f"127.0.0.1:{ports['gunicorn']}",
            root="/app",
            app_dir=folder,
        )
    )
    (conf / "nginx.conf").write_text(main_config(conf, server))
    gunicorn = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket"]
    commands = {
        "dev server": ([sys.executable, "-c", DEV_SERVER], ports["dev server"]),
        "gunicorn": ([*gunicorn, "--bind", f"127.0.0.1:{ports['gunicorn']}", "wsgi:app"], None),
        "gunicorn gthread": (
            [
                *gunicorn,
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{ports['gunicorn gthread']}",
                "wsgi:app",
            ],
            None,
        ),
        "raw": ([*gunicorn, "--bind", f"127.0.0.1:{ports['raw']}", "bench_raw:app"], None),
        "nginx + gunicorn": (
            [
                nginx,
                "-p",
                f"{conf}/",
                "-c",
                str(conf / "nginx.conf"),
                "-e",
                "stderr",
                "-g",
                f"daemon off; pid {conf / 'nginx.pid'};",
            ],
            None,
        ),
    }
    started: list[subprocess.Popen[bytes]] = []
    try:
        for name, (argv, port) in commands.items():
            extra = {"PORT": str(port)} if port else {}
            started.append(
                subprocess.Popen(
                    argv,
                    cwd=folder,
                    env={**env, **extra},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            wait_for(ports[name], started[-1], name)
        yield ports
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per row and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, default=None, help="WEB_CONCURRENCY (default: 2 x cores + 1)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-production-") as tmp:
        folder = Path(tmp) / "app"
        ignore = shutil.ignore_patterns("__pycache__", "instance")
        shutil.copytree(LESSON / "solution", folder, ignore=ignore)
        shutil.copytree(LESSON / "provided", folder, ignore=ignore, dirs_exist_ok=True)
        (folder / "bench_raw.py").write_text(RAW)
        with database(Path(tmp)) as (url, described):
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PATH": f"{BIN}:{os.environ['PATH']}",
                "SECRET_KEY": "bench-" + "s" * 40,
                "JWT_SECRET_KEY": "bench-" + "k" * 40,
                "LOG_LEVEL": "INFO",
            }
            env.pop("APP_CONFIG", None)
            env.pop("WEB_CONCURRENCY", None)
            if args.workers:
                env["WEB_CONCURRENCY"] = str(args.workers)
            subprocess.run(
                [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
                cwd=folder,
                env=env,
                check=True,
                capture_output=True,
            )
            post = subprocess.run(
                [sys.executable, "-c", SEED],
                cwd=folder,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            rows = [
                (server, path)
                for server in ("dev server", "gunicorn", "nginx + gunicorn")
                for path in (f"/posts/{post}", "/static/style.css")
            ] + [("gunicorn gthread", f"/posts/{post}"), ("raw", "/")]
            workers = args.workers or 2 * (os.cpu_count() or 1) + 1
            print(
                f"d13: {args.requests} requests per row and round, {args.rounds} rounds, "
                f"interleaved; gunicorn: {workers} sync workers (gunicorn.conf.py); "
                f"{os.cpu_count()} cores; database: {described}"
            )
            with servers(folder, env) as ports:
                for connections in CONNECTIONS:
                    rates: dict[tuple[str, str], list[float]] = {row: [] for row in rows}
                    latencies: dict[tuple[str, str], list[float]] = {row: [] for row in rows}
                    for row in rows:  # warm up
                        load(ports[row[0]], row[1], 50, connections)
                    for _ in range(args.rounds):
                        for row in rows:
                            started = time.perf_counter()
                            times, _ = load(ports[row[0]], row[1], args.requests, connections)
                            rates[row].append(len(times) / (time.perf_counter() - started))
                            latencies[row] += times
                    print(f"\n{connections} connections")
                    print(f"{'server':<18} {'path':<20} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
                    for server, path in rows:
                        rate = statistics.median(rates[server, path])
                        times = latencies[server, path]
                        print(
                            f"{server:<18} {path:<20} {rate:>7.0f} "
                            f"{statistics.median(times):>8.2f} {p99(times):>8.2f}"
                        )
                    page = statistics.median(rates["gunicorn", f"/posts/{post}"])
                    raw = statistics.median(rates["raw", "/"])
                    print(
                        f"the post page under gunicorn runs at {page / raw:.2f} x the raw "
                        "WSGI callable's rate under the same gunicorn"
                    )


if __name__ == "__main__":
    main()
