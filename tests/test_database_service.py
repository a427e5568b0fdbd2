"""The `postgres` service kind, set-up commands and the `database` fixture, on the fixture
course's a08: a database of its own per check, created on the local PostgreSQL server and
dropped at the end (after a failure or Ctrl-C too), the SQLite fallback said first where no
server answers (and refused with CI set), a set-up command that fails as one clear error,
and the database checkpoints skipped with --url."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, mission, running_server

FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "course"
LESSON = FIXTURE_ROOT / "lessons" / "assignments" / "08-database"
ENV = {"MISSION_COURSE_ROOT": str(FIXTURE_ROOT)}
NO_SERVER = {"MISSION_POSTGRES_PORT": "1", "CI": ""}  # nothing listens on port 1


def check_databases() -> list[str]:
    """The checker's databases on the local server; skips (fails with CI) without one."""
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", dbname="postgres", connect_timeout=3, autocommit=True
        ) as db:
            rows = db.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'mission_a08_%'"
            ).fetchall()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run on 127.0.0.1:5432 in CI: {exc}")
        pytest.skip(
            f"no PostgreSQL on 127.0.0.1:5432 (start it: `service postgresql start`): {exc}"
        )
    return [row[0] for row in rows]


def drop_databases(names: set[str]) -> None:
    """Drop what a check that was killed (not interrupted) left behind."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", dbname="postgres", autocommit=True) as db:
        for name in names:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("mode", [(), ("--serve",)], ids=["inprocess", "serve"])
def test_a_database_per_check_on_postgres_dropped_after(mode: tuple[str, ...]) -> None:
    before = check_databases()
    run = mission("check", "a08", "--solution", "--json", *mode, env=ENV)
    assert run.returncode == 0, run.output
    report = run.report
    assert report["notices"] == []
    assert report["setup"][0]["command"] == "flask --app app init-db"
    assert report["setup"][0]["ok"] is True
    assert run.statuses() == {"dialect": "passed", "form-stores-note": "passed"}
    assert check_databases() == before


def test_the_sqlite_fallback_is_said_first() -> None:
    run = mission("check", "a08", "--solution", env={**ENV, **NO_SERVER})
    assert run.returncode == 0, run.output
    first = run.stdout.splitlines()[0]
    assert first.startswith("Note: No PostgreSQL answered on 127.0.0.1:1"), run.output
    assert "runs on a SQLite file instead" in first
    assert "2 passed, 0 failed" in run.stdout
    report = mission("check", "a08", "--solution", "--json", env={**ENV, **NO_SERVER}).report
    assert report["notices"] and "SQLite" in report["notices"][0]


def test_with_ci_set_postgres_is_required() -> None:
    run = mission("check", "a08", "--solution", "--json", env={**ENV, **NO_SERVER, "CI": "1"})
    assert run.returncode == 1
    error = run.report["error"]
    assert error["kind"] == "service_failed", error
    assert "needs PostgreSQL on 127.0.0.1:1 (CI is set" in error["message"]
    assert set(run.statuses().values()) == {"skipped"}


def test_a_failing_setup_command_is_one_error_with_its_output() -> None:
    check_databases()
    run = mission("check", "a08", "--path", str(LESSON / "starter"), "--json", env=ENV)
    assert run.returncode == 1
    report = run.report
    assert report["error"]["kind"] == "setup_failed"
    assert "`flask --app app init-db`" in report["error"]["message"]
    assert "No such command 'init-db'" in report["error"]["message"]
    assert report["setup"] == [
        {
            "command": "flask --app app init-db",
            "ok": False,
            "exit_code": 2,
            "output": report["setup"][0]["output"],
            "duration_ms": report["setup"][0]["duration_ms"],
        }
    ]
    assert set(run.statuses().values()) == {"skipped"}
    text = mission("check", "a08", "--path", str(LESSON / "starter"), env=ENV).stdout
    assert "✘ set-up: flask --app app init-db" in text or "FAIL set-up" in text, text


def test_database_checkpoints_are_skipped_with_url(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'url.db'}"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"],
        cwd=LESSON / "solution",
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    with running_server("python run.py", LESSON / "solution", env) as url:
        run = mission("check", "a08", "--url", url, "--json", env=ENV)
    results = {result["id"]: result for result in run.report["results"]}
    assert {r["status"] for r in results.values()} == {"skipped"}, run.output
    assert {r["needs"] for r in results.values()} == {"database"}
    assert "looks into the database your app writes to" in results["dialect"]["message"]
    assert run.report["setup"] == []


def test_the_database_is_dropped_after_ctrl_c(tmp_path: Path) -> None:
    """Ctrl-C in the middle of a check: the check's own database is gone once the command
    has ended (compared by name, so a database another check holds meanwhile is no matter)."""
    before = set(check_databases())
    pause = tmp_path / "paused"
    process = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "check", "a08", "--solution"],
        env={**os.environ, **ENV, "MISSION_TEST_PAUSE": str(pause)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    own: set[str] = set()
    try:
        deadline = time.monotonic() + 60
        while not pause.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pause.exists(), "the check never reached the pause"
        own = set(check_databases()) - before
        assert len(own) == 1, own  # the check's own, while it runs
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
        assert process.returncode == 130, output.decode(errors="replace")[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            drop_databases(own)  # never leave one behind for the next run
    assert not own & set(check_databases())


BLOG_LESSONS = ["d07", "d08", "d09", "d10", "d13"]  # the blog lessons that keep data in a database


@pytest.mark.slow
@pytest.mark.parametrize("lesson", BLOG_LESSONS)
@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_blog_solution_passes_on_postgres_and_on_the_fallback(database: str, lesson: str) -> None:
    """The blog (d07 on) is checked on PostgreSQL; each solution passes on the SQLite
    fallback too (a learner without a server gets the same verdict)."""
    env = {"CI": ""}
    if database == "postgresql":
        check_databases()
    else:
        env.update(NO_SERVER)
    run = mission("check", lesson, "--solution", "--json", env=env, timeout=300)
    assert run.returncode == 0, run.output
    assert set(run.statuses().values()) == {"passed"}, run.statuses()
    fallback = [notice for notice in run.report["notices"] if "SQLite" in notice]
    assert bool(fallback) == (database == "sqlite"), run.report["notices"]
