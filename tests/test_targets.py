"""The three target modes give the same verdicts, checkpoint by checkpoint.

In-process (the app imported in a child process), --serve (the checker starts the lesson's
run command) and --url (a server the test starts itself, as a learner would) are checked
against a01's solution, and against a wrong app, where they must fail the same checkpoints.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, mission, running_server, write_app

A01 = CATALOG.get("a01")
FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "course"


def verdicts(run) -> dict[str, str]:
    assert run.report["error"] is None, run.report["error"]
    return run.statuses()


def test_modes_agree_on_the_solution(app_copy) -> None:
    inprocess = mission("check", "a01", "--solution", "--json")
    served = mission("check", "a01", "--solution", "--serve", "--json")
    with running_server(A01.run, app_copy(A01.solution)) as url:
        live = mission("check", "a01", "--url", url, "--json")
        again = mission("check", "a01", "--url", url, "--json")  # the server now holds data
    assert inprocess.report["target"] == "inprocess"
    assert served.report["target"] == "serve"
    assert live.report["target"] == "url"
    expected = verdicts(inprocess)
    assert len(expected) >= 12 and set(expected.values()) == {"passed"}
    assert verdicts(served) == expected
    assert verdicts(live) == expected
    assert verdicts(again) == expected
    for run in (inprocess, served, live, again):
        assert run.returncode == 0


def test_modes_agree_on_a_wrong_app(tmp_path: Path) -> None:
    wrong = (
        (A01.solution / "app.py")
        .read_text()
        .replace(
            '        del todos[todo_id]\n    return "", 204',
            "    return jsonify(find(todo_id)), 200",
        )
    )
    folder = write_app(tmp_path / "wrong", wrong)
    inprocess = verdicts(mission("check", "a01", "--path", str(folder), "--json"))
    served = verdicts(mission("check", "a01", "--path", str(folder), "--serve", "--json"))
    with running_server(A01.run, folder) as url:
        live = verdicts(mission("check", "a01", "--url", url, "--json"))
    assert inprocess["delete-todo"] == "failed"
    assert inprocess["ids-never-reused"] == "failed"
    assert served == inprocess
    assert live == inprocess


def test_curl_commands_use_the_address_the_learner_knows(tmp_path: Path) -> None:
    broken = write_app(
        tmp_path / "broken",
        "from flask import Flask\napp = Flask(__name__)\n"
        "import os\nif __name__ == '__main__':\n"
        "    app.run(port=int(os.environ['PORT']))\n",
    )
    for extra in ((), ("--serve",)):
        report = mission("check", "a01", "--path", str(broken), "--json", *extra).report
        curls = [r["curl"] for r in report["results"] if r["curl"]]
        assert curls and all("http://127.0.0.1:5000/" in curl for curl in curls), curls
    with running_server(A01.run, broken) as url:
        report = mission("check", "a01", "--url", url, "--json").report
    curls = [r["curl"] for r in report["results"] if r["curl"]]
    assert curls and all(f"{url}/" in curl for curl in curls), curls


# -- the capabilities later lessons use, proven on a lesson made for the tests ------------


def fixture_check(*args: str):
    return mission("check", "a01", *args, "--json", env={"MISSION_COURSE_ROOT": str(FIXTURE_ROOT)})


@pytest.mark.parametrize("mode", [(), ("--serve",)], ids=["inprocess", "serve"])
def test_capabilities(mode: tuple[str, ...]) -> None:
    run = fixture_check("--solution", *mode)
    assert run.returncode == 0, run.output
    assert set(run.statuses()) == {
        "env-from-lesson",
        "restart-keeps-notes",
        "fake-upstream",
        "cli-command",
        "log-line",
    }


def test_capabilities_fail_against_the_starter() -> None:
    lesson_dir = FIXTURE_ROOT / "lessons/assignments/01-capabilities"
    run = fixture_check("--path", str(lesson_dir / "starter"))
    assert set(run.statuses().values()) == {"failed"}, run.statuses()


def test_capabilities_skip_with_a_reason_against_a_url(app_copy) -> None:
    lesson_dir = FIXTURE_ROOT / "lessons/assignments/01-capabilities"
    folder = app_copy(lesson_dir / "solution")
    with running_server("python app.py", folder, {"GREETING": "hello from lesson.toml"}) as url:
        run = fixture_check("--url", url)
    results = {r["id"]: r for r in run.report["results"]}
    assert results["env-from-lesson"]["status"] == "passed"
    for checkpoint, phrase in [
        ("restart-keeps-notes", "cannot restart a server it did not start"),
        ("fake-upstream", "Start the fake with `python fake_upstream.py`."),
        ("cli-command", "has no folder"),
        ("log-line", "cannot see your server's output"),
    ]:
        assert results[checkpoint]["status"] == "skipped"
        assert phrase in results[checkpoint]["message"], results[checkpoint]["message"]
        assert "mission check a01" in results[checkpoint]["message"]
    assert run.returncode == 0  # at a URL, only what can run at a URL decides (README)


def test_restart_that_fails_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    """An app that imports once and then refuses (here: a marker file) fails restart."""
    lesson_dir = FIXTURE_ROOT / "lessons/assignments/01-capabilities"
    source = (lesson_dir / "solution/app.py").read_text()
    source = (
        "from pathlib import Path\n"
        "if Path('started-once').exists():\n    raise RuntimeError('second start')\n"
        "Path('started-once').write_text('x')\n" + source
    )
    folder = write_app(tmp_path / "once", source)
    report = fixture_check("--path", str(folder)).report
    results = {r["id"]: r for r in report["results"]}
    restart = results["restart-keeps-notes"]
    assert restart["status"] == "failed"
    assert "after a restart, your app did not come back" in restart["message"]
    assert "RuntimeError: second start" in restart["message"]
    assert not (folder / "started-once").exists(), "the check wrote into the learner's folder"


def test_wsgi_validator_runs_beside_a_served_app() -> None:
    """With --serve, requests that need wsgiref.validate go to a worker over the same copy."""
    run = mission("check", "d01", "--solution", "--serve", "--json")
    assert run.returncode == 0, run.output
    assert run.statuses()["wsgi-validator"] == "passed"
