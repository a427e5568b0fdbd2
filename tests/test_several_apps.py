"""Several apps, one spec (``[[apps]]`` in lesson.toml, d14): the catalog reads and
validates the apps; ``mission check`` checks each with the same checkpoints and prints a
row per app, ``--app`` checks one, the JSON report names the app, a checkpoint for one app
runs only for it, and ``mission compare`` prints one row of figures per app.

The checker's side is proven on the fixture course's a09 (a WSGI app and an ASGI app);
``mission compare`` on d14's solutions with a tiny, bounded number of requests (the table's
shape only, never its timings).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, mission

from mission_control.catalog import CatalogError, load_lesson
from mission_control.check.report import FAILED, PASSED, Report, Result, merge_reports
from mission_control.progress import ProgressStore

FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "course"
ENV = {"MISSION_COURSE_ROOT": str(FIXTURE_ROOT)}
STARTER = FIXTURE_ROOT / "lessons" / "assignments" / "09-two-apps" / "starter"

TWO_APPS = """\
format = 2
id = "a07"
title = "Two apps"
phase = 2
order = 3
summary = "Exists for the tests."

[[apps]]
name = "one"
folder = "one"
entry = "app:app"
run = "python app.py"
port = 5000
requirements = ["flask>=3.1,<3.2"]
setup = ["flask --app app init-db"]

[[apps]]
name = "two"
folder = "two"
entry = "main:app"
interface = "asgi"
run = "uvicorn main:app --port $PORT"
port = 8000
requirements = ["uvicorn>=0.30", "flask>=3.1,<3.2"]
production = "uvicorn main:app --port $PORT"
given = true

