"""The progress store keeps every run, survives restarts and concurrent writers, and tells
first passes, completion and regressions apart."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mission_control.check.report import CheckError, ErrorKind, Report, Result
from mission_control.progress import ProgressStore

IDS = ["first", "second", "third"]
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def report(statuses: dict[str, str], lesson: str = "a01", error: str | None = None) -> Report:
    return Report(
        checker="test",
        lesson=lesson,
        spec_hash="0" * 64,
        target="inprocess",
        error=CheckError(ErrorKind(error), "boom") if error else None,
        results=[
            Result(
                id=cid,
                title=f"Checkpoint {cid}",
                status=status,
                detail="" if status == "passed" else f"{cid} went wrong",
            )
            for cid, status in statuses.items()
        ],
    )


def test_empty_store_has_no_progress(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "none.sqlite3")
    progress = store.progress("a01", IDS)
    assert not progress.started and progress.passed == 0 and progress.total == 3
    assert store.runs() == []
    assert not (tmp_path / "none.sqlite3").exists()  # reading never creates the file


def test_first_passes_completion_and_regressions(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.sqlite3")
    store.record(
        report({"first": "passed", "second": "failed", "third": "skipped"}), "workspace", at=T0
    )
    store.record(
        report({"first": "passed", "second": "passed", "third": "passed"}),
        "workspace",
        at=T0 + timedelta(hours=1),
    )
    store.record(
        report({"first": "failed", "second": "passed", "third": "skipped"}),
        "workspace",
        at=T0 + timedelta(hours=2),
    )

    reopened = ProgressStore(tmp_path / "p.sqlite3")  # a restart: a new store on the same file
    progress = reopened.progress("a01", IDS)
    assert progress.started and progress.passed == 1 and progress.percent == 33
    assert progress.first_passed == {
        "first": T0,
        "second": T0 + timedelta(hours=1),
        "third": T0 + timedelta(hours=1),
    }
    assert progress.completed_at == T0 + timedelta(hours=1)
    assert progress.regressions == ["first", "third"]
    assert progress.latest["first"].message == "first went wrong"
    assert progress.last_run.at == T0 + timedelta(hours=2)
    assert [run.passed for run in reopened.runs("a01")] == [1, 3, 1]  # newest first


def test_solution_runs_are_kept_but_not_progress(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.sqlite3")
    store.record(report(dict.fromkeys(IDS, "passed")), "solution", at=T0)
    assert not store.progress("a01", IDS).started
    assert [run.source for run in store.runs()] == ["solution"]


def test_a_run_that_could_not_start_is_not_a_completion(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.sqlite3")
    store.record(report(dict.fromkeys(IDS, "skipped"), error="import_error"), "path", at=T0)
    progress = store.progress("a01", IDS)
    assert progress.last_run.error_kind == "import_error"
    assert progress.completed_at is None and progress.passed == 0


def test_lessons_are_kept_apart(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.sqlite3")
    store.record(report(dict.fromkeys(IDS, "passed"), lesson="a02"), "workspace", at=T0)
    assert not store.progress("a01", IDS).started
    assert store.progress("a02", IDS).passed == 3


def test_unknown_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="source"):
        ProgressStore(tmp_path / "p.sqlite3").record(report({}), "elsewhere")


def _writer(path: str, worker: int, count: int) -> None:
    store = ProgressStore(path)
    for n in range(count):
        statuses = {cid: "passed" if (n + worker) % 2 else "failed" for cid in IDS}
        store.record(report(statuses), "workspace")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "p.sqlite3")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(path, worker, 40)) for worker in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 80
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 240
        orphans = "SELECT COUNT(*) FROM runs WHERE id NOT IN (SELECT run_id FROM results)"
        assert db.execute(orphans).fetchone()[0] == 0
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
