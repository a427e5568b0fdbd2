"""The progress store: every check run and its results, in one SQLite file.

Progress is never lost: each run is written in one transaction, the file is in WAL mode so
the hub can read while ``mission check`` writes, and concurrent writers wait for each other
(``busy_timeout``) instead of failing. Runs against the reference solution are recorded too,
but they are not the learner's progress and are left out of it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mission_control.check.report import PASSED, Report

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

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA busy_timeout = 30000")
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
        """Keep one run and its results; return the run's id."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        at = at or datetime.now(UTC)
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
        with self._connect() as db:
            try:
                return db.execute(query, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise

    def runs(self, lesson: str | None = None, *, limit: int = 50) -> list[RunSummary]:
        """The newest runs first (of one lesson, if given), the solution's included."""
        where, params = ("WHERE lesson = ?", [lesson]) if lesson else ("", [])
        rows = self._read(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [_run(row) for row in rows]

    def progress(self, lesson: str, checkpoint_ids: Sequence[str]) -> LessonProgress:
        """The learner's standing on ``lesson`` (runs of the solution do not count)."""
        state = LessonProgress(lesson=lesson, total=len(checkpoint_ids))
        wanted = set(checkpoint_ids)
        last = self._read(
            "SELECT * FROM runs WHERE lesson = ? AND source != 'solution' ORDER BY id DESC LIMIT 1",
            [lesson],
        )
        if not last:
            return state
        state.last_run = _run(last[0])
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
            if row["checkpoint"] in wanted:
                state.first_passed[row["checkpoint"]] = datetime.fromisoformat(row["first"])
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
            state.completed_at = datetime.fromisoformat(complete[0]["at"])
        return state


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a store written by an earlier version up to date (its rows keep their data)."""
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def _run(row: sqlite3.Row) -> RunSummary:
    return RunSummary(
        id=row["id"],
        lesson=row["lesson"],
        at=datetime.fromisoformat(row["at"]),
        source=row["source"],
        target=row["target"],
        error_kind=row["error_kind"],
        passed=row["passed"],
        failed=row["failed"],
        skipped=row["skipped"],
    )