[check]
setup = ["python -c pass"]
"""


def lesson_file(root: Path, text: str) -> Path:
    path = root / "lessons" / "assignments" / "07-two-apps" / "lesson.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- the catalog ------------------------------------------------------------------------------


def test_apps_are_read_and_each_app_is_a_view_of_the_lesson(tmp_path: Path) -> None:
    lesson = load_lesson(lesson_file(tmp_path, TWO_APPS))
    assert lesson.app_names == ("one", "two")
    assert lesson.app is None and lesson.run == "python app.py"  # the first app's
    assert lesson.requirements == ("flask>=3.1,<3.2", "uvicorn>=0.30")  # every app's, once
    two = lesson.for_app("two")
    assert (two.app, two.app_folder, two.interface, str(two.entry)) == (
        "two",
        "two",
        "asgi",
        "main:app",
    )
    assert two.setup == ("python -c pass",)  # check.setup, then the app's own (none)
    assert lesson.for_app("one").setup == ("python -c pass", "flask --app app init-db")
    assert two.provided == lesson.path / "provided" / "two"
    assert [app.given for app in lesson.apps] == [False, True]
    assert lesson.apps[1].production == "uvicorn main:app --port $PORT"
    with pytest.raises(KeyError, match=r"no app 'three' \(its apps: one, two\)"):
        lesson.for_app("three")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            ("[check]", '[app]\nentry = "a:a"\nrun = "x"\nport = 5000\n\n[check]'),
            "apps",
            "not both",
        ),
        (
            ('summary = "Exists', 'requirements = ["flask"]\nsummary = "Exists'),
            "requirements",
            "own",
        ),
        (('name = "two"', 'name = "one"'), "apps[1].name", "used twice"),
        (('folder = "two"', 'folder = "one"'), "apps[1].folder", "of its own"),
        (('name = "two"', 'name = "Two"'), "apps[1].name", "lower-case"),
        (("given = true", 'given = "yes"'), "apps[1].given", "true or false"),
        (("given = true", 'colour = "red"'), "apps[1].colour", "unknown field"),
        (
            ('requirements = ["uvicorn>=0.30", "flask>=3.1,<3.2"]\n', ""),
            "apps[1].requirements",
            "missing",
        ),
    ],
)
def test_apps_are_validated(
    tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    text = TWO_APPS.replace(*change, 1)
    assert text != TWO_APPS
    with pytest.raises(CatalogError, match=message) as caught:
        load_lesson(lesson_file(tmp_path, text))
    assert caught.value.field == field


def test_one_app_in_apps_is_refused(tmp_path: Path) -> None:
    one = TWO_APPS.split("[[apps]]")
    text = "[[apps]]".join(one[:2]) + "\n[check]\n"
    with pytest.raises(CatalogError, match="two apps or more"):
        load_lesson(lesson_file(tmp_path, text))


def test_d14_declares_three_apps_with_their_servers() -> None:
    lesson = CATALOG.get("d14")
    assert lesson is not None
    assert lesson.app_names == ("flask", "django", "fastapi")
    assert [app.interface for app in lesson.apps] == ["wsgi", "wsgi", "asgi"]
    assert [app.production.split()[0] for app in lesson.apps] == ["gunicorn", "gunicorn", "uvicorn"]
    assert [app.given for app in lesson.apps] == [True, False, False]


# -- mission check ----------------------------------------------------------------------------


def test_every_app_is_checked_with_a_row_each() -> None:
    run = mission("check", "a09", "--solution", env=ENV)
    assert run.returncode == 0, run.output
    assert "Checking a09 · Two apps, one spec · app plain" in run.stdout
    assert "Checking a09 · Two apps, one spec · app raw" in run.stdout
    rows = run.stdout.split("Every app, the same checkpoints\n")[1].splitlines()
    assert rows[0].split()[1:4] == ["plain", "1", "passed,"], rows
    assert rows[1].split()[1:4] == ["raw", "2", "passed,"], rows


def test_one_app_with_app_and_its_name_in_the_json() -> None:
    run = mission("check", "a09", "--solution", "--app", "plain", "--json", env=ENV)
    assert run.returncode == 0, run.output
    assert run.report["app"] == "plain"
    assert run.statuses() == {"hello": "passed"}  # only-raw is the other app's
    assert "apps" not in run.report


def test_the_json_of_every_app_is_one_report_that_keeps_each_run() -> None:
    run = mission("check", "a09", "--path", str(STARTER), "--json", env=ENV)
    assert run.returncode == 1, run.output
    report = run.report
    assert report["app"] is None
    assert [one["app"] for one in report["apps"]] == ["plain", "raw"]
    assert {r["id"]: r["status"] for r in report["apps"][1]["results"]} == {
        "hello": "failed",
        "only-raw": "failed",
    }
    merged = {r["id"]: r for r in report["results"]}
    assert set(merged) == {"hello", "only-raw"}
    assert merged["hello"]["detail"].startswith("[plain] ")  # the first app it failed for


def test_a_failing_app_fails_the_check_and_its_row_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "plain").mkdir(parents=True)
    (folder / "plain" / "app.py").write_text((STARTER.parent / "solution/plain/app.py").read_text())
    (folder / "raw").mkdir()
    (folder / "raw" / "app.py").write_text((STARTER / "raw/app.py").read_text())
    run = mission("check", "a09", "--path", str(folder), env=ENV)
    assert run.returncode == 1, run.output
    rows = run.stdout.split("Every app, the same checkpoints\n")[1].splitlines()
    assert rows[0].startswith("✔ plain") and rows[1].startswith("✘ raw"), rows


def test_an_unknown_app_is_a_clear_error() -> None:
    run = mission("check", "a09", "--solution", "--app", "django", env=ENV)
    assert run.returncode == 2
    assert "a09 has no app 'django' (its apps: plain, raw)" in run.stderr


def test_a_url_needs_the_name_of_its_app() -> None:
    run = mission("check", "a09", "--url", "http://127.0.0.1:9", env=ENV)
    assert run.returncode == 2
    assert "--url checks one server: say which app it is with --app (plain, raw)" in run.stderr


def test_app_on_a_lesson_with_one_app_is_a_clear_error() -> None:
    run = mission("check", "a03", "--solution", "--app", "raw", env=ENV)
    assert run.returncode == 2
    assert "a03 has one app; --app is for lessons with several" in run.stderr


def test_a_missing_app_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "app.py").write_text("app = None\n")
    run = mission("check", "a09", "--path", str(tmp_path), "--app", "raw", "--json", env=ENV)
    assert run.returncode == 1
    assert run.report["error"]["kind"] == "not_started"
    assert str(tmp_path / "raw") in run.report["error"]["message"]


def test_the_workspace_run_of_every_app_is_recorded_as_one_run(tmp_path: Path) -> None:
    """One run in the progress store for the lesson (a checkpoint passes only where every app
    passed it); a run of one app (--app) is never recorded."""
    workspace = tmp_path / "workspace"
    env = {
        **ENV,
        "MISSION_WORKSPACE": str(workspace),
        "MISSION_PROGRESS_DB": str(tmp_path / "p.db"),
    }
    assert mission("start", "a09", env=env).returncode == 0
    solution = STARTER.parent / "solution" / "plain" / "app.py"
    (workspace / "09-two-apps" / "plain" / "app.py").write_text(solution.read_text())
    one = mission("check", "a09", "--app", "plain", env=env)
    assert one.returncode == 0, one.output
    assert "Not recorded as your progress: it checked the plain app only" in one.stderr
    every = mission("check", "a09", env=env)
    assert every.returncode == 1, every.output
    assert "Not recorded" not in every.stderr
    with sqlite3.connect(tmp_path / "p.db") as db:
        runs = db.execute("SELECT id, passed, failed FROM runs WHERE lesson = 'a09'").fetchall()
        assert [run[1:] for run in runs] == [(0, 2)]  # hello fails for raw, only-raw too
        statuses = dict(db.execute("SELECT checkpoint, status FROM results").fetchall())
    assert statuses == {"hello": "failed", "only-raw": "failed"}


def test_merge_keeps_the_worst_result_of_each_checkpoint() -> None:
    def report(app: str, statuses: dict[str, str]) -> Report:
        results = [
            Result(id=cid, title=cid, status=PASSED if s == "passed" else FAILED, detail=s)
            for cid, s in statuses.items()
        ]
        return Report("1", "a09", "hash", None, results=results, app=app)

    merged = merge_reports(
        [report("plain", {"hello": "passed"}), report("raw", {"hello": "failed", "only": "passed"})]
    )
    assert {r.id: r.status for r in merged.results} == {"hello": FAILED, "only": PASSED}
    assert merged.results[0].detail == "[raw] failed"
    assert [one.app for one in merged.apps] == ["plain", "raw"]
    again = Report.from_dict(json.loads(merged.to_json()))
    assert [one.app for one in again.apps] == ["plain", "raw"]


# -- mission compare --------------------------------------------------------------------------


def test_compare_prints_a_row_of_figures_per_app() -> None:
    """d14's three solutions under their production servers, with a handful of requests:
    the shape of the figures, never their values (those are for bench reading)."""
    args = (
        "compare",
        "d14",
        "--solution",
        "--requests",
        "6",
        "--rounds",
        "2",
        "--concurrency",
        "2",
    )
    run = mission(*args, "--json", timeout=300)
    assert run.returncode == 0, run.output
    figures = json.loads(run.stdout)
    assert (figures["requests"], figures["rounds"], figures["concurrency"]) == (6, 2, 2)
    rows = figures["apps"]
    assert [row["app"] for row in rows] == ["flask", "django", "fastapi"]
    assert [row["server"] for row in rows] == ["gunicorn", "gunicorn", "uvicorn"]
    for row in rows:
        assert row["files"] > 0 and row["lines"] > row["files"], row
        assert row["requests"] == 6 and row["errors"] == 0, row
        assert len(row["rounds"]) == 2, row
        for key in ("startup_s", "requests_per_s", "p50_ms", "p99_ms"):
            assert isinstance(row[key], float) and row[key] > 0, (key, row)
        assert row["p99_ms"] >= row["p50_ms"], row


def test_compare_says_when_a_server_stops_while_it_is_measured(tmp_path: Path) -> None:
    """uvicorn stops every worker when one fails to start, which can happen after the first
    200: the row would be a count of failed requests; it is an error with the server's log."""
    from mission_control.compare import CompareError, Server

    lesson = load_lesson(ROOT / "lessons" / "deep-dive" / "14-framework-comparison" / "lesson.toml")
    app = next(app for app in lesson.apps if app.name == "fastapi")
    server = Server(lesson, app, tmp_path / "fastapi")
    server.log.write_text("ERROR:    Application startup failed. Exiting.\n")
    server.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    server.process.wait()
    with pytest.raises(CompareError) as raised:
        server.check_running()
    message = str(raised.value)
    assert "fastapi: `uvicorn" in message and "stopped while it was measured" in message
    assert "exit code 3" in message and "Application startup failed" in message


