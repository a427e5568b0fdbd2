"""The progress store: every check run and its results, in one SQLite file.

Progress is never lost: each run is written in one transaction, the file is in WAL mode so
the hub can read while ``mission check`` writes, and concurrent writers wait for each other
(``busy_timeout``) instead of failing; a writer that still finds the file locked tries
again, and a run that cannot be written at all is kept beside the file (``*.pending/``) and
added by the next write. Runs against the reference solution are recorded too, but they are
not the learner's progress and are left out of it.

A damaged file (not a database, a bad page, a row that does not parse) never stops the
reader: what can be read is, the rest is left out, and :attr:`ProgressStore.damage` says
"your progress file is damaged at PATH" for the CLI and the hub to show.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mission_control.check.report import PASSED, Report

WRITE_ATTEMPTS = 4  # tries of one write while another process holds the file

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    lesson      TEXT NOT NULL,
    at          TEXT NOT NULL,          -- ISO 8601, UTC
    source      TEXT NOT NULL,          -- workspace | path | solution | url
    target      TEXT NOT NULL,          -- inprocess | serve | url
    checker     TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    error_kind  TEXT,
    passed      INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    skipped     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_lesson ON runs (lesson, id);
CREATE TABLE IF NOT EXISTS results (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    checkpoint  TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,          -- passed | failed | skipped
    message     TEXT NOT NULL,
    hint        TEXT NOT NULL,
    curl        TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (run_id, checkpoint)
);
"""
#: Columns added after the first release, with their definitions (added where missing).
ADDED_COLUMNS = {
    "results": {
        "detail": "TEXT NOT NULL DEFAULT ''",  # the parts of a result (message is all of them)
        "came_back": "TEXT NOT NULL DEFAULT ''",
        "app_log": "TEXT NOT NULL DEFAULT ''",
    }
}
SOURCES = ("workspace", "path", "solution", "url")


def default_path() -> Path:
    """``MISSION_PROGRESS_DB``, else ``workspace/.mission/progress.sqlite3`` in the course."""
    if env := os.environ.get("MISSION_PROGRESS_DB"):
        return Path(env)
    from mission_control.catalog import course_root

    return course_root() / "workspace" / ".mission" / "progress.sqlite3"


@dataclass(frozen=True)
class RunSummary:
    id: int
    lesson: str
    at: datetime
    source: str
    target: str
    error_kind: str | None
    passed: int
    failed: int
    skipped: int


@dataclass(frozen=True)
class StoredResult:
    checkpoint: str
    title: str
    status: str
    message: str
    hint: str
    curl: str
    detail: str = ""
    came_back: str = ""
    app_log: str = ""


@dataclass
class LessonProgress:
    """Where a learner stands on one lesson."""

    lesson: str
    total: int
    last_run: RunSummary | None = None
    latest: dict[str, StoredResult] = field(default_factory=dict)
    first_passed: dict[str, datetime] = field(default_factory=dict)
    completed_at: datetime | None = None  # the first run in which every checkpoint passed
    regressions: list[str] = field(default_factory=list)  # passed before, not now

    @property
    def passed(self) -> int:
        return sum(1 for result in self.latest.values() if result.status == PASSED)

    @property
    def started(self) -> bool:
        return self.last_run is not None

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0


