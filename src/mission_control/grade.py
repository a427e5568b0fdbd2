"""``mission grade``: check a whole class's submissions and write the grades.

Every submission is checked by its own ``mission check LESSON --path DIR --json`` process,
N at a time: the checker already runs the learner's app in a child of that process, and a
process per submission means one that crashes, hangs or floods its output costs only its own
row (a per-submission timeout ends its whole process group). Each row is the same report a
learner would get, so a grade is explained by the learner's own feedback.

Outputs in the grade folder: ``grades.csv``, ``reports/<submission>.json`` (the ``--json``
format), ``junit.xml``, ``report.html`` (a grid readable offline) and ``manifest.json``, which
lets a re-run skip every submission whose files, checkpoints and checker are unchanged.
Grading never records into a learner's progress store: the checks use a store inside the
grade folder.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mission_control import __version__
from mission_control.catalog import Lesson
from mission_control.check.formats import counts, graded, junit_xml, score
from mission_control.check.inventory import list_checkpoints, spec_hash
from mission_control.check.report import (
    NOT_STARTED,
    SKIPPED,
    CheckError,
    ErrorKind,
    Report,
    Result,
)

SKIP_PARTS = frozenset({"__pycache__", ".git", ".venv", "venv", "node_modules", ".mission"})
CSV_COLUMNS = (
    "submission",
    "points",
    "max",
    "passed",
    "failed",
    "skipped",
    "error",
    "spec_hash",
    "checker_version",
    "problem",
)


@dataclass(frozen=True)
class Submission:
    """One learner's folder and the name their row carries."""

    name: str
    path: Path


@dataclass
class Graded:
    """A submission's report, and whether it was re-used from the last run."""

    submission: Submission
    report: Report
    reused: bool = False


def find_submissions(folder: Path, roster: Path | None = None) -> list[Submission]:
    """Every sub-folder of ``folder`` (sorted), or the ``folder,name`` rows of a roster CSV."""
    if roster is not None:
        with roster.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return [
            Submission(row.get("name") or row["folder"], (folder / row["folder"]).resolve())
            for row in rows
            if row.get("folder")
        ]
    return [
        Submission(child.name, child.resolve())
        for child in sorted(folder.iterdir())
        if child.is_dir() and not child.name.startswith(".")
    ]


def files_hash(folder: Path) -> str:
    """sha256 over a folder's files (relative names and contents), caches left out."""
    digest = hashlib.sha256()
    if not folder.is_dir():
        return "missing"
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if set(relative.parts) & SKIP_PARTS or path.suffix == ".pyc" or not path.is_file():
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_name(name: str) -> str:
    """A submission name that is safe as a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"


class Progress:
    """A bar with the time left on a terminal, a line per submission elsewhere (CI logs)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.start = time.monotonic()
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def step(self, label: str) -> None:
        with self.lock:
            self.done += 1
            elapsed = time.monotonic() - self.start
            left = elapsed / self.done * (self.total - self.done)
            eta = f"{int(left // 60)}:{int(left % 60):02d} left"
            filled = round(20 * self.done / self.total) if self.total else 20
            bar = "#" * filled + "." * (20 - filled)
            text = f"[{bar}] {self.done}/{self.total}  {eta}  {label}"
            if self.tty:
                self.stream.write("\r\x1b[K" + text[:120])
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(text + "\n")
            self.stream.flush()


def _broken(lesson: Lesson, message: str) -> Report:
    """The report for a check that gave no report: the checker's error, nothing graded."""
    return Report(
        checker=__version__,
        lesson=lesson.id,
        spec_hash=spec_hash(lesson),
        target=None,
        error=CheckError(ErrorKind.CHECKER_ERROR, message),
        results=[
            Result(id=info.id, title=info.title, status=SKIPPED, detail=NOT_STARTED)
            for info in list_checkpoints(lesson)
        ],
    )


def check_one(
    lesson: Lesson,
    submission: Submission,
    *,
    timeout: float,
    env: dict[str, str],
    extra: Sequence[str] = (),
) -> Report:
    """``mission check --json`` on one submission in its own process group; whatever
    happens to it becomes a report."""
    command = [sys.executable, "-m", "mission_control", "check", lesson.id]
    command += ["--path", str(submission.path), "--json", *extra]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own group, so a timeout ends the app it started too
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(process)
        return _broken(lesson, f"the check did not finish within {timeout:g} s and was stopped")
    finally:
        _end_group(process)
    try:
        data = json.loads(stdout.decode("utf-8", "replace"))
        return Report.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        tail = stderr.decode("utf-8", "replace")[-2000:]
        return _broken(
            lesson,
            f"the check ended with status {process.returncode} without a report ({exc}):\n{tail}",
        )


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group this module started for one submission, if anything is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        process.kill()
        process.communicate()


