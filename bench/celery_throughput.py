"""Celery on Redis, as d11 runs it: tasks per second and the time from queueing to done.

One worker (`celery worker --concurrency=2`, prefork, with d11's settings: acks_late,
prefetch 1) on a Redis database of its own (the checker's `redis` service kind, flushed
after), runs two batches:

- 2,000 no-op tasks: each pushes its number and the moment it ran onto a Redis list;
- 200 mail tasks: each sends one message through SMTP to the checker's fake mail server
  (the `smtp` service kind, aiosmtpd), which notes when it accepted each.

For each batch it prints tasks per second (tasks / (last done - first queued)), the median
and p99 of queued-to-done in milliseconds, and how many tasks were lost (never done) and
done twice. Figures only: nothing here passes or fails. The worker is always stopped and the
Redis database flushed, even after an error; the wait for each batch is bounded.

    .venv/bin/python bench/celery_throughput.py [--noop 2000] [--mail 200]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mission_control.catalog import Service, load_catalog  # noqa: E402
from mission_control.check.mail import MailService  # noqa: E402
from mission_control.check.processes import kill_tree  # noqa: E402
from mission_control.check.redis_service import RedisService  # noqa: E402

TASKS = r'''
"""The bench's tasks (written to a temporary folder; the worker loads it with -A)."""
import os
import smtplib
import time
from email.message import EmailMessage

import redis
from celery import Celery

app = Celery("bench", broker=os.environ["BROKER_URL"])
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)
done = redis.Redis.from_url(os.environ["BROKER_URL"])


@app.task
def noop(number):
    done.rpush("bench:done", f"{number} {time.time()}")


@app.task
def mail(number):
    message = EmailMessage()
    message["From"] = "bench@example.com"
    message["To"] = f"user{number}@example.com"
    message["Subject"] = f"bench {number}"
    message.set_content("A message of the bench.")
    port = int(os.environ["MAIL_PORT"])
    with smtplib.SMTP(os.environ["MAIL_SERVER"], port, timeout=10) as smtp:
        smtp.send_message(message)
'''


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextlib.contextmanager
def worker(folder: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "bench_tasks",
        "worker",
        "--concurrency=2",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
    ]
    log = (folder / "worker.log").open("wb")
    process = subprocess.Popen(
        command, cwd=folder, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in (folder / "worker.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    "the worker did not start:\n" + (folder / "worker.log").read_text()
                )
            time.sleep(0.1)
        yield process
    finally:
        kill_tree(process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        log.close()


def report(name: str, count: int, queued: dict[int, float], done: list[tuple[int, float]]) -> None:
    seen: dict[int, int] = {}
    for number, _ in done:
        seen[number] = seen.get(number, 0) + 1
    lost = sum(1 for number in queued if number not in seen)
    twice = sum(n - 1 for n in seen.values() if n > 1)
    latencies = [(at - queued[number]) * 1000 for number, at in done if number in queued]
    span = max(at for _, at in done) - min(queued.values()) if done else float("nan")
    print(
        f"{name:>6}: {count} tasks, {len(done) / span:7.1f} tasks/s, queued-to-done median "
        f"{statistics.median(latencies):7.1f} ms, p99 {percentile(latencies, 0.99):7.1f} ms, "
        f"lost {lost}, done twice {twice}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noop", type=int, default=2000)
    parser.add_argument("--mail", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per batch at most")
    options = parser.parse_args()
    lesson = load_catalog(ROOT).get("d11")
    assert lesson is not None, "the d11 lesson is not in the catalog"
    redis_spec = Service("redis", "BROKER_URL", options=MappingProxyType({}))
    smtp_spec = Service("smtp", "MAIL_SERVER", options=MappingProxyType({}))
    broker = RedisService(lesson, redis_spec)
    mailbox = MailService(lesson, smtp_spec)
    try:
        import redis

        with tempfile.TemporaryDirectory(prefix="celery-bench-") as tmp:
            folder = Path(tmp)
            (folder / "bench_tasks.py").write_text(TASKS)
            env = {**broker.env, **mailbox.env}
            os.environ.update(env)
            sys.path.insert(0, str(folder))
            import bench_tasks  # the producer side: the same Celery app, to queue

            connection = redis.Redis.from_url(broker.url)
            print(
                f"Redis database {broker.db}, fake SMTP on port {mailbox.port}; one worker, "
                "concurrency 2 (prefork), acks_late, prefetch 1"
            )
            with worker(folder, env):
                queued: dict[int, float] = {}
                for number in range(options.noop):
                    queued[number] = time.time()
                    bench_tasks.noop.delay(number)
                deadline = time.monotonic() + options.timeout
                while connection.llen("bench:done") < options.noop and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1)  # anything done twice arrives meanwhile
                done = [
                    (int(n), float(at))
                    for n, at in (
                        item.decode().split() for item in connection.lrange("bench:done", 0, -1)
                    )
                ]
                report("no-op", options.noop, queued, done)

                sent: dict[int, float] = {}
                for number in range(options.mail):
                    sent[number] = time.monotonic()
                    bench_tasks.mail.delay(number)
                mailbox.wait_for(count=options.mail, timeout=options.timeout)
                time.sleep(1)
                mails = [(int(m.subject.split()[1]), m.at) for m in mailbox.messages]
                report("mail", options.mail, sent, mails)
    finally:
        mailbox.stop()
        broker.stop()


if __name__ == "__main__":
    main()