class ProgressStore:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._schema_ready = False  # created on the first write through this store
        self.damage: str | None = None  # what a reader found broken, in the learner's words
        try:
            self.busy_timeout = float(os.environ.get("MISSION_PROGRESS_BUSY_TIMEOUT", "30"))
        except ValueError:
            self.busy_timeout = 30.0

    @property
    def pending_dir(self) -> Path:
        """Where runs wait that could not be written (a locked or damaged file)."""
        return self.path.with_name(self.path.name + ".pending")

    def _damaged(self, detail: object) -> None:
        self.damage = (
            f"Your progress file is damaged at {self.path} ({detail}). What could be read is "
            "shown; new checks are still kept. To start a fresh file, move this one away."
        )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.busy_timeout
        with closing(sqlite3.connect(self.path, timeout=timeout, isolation_level=None)) as db:
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.row_factory = sqlite3.Row
            yield db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if not self._schema_ready:
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        db.execute(statement)
                    _add_missing_columns(db)
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self._schema_ready = True

    def record(self, report: Report, source: str, at: datetime | None = None) -> int:
        """Keep one run and its results; return the run's id. A file another process keeps
        locked is tried again; if the run still cannot be written it is kept in
        :attr:`pending_dir` (:class:`RunKeptForLater` says where) and added by the next
        write, so it is never lost."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        at = at or datetime.now(UTC)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._add_pending()  # older runs first, so the newest keeps the newest id
                run_id = self._insert(report, source, at)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    return self._keep_for_later(report, source, at, exc)
                if attempt == WRITE_ATTEMPTS - 1:
                    return self._keep_for_later(report, source, at, exc)
                time.sleep(0.1 * 2**attempt)
            except sqlite3.DatabaseError as exc:  # not a database, a bad page
                return self._keep_for_later(report, source, at, exc)
            else:
                return run_id
        raise AssertionError("unreachable")

    def _keep_for_later(self, report: Report, source: str, at: datetime, error: Exception) -> int:
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        name = f"{at.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}.json"
        path = self.pending_dir / name
        data = {"report": report.to_dict(), "source": source, "at": at.isoformat()}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, path)
        raise RunKeptForLater(path, error)

    def _add_pending(self) -> None:
        """Write the runs kept for later, oldest first, each once."""
        if not self.pending_dir.is_dir():
            return
        for path in sorted(self.pending_dir.glob("*.json")):
            try:
                claimed = path.with_suffix(".adding")
                os.replace(path, claimed)  # one writer adds it, even with several at once
            except OSError:
                continue
            try:
                data = json.loads(claimed.read_text(encoding="utf-8"))
                self._insert(
                    Report.from_dict(data["report"]),
                    data["source"],
                    datetime.fromisoformat(data["at"]),
                )
            except sqlite3.Error:
                os.replace(claimed, path)  # still locked: next time
                return
            except (ValueError, KeyError, TypeError):
                continue  # a file that is not a kept run: leave it as .adding
            claimed.unlink()

    def _insert(self, report: Report, source: str, at: datetime) -> int:
        summary = report.summary
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO runs (lesson, at, source, target, checker, spec_hash, error_kind,"
                " passed, failed, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.lesson,
                    at.isoformat(timespec="seconds"),
                    source,
                    str(report.target) if report.target else "",
                    report.checker,
                    report.spec_hash,
                    str(report.error.kind) if report.error else None,
                    summary["passed"],
                    summary["failed"],
                    summary["skipped"],
                ),
            )
            run_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO results (run_id, checkpoint, title, status, message, hint, curl,"
                " duration_ms, detail, came_back, app_log)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        r.id,
                        r.title,
                        str(r.status),
                        r.message,
                        r.hint,
                        r.curl,
                        r.duration_ms,
                        r.detail,
                        r.came_back,
                        r.app_log,
                    )
                    for r in report.results
                ],
            )
        assert run_id is not None  # sqlite3 gives the new row's id after an INSERT
        return run_id

    def _read(self, query: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        if not self.path.exists():
            return []
        try:
            with self._connect() as db:
                return db.execute(query, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            self._damaged(exc)
        except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
            self._damaged(exc)
        return []

    def runs(self, lesson: str | None = None, *, limit: int = 50) -> list[RunSummary]:
        """The newest runs first (of one lesson, if given), the solution's included."""
        where, params = ("WHERE lesson = ?", [lesson]) if lesson else ("", [])
        rows = self._read(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [run for run in map(self._run, rows) if run is not None]

    def progress(self, lesson: str, checkpoint_ids: Sequence[str]) -> LessonProgress:
        """The learner's standing on ``lesson`` (runs of the solution do not count)."""
        state = LessonProgress(lesson=lesson, total=len(checkpoint_ids))
        wanted = set(checkpoint_ids)
        last = self._read(
            "SELECT * FROM runs WHERE lesson = ? AND source != 'solution' ORDER BY id DESC LIMIT 1",
            [lesson],
        )
        if not last or (last_run := self._run(last[0])) is None:
            return state
        state.last_run = last_run
        for row in self._read("SELECT * FROM results WHERE run_id = ?", [state.last_run.id]):
            if row["checkpoint"] in wanted:
                keys = row.keys()
                state.latest[row["checkpoint"]] = StoredResult(
                    row["checkpoint"],
                    row["title"],
                    row["status"],
                    row["message"],
                    row["hint"],
                    row["curl"],
                    row["detail"] if "detail" in keys and row["detail"] else row["message"],
                    row["came_back"] if "came_back" in keys else "",
                    row["app_log"] if "app_log" in keys else "",
                )
        for row in self._read(
            "SELECT checkpoint, MIN(at) AS first FROM results JOIN runs ON runs.id = run_id"
            " WHERE lesson = ? AND source != 'solution' AND status = 'passed'"
            " GROUP BY checkpoint",
            [lesson],
        ):
            first = self._moment(row["first"])
            if row["checkpoint"] in wanted and first is not None:
                state.first_passed[row["checkpoint"]] = first
        state.regressions = [
            checkpoint
            for checkpoint in checkpoint_ids
            if checkpoint in state.first_passed
            and (checkpoint not in state.latest or state.latest[checkpoint].status != PASSED)
        ]
        complete = self._read(
            "SELECT MIN(at) AS at FROM runs WHERE lesson = ? AND source != 'solution'"
            " AND error_kind IS NULL AND failed = 0 AND skipped = 0 AND passed >= ?",
            [lesson, len(checkpoint_ids)],
        )
        if complete and complete[0]["at"] and checkpoint_ids:
            state.completed_at = self._moment(complete[0]["at"])
        return state

    def _moment(self, text: object) -> datetime | None:
        """A stored time, or None (and :attr:`damage` said) if it does not parse."""
        try:
            return datetime.fromisoformat(str(text))
        except ValueError:
            self._damaged(f"a run has the time {text!r}")
            return None

    def _run(self, row: sqlite3.Row) -> RunSummary | None:
        at = self._moment(row["at"])
        if at is None:
            return None
        try:
            return RunSummary(
                id=int(row["id"]),
                lesson=str(row["lesson"]),
                at=at,
                source=str(row["source"]),
                target=str(row["target"]),
                error_kind=row["error_kind"],
                passed=int(row["passed"]),
                failed=int(row["failed"]),
                skipped=int(row["skipped"]),
            )
        except (TypeError, ValueError) as exc:
            self._damaged(f"run {row['id']!r}: {exc}")
            return None


class RunKeptForLater(Exception):
    """The run could not be written now; it waits in a file and is added by the next write."""

    def __init__(self, path: Path, error: Exception) -> None:
        self.path = path
        super().__init__(
            f"the progress file could not be written ({error}); this run is kept in {path} "
            "and will be added by your next check"
        )


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a store written by an earlier version up to date (its rows keep their data)."""
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