FASTAPI_WORKER = """\
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import app.main  # the models, as a worker imports them
from app.db import create_tables
Path(sys.argv[2] + f".ready{os.getpid()}").touch()
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
create_tables()
"""


def test_fastapi_tables_are_created_once_when_workers_start_together(tmp_path: Path) -> None:
    """d14's given ``create_tables()`` (the starter's app/db.py is the solution's):
    uvicorn's two workers each run the lifespan; four processes released at once on a fresh
    SQLite file all start (a plain ``create_all`` failed 10 of 20 such starts with "table
    ... already exists")."""
    lesson = ROOT / "lessons" / "deep-dive" / "14-framework-comparison"
    given = [lesson / side / "fastapi" / "app" / "db.py" for side in ("starter", "solution")]
    assert given[0].read_text() == given[1].read_text()
    for attempt in range(3):
        database = tmp_path / f"blog{attempt}.sqlite3"
        go = tmp_path / f"go{attempt}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "JWT_SECRET_KEY": "x" * 40,
        }
        args = [sys.executable, "-c", FASTAPI_WORKER, str(lesson / "solution" / "fastapi"), str(go)]
        workers = [
            subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True) for _ in range(4)
        ]
        try:
            deadline = time.monotonic() + 60
            while len(list(tmp_path.glob(f"go{attempt}.ready*"))) < len(workers):
                assert time.monotonic() < deadline, "the workers never got ready"
                assert all(worker.poll() is None for worker in workers), "a worker exited"
                time.sleep(0.01)
            go.touch()  # all four imported and waiting: released at once
            outcomes = [worker.communicate(timeout=60) for worker in workers]
        finally:
            for worker in workers:
                worker.kill()
        failed = [
            err for worker, (_, err) in zip(workers, outcomes, strict=True) if worker.returncode
        ]
        assert not failed, failed[0][-1500:]
        with sqlite3.connect(database) as connection:
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"user", "post"} <= names, names


