"""`mission`: each command and its error paths, run as a learner runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, free_port, mission, running_server, write_app

from mission_control import dev

A01 = CATALOG.get("a01")


def workspace() -> Path:
    return Path(os.environ["MISSION_WORKSPACE"])


def test_version_and_help() -> None:
    assert "mission, version" in mission("--version").stdout
    run = mission("--help")
    assert run.returncode == 0
    for command in ("lessons", "start", "check", "progress", "serve", "dev"):
        assert command in run.stdout


def test_lessons_shows_the_course_map() -> None:
    run = mission("lessons")
    assert run.returncode == 0, run.output
    for number in range(1, 5):
        assert f"Phase {number} ·" in run.stdout
    for lesson in CATALOG:
        assert lesson.id in run.stdout and lesson.title in run.stdout
    assert "mission start" in run.stdout


def test_lessons_markdown_matches_the_readme() -> None:
    run = mission("lessons", "--markdown")
    assert run.returncode == 0, run.output
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- course-map:start -->\n", "<!-- course-map:end -->"
    assert start in readme and end in readme, "README.md has no course map markers"
    block = readme.split(start)[1].split(end)[0]
    assert block == run.stdout, (
        "README.md's course map is out of date: replace the block between the markers with "
        "the output of `mission lessons --markdown`"
    )


def test_start_copies_the_starter_and_never_overwrites() -> None:
    run = mission("start", "a01")
    assert run.returncode == 0, run.output
    copy = workspace() / A01.slug
    assert (copy / "app.py").read_text() == (A01.starter / "app.py").read_text()
    assert "mission check a01" in run.stdout

    (copy / "app.py").write_text("# my precious work\n")
    again = mission("start", "a01")
    assert again.returncode == 1
    assert "already holds your work" in again.stderr and "--force" in again.stderr
    assert (copy / "app.py").read_text() == "# my precious work\n"


def test_start_force_keeps_a_backup() -> None:
    mission("start", "01-basic-todo-api")  # by slug
    copy = workspace() / A01.slug
    (copy / "app.py").write_text("# my precious work\n")
    first = mission("start", "a01", "--force")
    second_work = "# second attempt\n"
    (copy / "app.py").write_text(second_work)
    second = mission("start", "a01", "--force")
    assert first.returncode == 0 and second.returncode == 0, second.output
    backups = sorted(workspace().glob(f"{A01.slug}.backup-*"))
    assert len(backups) == 2, backups
    kept = {(backup / "app.py").read_text() for backup in backups}
    assert kept == {"# my precious work\n", second_work}
    assert (copy / "app.py").read_text() == (A01.starter / "app.py").read_text()
    assert "safe in" in second.stdout


def test_start_into_a_chosen_folder(tmp_path: Path) -> None:
    target = tmp_path / "my-todo"
    run = mission("start", "a01", "--dir", str(target))
    assert run.returncode == 0, run.output
    assert (target / "app.py").is_file()
    assert f"--path {target}" in run.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert mission("start", "a01", "--dir", str(empty)).returncode == 0


def test_unknown_lesson() -> None:
    run = mission("start", "a99")
    assert run.returncode == 1
    assert "There is no lesson 'a99'" in run.stderr and "a01" in run.stderr
    run = mission("check", "a99", "--json")
    assert run.returncode == 2
    assert run.report["error"]["kind"] == "unknown_lesson"
    assert mission("progress", "a99").returncode == 1


def test_check_before_start_says_what_to_do() -> None:
    run = mission("check", "a01")
    assert run.returncode == 1
    assert "You have not started a01 yet" in run.stdout
    assert "mission start a01" in run.stdout
    report = mission("check", "a01", "--json").report
    assert report["error"]["kind"] == "not_started"
    assert report["summary"]["passed"] == 0
    assert {result["status"] for result in report["results"]} == {"skipped"}


def test_check_the_workspace_copy() -> None:
    mission("start", "a01")
    run = mission("check", "a01")
    assert run.returncode == 1
    assert str(workspace() / A01.slug) in run.stdout
    assert "0 passed" in run.stdout


def test_check_a_folder_without_app(tmp_path: Path) -> None:
    run = mission("check", "a01", "--path", str(tmp_path), "--json")
    assert run.returncode == 1
    assert run.report["error"]["kind"] == "no_app"
    assert "app.py" in run.report["error"]["message"]
    missing = mission("check", "a01", "--path", str(tmp_path / "nowhere"), "--json")
    assert missing.report["error"]["kind"] == "not_started"


def test_conflicting_targets_are_usage_errors(tmp_path: Path) -> None:
    both = mission("check", "a01", "--solution", "--path", str(tmp_path))
    assert both.returncode == 2 and "choose one" in both.stderr
    served_url = mission("check", "a01", "--url", "http://127.0.0.1:9", "--serve")
    assert served_url.returncode == 2 and "--url" in served_url.stderr


def test_solution_check_json_is_one_object() -> None:
    run = mission("check", "a01", "--solution", "--json")
    assert run.returncode == 0, run.output
    report = json.loads(run.stdout)  # exactly one JSON document, nothing around it
    assert set(report) == {
        "checker",
        "lesson",
        "spec_hash",
        "target",
        "error",
        "results",
        "summary",
        "notices",
        "setup",
    }
    assert report["notices"] == [] and report["setup"] == []
    assert report["lesson"] == "a01" and report["target"] == "inprocess"
    assert len(report["spec_hash"]) == 64
    assert report["summary"]["passed"] >= 12
    for result in report["results"]:
        # The first format's fields, and the parts of a result added beside them.
        assert set(result) == {
            "id",
            "title",
            "status",
            "message",
            "hint",
            "curl",
            "duration_ms",
        } | {
            "detail",
            "came_back",
            "app_log",
            "needs",
            "hidden",  # a teacher's hidden checkpoint (issue 16)
        }


def test_progress_after_checks(tmp_path: Path) -> None:
    assert "No checks yet" in mission("progress").stdout
    assert "not checked yet" in mission("progress", "a01").stdout

    assert mission("start", "a01").returncode == 0
    app = write_app(workspace() / A01.slug, (A01.solution / "app.py").read_text())
    assert mission("check", "a01").returncode == 0
    run = mission("progress")
    assert "a01" in run.stdout and "18/18" in run.stdout.replace(" ", "")
    assert "completed" in run.stdout

    # break listing: those checkpoints passed before and fail now
    source = (
        (app / "app.py")
        .read_text()
        .replace("return jsonify(list(todos.values()))", 'return "nothing", 200')
    )
    (app / "app.py").write_text(source)
    assert mission("check", "a01").returncode == 1
    detail = mission("progress", "a01")
    assert "regression: GET /todos answers 200 with a JSON array of to-dos" in detail.stdout
    assert "first passed" in detail.stdout and "failed" in detail.stdout


def test_solution_runs_do_not_count_as_progress() -> None:
    assert mission("check", "a01", "--solution").returncode == 0
    assert "No checks yet" in mission("progress").stdout


def test_text_report_shape(tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "half",
        (A01.solution / "app.py")
        .read_text()
        .replace('return jsonify(todo), 201, {"Location": location}', "return jsonify(todo), 200"),
    )
    run = mission("check", "a01", "--path", str(app))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0] == "Checking a01 · Basic To-Do API"
    assert any(line.startswith("✔ GET /todos answers 200") for line in lines)
    failed = next(i for i, line in enumerate(lines) if line.startswith("✘ POST /todos creates"))
    details = "\n".join(lines[failed + 1 : failed + 8])
    assert "expected status 201 Created, not 200 OK" in details
    assert (
        "request:   curl -i http://127.0.0.1:5000/todos -H 'Content-Type: application/json'"
        in details
    )
    assert "came back: 200 OK, application/json" in details
    assert "hint:" in details
    assert any(line.startswith("– ") and "needs “POST /todos creates" in line for line in lines)
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", lines[-1]), lines[-1]


def test_start_copies_the_provided_files() -> None:
    """The given files (provided/) land in the learner's copy beside the starter's."""
    a05 = CATALOG.get("a05")
    run = mission("start", "a05")
    assert run.returncode == 0, run.output
    copy = workspace() / a05.slug
    given = (a05.provided / "fake_open_meteo.py").read_bytes()
    assert (copy / "fake_open_meteo.py").read_bytes() == given
    assert (copy / "app.py").read_bytes() == (a05.starter / "app.py").read_bytes()


# -- mission dev check -------------------------------------------------------------------------


@pytest.mark.slow
def test_dev_check_passes_for_a_lesson_that_keeps_its_invariants() -> None:
    run = mission("dev", "check", "d01")
    assert run.returncode == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].startswith("d01 · ")
    for check in (
        "✔ the solution passes every checkpoint, in file order",
        "✔ the solution passes every checkpoint, in reverse order",
        "✔ a normal run against the starter passes no checkpoint",
        "✔ each checkpoint alone (prerequisites ignored) fails against the starter",
    ):
        assert any(line.startswith(check) for line in lines), run.stdout
    assert any(line.startswith("✔ variant ") for line in lines), run.stdout
    assert "✘" not in run.stdout


@pytest.mark.slow
def test_dev_check_fails_for_a_starter_that_passes(tmp_path: Path) -> None:
    """A copied lesson whose starter is its solution: every checkpoint passes against the
    starter, so the starter invariants fail, each with the reason under its line."""
    d01 = CATALOG.get("d01")
    copy = tmp_path / "lessons" / d01.track / d01.slug
    shutil.copytree(d01.path, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "starter")
    shutil.copytree(d01.solution, copy / "starter", ignore=shutil.ignore_patterns("__pycache__"))
    run = mission(
        "dev", "check", "d01", "--only", "starter", env={"MISSION_COURSE_ROOT": str(tmp_path)}
    )
    assert run.returncode == 1, run.output
    lines = run.stdout.splitlines()
    failed = [i for i, line in enumerate(lines) if line.startswith("✘ ")]
    assert len(failed) == 2, run.stdout
    assert "these checkpoints pass against the starter" in lines[failed[0] + 1], run.stdout
    assert "do not fail against the starter" in lines[failed[1] + 1], run.stdout
    assert "✔" not in run.stdout


def test_dev_check_offers_every_invariant() -> None:
    run = mission("dev", "check", "--help")
    assert run.returncode == 0, run.output
    assert "|".join(dev.INVARIANTS) in run.stdout.replace("\n", "").replace(" ", ""), run.stdout


# -- progress is only the learner's own (issue 17) --------------------------------------------


def test_other_folders_are_reported_not_recorded(tmp_path: Path) -> None:
    """A teacher grading a student, or a learner trying a folder, leaves no progress."""
    student = write_app(tmp_path / "student", (A01.solution / "app.py").read_text())
    run = mission("check", "a01", "--path", str(student))
    assert run.returncode == 0, run.output
    assert "Not recorded as your progress" in run.stderr and "--record" in run.stderr
    graded = mission("check", "a01", "--path", str(student), "--json")
    assert graded.report["summary"]["passed"] == 18
    assert "No checks yet" in mission("progress").stdout


def test_another_folder_never_breaks_a_finished_lesson(tmp_path: Path) -> None:
    assert mission("start", "a01").returncode == 0
    write_app(workspace() / A01.slug, (A01.solution / "app.py").read_text())
    assert mission("check", "a01").returncode == 0
    starter = write_app(tmp_path / "other", (A01.starter / "app.py").read_text())
    assert mission("check", "a01", "--path", str(starter)).returncode == 1
    detail = mission("progress", "a01").stdout
    assert "18/18" in detail and "completed" in detail, detail
    assert "regression" not in detail, detail


def test_solution_via_path_is_not_completed() -> None:
    assert mission("check", "a01", "--path", str(A01.solution)).returncode == 0
    assert "No checks yet" in mission("progress").stdout


def test_record_counts_another_folder_when_asked(tmp_path: Path) -> None:
    mine = write_app(tmp_path / "elsewhere", (A01.solution / "app.py").read_text())
    run = mission("check", "a01", "--path", str(mine), "--record")
    assert run.returncode == 0, run.output
    assert "Not recorded" not in run.stderr
    assert "18/18" in mission("progress").stdout.replace(" ", "")
    refused = mission("check", "a01", "--solution", "--record")
    assert refused.returncode == 2 and "never your progress" in refused.stderr


# -- --url has its own exit rule (issue 17) ---------------------------------------------------


def test_url_check_passes_when_every_url_checkpoint_passed(app_copy) -> None:
    """d04 has checkpoints that run `flask --app app routes`: at a URL they are not
    checkable, and the check still exits 0 when everything else passed."""
    d04 = CATALOG.get("d04")
    with running_server(d04.run, app_copy(d04.solution)) as url:
        run = mission("check", "d04", "--url", url)
        as_json = mission("check", "d04", "--url", url, "--json")
    assert run.returncode == 0, run.output
    assert "not checkable at a URL" in run.stdout
    assert re.search(r"\(\d+ not checkable at a URL\)$", run.stdout.rstrip()), run.stdout
    assert as_json.returncode == 0, as_json.output
    skipped = [r for r in as_json.report["results"] if r["status"] == "skipped"]
    assert skipped and all(r["needs"] == "folder" for r in skipped), skipped
    assert "Not recorded as your progress" in run.stderr


def test_url_check_fails_when_a_url_checkpoint_fails(tmp_path: Path) -> None:
    d04 = CATALOG.get("d04")
    folder = tmp_path / "d04"
    shutil.copytree(d04.starter, folder, ignore=shutil.ignore_patterns("__pycache__"))
    with running_server(d04.run, folder) as url:
        run = mission("check", "d04", "--url", url, "--json")
    assert run.returncode == 1 and run.report["summary"]["failed"] > 0


# -- the hub has its own port (issue 17) ------------------------------------------------------


def test_hub_port_is_its_own() -> None:
    from mission_control.ports import HUB_PORT

    assert HUB_PORT not in {lesson.port for lesson in CATALOG}
    assert str(HUB_PORT) in mission("serve", "--help").stdout
    makefile = (ROOT / "Makefile").read_text()
    assert f"PORT   ?= {HUB_PORT}" in makefile and f"127.0.0.1:{HUB_PORT}" in makefile
    assert f"127.0.0.1:{HUB_PORT}" in (ROOT / "README.md").read_text()


def test_port_notice_names_the_hub_or_another_program(tmp_path: Path) -> None:
    import socket
    import threading

    from werkzeug.serving import make_server

    from mission_control.hub import create_app
    from mission_control.ports import HUB_PORT, port_notice

    assert port_notice(free_port(), "a01") is None
    hub = make_server("127.0.0.1", 0, create_app({"PROGRESS_DB": str(tmp_path / "p.db")}))
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    try:
        notice = port_notice(hub.server_port, "a01")
    finally:
        hub.shutdown()
        thread.join(5)
    assert notice is not None and "Mission Control (the hub)" in notice, notice
    assert str(HUB_PORT) in notice
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        notice = port_notice(other.getsockname()[1], "a01")
    assert notice is not None and "something is already listening" in notice, notice


def test_start_from_keeps_the_learners_own_files() -> None:
    """`mission start d07 --from d06` carries on with the learner's own d06 copy: their
    files are kept as they are, d07's new files are added, nothing of theirs is replaced."""
    d06, d07 = CATALOG.get("d06"), CATALOG.get("d07")
    assert d06 is not None and d07 is not None and d07.continues == "d06"
    assert mission("start", "d06").returncode == 0
    mine = workspace() / d06.slug
    (mine / "app/main/routes.py").write_text("# my own routes\n")
    (mine / "notes.txt").write_text("my notes\n")
    (mine / "instance").mkdir()
    (mine / "instance/blog.db").write_text("data")

    run = mission("start", "d07", "--from", "d06")
    assert run.returncode == 0, run.output
    copy = workspace() / d07.slug
    assert (copy / "app/main/routes.py").read_text() == "# my own routes\n"
    assert (copy / "notes.txt").read_text() == "my notes\n"
    assert (copy / "config.py").read_text() == (d06.starter / "config.py").read_text()
    for added in ("app/models.py", "app/commands.py", "migrations/env.py"):
        assert (copy / added).read_bytes() == (d07.starter / added).read_bytes(), added
    assert not (copy / "instance").exists()
    assert "app/models.py" in run.stdout and "Kept your version of" in run.stdout
    assert "app/main/routes.py" in run.stdout
    assert (mine / "app/main/routes.py").read_text() == "# my own routes\n"  # untouched


def test_start_from_the_wrong_lesson_or_nothing() -> None:
    wrong = mission("start", "d07", "--from", "a01")
    assert wrong.returncode == 1 and "d07 continues d06" in wrong.stderr, wrong.output
    none = mission("start", "d07", "--from", "d06")
    assert none.returncode == 1 and "There is no d06 copy of yours" in none.stderr
    alone = mission("start", "a01", "--from", "d06")
    assert alone.returncode == 1 and "a01 does not continue another lesson" in alone.stderr
    assert not (workspace() / CATALOG.get("d07").slug).exists()
