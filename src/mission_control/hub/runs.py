"""Check runs started from the hub: queued, run as ``mission check`` in a child process, watched.

A run is exactly a terminal run: the hub starts ``python -m mission_control check <id> --json
--output FILE --events FILE`` against the learner's workspace copy, so the same runner checks
the same target and the CLI itself records the run in the progress store. The hub only reads
the two files: one JSON line per finished checkpoint while it runs, the report at the end.

At most one run per lesson and :data:`MAX_RUNNING` in all run at a time; more wait in a queue,
in order. Each run has a time limit: the CLI gets it as ``MISSION_CHECK_TIMEOUT`` (so it stops
the app and reports the timeout itself, and the run is recorded), and the hub stops the CLI's
whole process group if it is still there :data:`GRACE` seconds later. A run belongs to the hub,
not to a browser tab: closing the tab lets the run finish (it is recorded, and its processes
end with it); stopping the hub stops every run it started (:meth:`RunManager.stop_all`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_RUNNING = 2  # checks at a time, over all lessons (the machine has few cores)
GRACE = 20.0  # seconds the CLI gets past its own deadline before the hub stops it
QUEUED, RUNNING, DONE = "queued", "running", "done"


@dataclass
class Run:
    """One check run of one lesson, from the moment "Run checks" was pressed."""

    id: str
    lesson: str
    folder: Path
    limit: float
    state: str = QUEUED
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: datetime | None = None
    finished: datetime | None = None
    report: dict[str, Any] | None = None
    problem: str | None = None  # what went wrong around the CLI, in the learner's words
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mission-run-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def events_path(self) -> Path:
        return self.directory / "events.jsonl"

    @property
    def report_path(self) -> Path:
        return self.directory / "report.json"

    def results(self) -> list[dict[str, Any]]:
        """The checkpoints finished so far (all of them, from the report, once it is done)."""
        if self.report is not None:
            return list(self.report.get("results", []))
        try:
            lines = self.events_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        results = []
        for line in lines:
            try:
                results.append(json.loads(line))
            except ValueError:
                break  # a line still being written: the next read sees it whole
        return results


class RunManager:
    """The hub's runs: a queue, at most one per lesson and :data:`MAX_RUNNING` at a time."""

    def __init__(self, env: dict[str, str], max_running: int = MAX_RUNNING) -> None:
        self.env = env  # what the CLI must share with the hub (progress file, workspace)
        self.max_running = max_running
        self.runs: dict[str, Run] = {}
        self.queue: deque[Run] = deque()
        self.lock = threading.Lock()
        self.grace = GRACE

    def submit(self, lesson: str, folder: Path, limit: float) -> Run:
        """A new run of ``lesson``, or the one already queued or running for it."""
        with self.lock:
            for run in self.runs.values():
                if run.lesson == lesson and run.state != DONE:
                    return run
            run = Run(secrets.token_urlsafe(12), lesson, folder, limit)
            self.runs[run.id] = run
            self.queue.append(run)
            self._start_waiting()
            return run

    def get(self, run_id: str) -> Run | None:
        with self.lock:
            return self.runs.get(run_id)

    def place(self, run: Run) -> int:
        """Where a queued run is in the queue, from 1; 0 if it is not waiting."""
        with self.lock:
            return next((n for n, waiting in enumerate(self.queue, 1) if waiting is run), 0)

    def _start_waiting(self) -> None:
        """Start queued runs while there is room (called with the lock held)."""
        running = sum(1 for run in self.runs.values() if run.state == RUNNING)
        while self.queue and running < self.max_running:
            run = self.queue.popleft()
            run.state, run.started = RUNNING, datetime.now(UTC)
            running += 1
            threading.Thread(target=self._execute, args=(run,), daemon=True).start()

    def command(self, run: Run) -> list[str]:
        """``mission check`` of the workspace copy, writing its events and its report."""
        return [
            sys.executable,
            "-m",
            "mission_control",
            "check",
            run.lesson,
            "--json",
            "--output",
            str(run.report_path),
            "--events",
            str(run.events_path),
        ]

    def _execute(self, run: Run) -> None:
        """Run the CLI, wait for it within the limit, read its report, start the next run."""
        command = self.command(run)
        env = {**os.environ, **self.env, "MISSION_CHECK_TIMEOUT": f"{run.limit:g}"}
        try:
            run.process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so it can be stopped whole
            )
            try:
                run.process.wait(timeout=run.limit + self.grace)
            except subprocess.TimeoutExpired:
                stop_process(run.process)
                run.problem = (
                    f"The check did not finish within its time limit ({run.limit:g} s), so "
                    "Mission Control stopped it. Look for requests your app never answers."
                )
            run.report = read_report(run.report_path)
            if run.report is None and run.problem is None:
                run.problem = "The checker ended without a report; run `mission check` to see why."
        except OSError as exc:
            run.problem = f"The checker could not be started: {exc}"
        finally:
            with self.lock:
                run.state, run.finished = DONE, datetime.now(UTC)
                shutil.rmtree(run.directory, ignore_errors=True)  # the report is read
                self._start_waiting()

    def stop_all(self) -> None:
        """Stop every run still going (the hub is shutting down) and forget the queue."""
        with self.lock:
            self.queue.clear()
            processes = [run.process for run in self.runs.values() if run.process]
        for process in processes:
            stop_process(process)


def stop_process(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Ask the CLI to stop (it stops the learner's app on SIGTERM), then end its group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def read_report(path: Path) -> dict[str, Any] | None:
    """The report the CLI wrote whole (it renames a finished file into place), or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