def test_compare_counts_code_without_migrations(tmp_path: Path) -> None:
    from mission_control.compare import count_code

    (tmp_path / "blog" / "migrations").mkdir(parents=True)
    (tmp_path / "blog" / "models.py").write_text("import x\n\n\nclass Post:\n    pass\n")
    (tmp_path / "blog" / "migrations" / "0001_initial.py").write_text("a = 1\n" * 50)
    (tmp_path / "blog" / "post.html").write_text("<h1>{{ title }}</h1>\n")
    (tmp_path / "requirements.txt").write_text("django\n")
    assert count_code(tmp_path) == (2, 4)


def test_compare_refuses_a_lesson_with_one_app() -> None:
    run = mission("compare", "d10", "--solution")
    assert run.returncode == 2
    assert "d10 has one app; compare is for lessons with several" in run.stderr


def test_progress_store_reads_a_merged_report(tmp_path: Path) -> None:
    """The hub and the store read a merged report like any other (its results by id)."""
    store = ProgressStore(tmp_path / "progress.sqlite3")
    results = [Result(id="hello", title="hello", status=PASSED)]
    merged = merge_reports(
        [
            Report("1", "a09", "hash", None, results=results, app="plain"),
            Report("1", "a09", "hash", None, results=list(results), app="raw"),
        ]
    )
    run_id = store.record(merged, "workspace")
    assert run_id > 0