def grade(
    lesson: Lesson,
    submissions: Sequence[Submission],
    out: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float = 120.0,
    extra_checkpoints: Path | None = None,
    reveal_hidden: bool = False,
    progress: TextIO | None = None,
    checker: Callable[..., Report] = check_one,
) -> list[Graded]:
    """Check every submission (re-using unchanged ones) and write every output into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    manifest_path = out / "manifest.json"
    try:
        manifest: dict[str, dict[str, str]] = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        manifest = {}
    extra = ["--extra-checkpoints", str(extra_checkpoints.resolve())] if extra_checkpoints else []
    base = "|".join(
        [
            __version__,
            spec_hash(lesson),
            files_hash(extra_checkpoints) if extra_checkpoints else "",
            "reveal" if reveal_hidden else "",
        ]
    )
    env = dict(os.environ)
    env["MISSION_PROGRESS_DB"] = str(out / ".progress.sqlite3")  # never the learner's store
    env["MISSION_REVEAL_HIDDEN"] = "1" if reveal_hidden else "0"
    env.pop("MISSION_WORKSPACE", None)

    results: dict[str, Graded] = {}
    todo: list[tuple[Submission, str]] = []
    for submission in submissions:
        key = hashlib.sha256(f"{base}|{files_hash(submission.path)}".encode()).hexdigest()
        report_file = out / "reports" / f"{file_name(submission.name)}.json"
        known = manifest.get(submission.name)
        if not force and known and known.get("key") == key and report_file.is_file():
            try:
                report = Report.from_dict(json.loads(report_file.read_text("utf-8")))
                results[submission.name] = Graded(submission, report, reused=True)
                continue
            except (ValueError, KeyError):
                pass
        todo.append((submission, key))

    bar = Progress(len(todo), progress) if progress is not None and todo else None
    workers = max(1, jobs or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(checker, lesson, submission, timeout=timeout, env=env, extra=extra): (
                submission,
                key,
            )
            for submission, key in todo
        }
        for future in as_completed(futures):
            submission, key = futures[future]
            try:
                report = future.result()
            except Exception as exc:  # the grader must go on whatever one check does
                report = _broken(lesson, f"{type(exc).__name__}: {exc}")
            report_file = out / "reports" / f"{file_name(submission.name)}.json"
            report_file.write_text(report.to_json() + "\n", encoding="utf-8")
            manifest[submission.name] = {"key": key, "report": report_file.name}
            results[submission.name] = Graded(submission, report)
            if bar is not None:
                bar.step(submission.name)

    ordered = [results[submission.name] for submission in submissions]
    fill_missing(ordered)
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    write_outputs(lesson, ordered, out)
    return ordered


def fill_missing(items: Sequence[Graded]) -> None:
    """Give every report every checkpoint any report ran, so all rows have the same maximum.

    A check that never reached pytest (no app file, a timeout) lists only the lesson's own
    checkpoints; a teacher's extra ones are added to it as not run, which a grade counts as
    failed because the report has an error.
    """
    known: dict[str, str] = {}
    for item in items:
        for result in item.report.results:
            known.setdefault(result.id, result.title)
    for item in items:
        present = {result.id for result in item.report.results}
        item.report.results += [
            Result(id=cid, title=title, status=SKIPPED, detail=NOT_STARTED)
            for cid, title in known.items()
            if cid not in present
        ]


def csv_row(lesson: Lesson, item: Graded) -> dict[str, str | int]:
    """One line of grades.csv."""
    rows = graded(item.report, lesson)
    earned, possible = score(rows)
    tally = counts(rows)
    return {
        "submission": item.submission.name,
        "points": earned,
        "max": possible,
        "passed": tally["passed"],
        "failed": tally["failed"],
        "skipped": tally["skipped"],
        "error": tally["error"],
        "spec_hash": item.report.spec_hash or "",
        "checker_version": item.report.checker,
        "problem": str(item.report.error.kind) if item.report.error else "",
    }


def write_outputs(lesson: Lesson, items: Sequence[Graded], out: Path) -> None:
    """grades.csv, junit.xml and report.html for ``items``."""
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for item in items:
            writer.writerow(csv_row(lesson, item))
    suites = [(item.submission.name, item.report) for item in items]
    (out / "junit.xml").write_text(junit_xml(suites, lesson), encoding="utf-8")
    from mission_control.grade_html import report_html

    (out / "report.html").write_text(report_html(lesson, items), encoding="utf-8")


def summary_lines(lesson: Lesson, items: Iterable[Graded]) -> list[str]:
    """What ``mission grade`` prints at the end: one line per submission."""
    lines = []
    for item in items:
        row = csv_row(lesson, item)
        note = " (unchanged, not re-checked)" if item.reused else ""
        problem = f"  [{row['problem']}]" if row["problem"] else ""
        lines.append(f"{item.submission.name:<30} {row['points']:>3}/{row['max']}{problem}{note}")
    return lines
