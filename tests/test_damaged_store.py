"""A damaged or locked progress file: nothing crashes, the learner is told, no run is lost.
And the hub's edges: 405s say what is allowed, and only local Host names are answered."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import ROOT, mission

from mission_control.check.report import PASSED, Report, Result, TargetKind
from mission_control.hub import create_app
from mission_control.progress import ProgressStore, RunKeptForLater


def _report(passed: int = 1) -> Report:
    return Report(
        checker="test",
        lesson="a01",
        spec_hash="hash",
        target=TargetKind.INPROCESS,
        results=[Result(id=f"c{i}", title=f"c{i}", status=PASSED) for i in range(passed)],
    )


@pytest.fixture
def db(isolated_state: Path) -> Path:
    return isolated_state / "progress.sqlite3"


def _bad_row(db: Path) -> None:
    ProgressStore(db).record(_report(), "workspace")
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE runs SET at = 'not-a-date'")


def _garbage(db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"this is not a database\n" * 200)


@pytest.mark.parametrize("damage", [_bad_row, _garbage], ids=["bad-row", "not-a-database"])
@pytest.mark.parametrize("command", [("lessons",), ("progress",), ("progress", "a01")])
def test_the_cli_says_the_file_is_damaged_and_keeps_working(
    damage, command: tuple[str, ...], db: Path
) -> None:
    damage(db)
    run = mission(*command)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    assert f"Your progress file is damaged at {db}" in run.stderr
    if command == ("lessons",):
        assert "a01" in run.stdout


@pytest.mark.parametrize("damage", [_bad_row, _garbage], ids=["bad-row", "not-a-database"])
@pytest.mark.parametrize("page", ["/", "/lessons/a01"])
def test_the_hub_says_the_file_is_damaged_and_keeps_working(damage, page: str, db: Path) -> None:
    damage(db)
    client = create_app({"PROGRESS_DB": str(db), "COURSE_ROOT": str(ROOT)}).test_client()
    answer = client.get(page)
    assert answer.status_code == 200
    assert "Your progress file is damaged at" in answer.get_data(as_text=True)


def test_a_damaged_file_keeps_new_runs_for_later(db: Path) -> None:
    _garbage(db)
    store = ProgressStore(db)
    with pytest.raises(RunKeptForLater) as kept:
        store.record(_report(), "workspace")
    assert kept.value.path.exists()
    db.unlink()  # the learner moves the damaged file away
    ProgressStore(db).record(_report(2), "workspace")
    assert [run.passed for run in ProgressStore(db).runs()] == [2, 1]


def test_a_locked_file_loses_no_run(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ProgressStore(db).record(_report(), "workspace")
    monkeypatch.setenv("MISSION_PROGRESS_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(RunKeptForLater):
            ProgressStore(db).record(_report(3), "workspace")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    ProgressStore(db).record(_report(5), "workspace")
    assert sorted(run.passed for run in ProgressStore(db).runs()) == [1, 3, 5]


def test_a_lock_released_while_waiting_loses_nothing(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ProgressStore(db).record(_report(), "workspace")
    monkeypatch.setenv("MISSION_PROGRESS_BUSY_TIMEOUT", "0.3")
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.5, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        ProgressStore(db).record(_report(4), "workspace")  # retried until the lock is gone
    finally:
        release.join()
        holder.close()
    assert sorted(run.passed for run in ProgressStore(db).runs()) == [1, 4]
    assert (
        not list(ProgressStore(db).pending_dir.glob("*"))
        if ProgressStore(db).pending_dir.exists()
        else True
    )


def test_405_carries_allow() -> None:
    client = create_app({"COURSE_ROOT": str(ROOT)}).test_client()
    answer = client.post("/")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost", 200),
        ("127.0.0.1", 200),
        ("[::1]", 200),
        ("127.0.0.1:80", 200),
        ("127.0.0.1:8765", 400),  # not the hub's own port
        ("evil.example", 400),
        ("localhost.evil.example", 400),
        ("127.0.0.1.nip.io", 400),
    ],
)
def test_the_hub_answers_only_local_host_names(host: str, status: int) -> None:
    client = create_app({"COURSE_ROOT": str(ROOT)}).test_client()
    answer = client.get("/", headers={"Host": host})
    assert answer.status_code == status
