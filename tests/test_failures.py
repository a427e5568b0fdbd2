"""What a learner sees when their app cannot be checked, or answers wrongly.

Each broken app is a real folder with a real app.py, checked in-process and with --serve; the
checker must stay up, print exactly one JSON object with --json, and say in plain words what
went wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, mission, write_app

A01 = CATALOG.get("a01")
SOLUTION = (A01.solution / "app.py").read_text()
FAST = {"MISSION_IMPORT_TIMEOUT": "3", "MISSION_START_TIMEOUT": "3", "MISSION_REQUEST_TIMEOUT": "2"}

SYNTAX_ERROR = "from flask import Flask\napp = Flask(__name__)\n\ndef broken(:\n    pass\n"
NAME_ERROR = (
    "from flask import Flask\n\napp = Flask(__name__)\n\n\ndef setup():\n"
    "    return undefined_name\n\n\nsetup()\n"
)
MISSING_MODULE = "import flask_not_installed_anywhere\n"
NO_APP = "from flask import Flask\n\napplication = Flask(__name__)\n"
NOT_CALLABLE = "app = 42\n"
SYS_EXIT = "import sys\nfrom flask import Flask\n\napp = Flask(__name__)\nsys.exit(3)\n"
OS_EXIT = "import os\n\nprint('bye', flush=True)\nos._exit(7)\n"
HANGS = "from flask import Flask\n\napp = Flask(__name__)\napp.run(port=0)\n"
LOOPS = "import time\n\nwhile True:\n    time.sleep(0.1)\n"
NEVER_LISTENS = SOLUTION.replace(
    'app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))',
    "import time\n    time.sleep(600)",
)
WRONG_PORT = SOLUTION.replace('port=int(os.environ.get("PORT", "5000"))', "port=0")
NOISY = (
    "print('hello from import ' * 50)\nimport sys\nprint('{not json', file=sys.stderr)\n" + SOLUTION
)


def check(folder: Path, *extra: str):
    return mission("check", "a01", "--path", str(folder), "--json", *extra, env=FAST)


def assert_one_clear_error(run, kind: str, *phrases: str) -> dict:
    report = run.report  # fails the test if stdout is not exactly one JSON object
    assert run.returncode == 1, run.output
    assert report["error"] is not None and report["error"]["kind"] == kind, report["error"]
    for phrase in phrases:
        assert phrase in report["error"]["message"], report["error"]["message"]
    assert report["summary"]["passed"] == 0
    assert all(result["status"] == "skipped" for result in report["results"])
    return report


@pytest.mark.parametrize(
    ("source", "phrases"),
    [
        (SYNTAX_ERROR, ["does not import", "app.py", "line 4", "SyntaxError"]),
        (
            NAME_ERROR,
            [
                "Traceback (your files only)",
                'File "app.py", line 10',
                "line 7",
                "NameError: name 'undefined_name' is not defined",
            ],
        ),
        (MISSING_MODULE, ["ModuleNotFoundError", "flask_not_installed_anywhere", "app.py"]),
    ],
    ids=["syntax-error", "name-error", "missing-module"],
)
def test_app_that_does_not_import(tmp_path: Path, source: str, phrases: list[str]) -> None:
    report = assert_one_clear_error(
        check(write_app(tmp_path / "app", source)), "import_error", *phrases
    )
    message = report["error"]["message"]
    assert "worker.py" not in message and "importlib" not in message, message


def test_import_error_text_is_one_message(tmp_path: Path) -> None:
    run = mission("check", "a01", "--path", str(write_app(tmp_path / "app", NAME_ERROR)), env=FAST)
    assert run.returncode == 1
    assert run.stdout.count("NameError") == 1, run.stdout
    assert "Your app does not import." in run.stdout
    assert run.stdout.rstrip().endswith(f"0 passed, 0 failed, {len(list_ids())} skipped")


def list_ids() -> list[str]:
    from mission_control.check.inventory import list_checkpoints

    return [info.id for info in list_checkpoints(A01)]


@pytest.mark.parametrize(
    ("source", "phrase"),
    [(NO_APP, "`app` was not found"), (NOT_CALLABLE, "`app` is not callable")],
    ids=["no-app", "not-callable"],
)
def test_no_app_object(tmp_path: Path, source: str, phrase: str) -> None:
    assert_one_clear_error(
        check(write_app(tmp_path / "app", source)), "no_app", phrase, "app = Flask(__name__)"
    )


def test_sys_exit_at_import(tmp_path: Path) -> None:
    assert_one_clear_error(
        check(write_app(tmp_path / "app", SYS_EXIT)),
        "app_exited",
        "sys.exit(3)",
        '__name__ == "__main__"',
    )


def test_os_exit_at_import(tmp_path: Path) -> None:
    assert_one_clear_error(
        check(write_app(tmp_path / "app", OS_EXIT)), "app_exited", "exit code 7", "bye"
    )


@pytest.mark.parametrize("source", [HANGS, LOOPS], ids=["app-run-at-import", "endless-loop"])
def test_hang_at_import(tmp_path: Path, source: str) -> None:
    started = time.monotonic()
    assert_one_clear_error(
        check(write_app(tmp_path / "app", source)),
        "import_timeout",
        "did not finish within 3 s",
        "app.run()",
    )
    assert time.monotonic() - started < 60  # the checker gave up; it did not hang too


def test_serve_never_opens_its_port(tmp_path: Path) -> None:
    run = check(write_app(tmp_path / "app", NEVER_LISTENS), "--serve")
    assert_one_clear_error(run, "server_not_answering", "within 3 s", "PORT")


def test_serve_ignores_port(tmp_path: Path) -> None:
    run = check(write_app(tmp_path / "app", WRONG_PORT), "--serve")
    assert_one_clear_error(run, "server_not_answering", "PORT environment variable")


def test_serve_exits_at_once(tmp_path: Path) -> None:
    run = check(write_app(tmp_path / "app", SYNTAX_ERROR), "--serve")
    assert_one_clear_error(run, "server_exited", "stopped before it answered", "SyntaxError")


def test_stray_output_does_not_break_json(tmp_path: Path) -> None:
    run = check(write_app(tmp_path / "app", NOISY))
    assert run.returncode == 0, run.output
    assert json.loads(run.stdout)["summary"]["failed"] == 0
    assert "hello from import" not in run.stdout


def test_wrong_answers_are_explained(tmp_path: Path) -> None:
    no_handler = SOLUTION.replace(
        "@app.errorhandler(HTTPException)\ndef json_error", "def json_error"
    )
    report = check(write_app(tmp_path / "app", no_handler)).report
    results = {result["id"]: result for result in report["results"]}
    unknown = results["unknown-url-json-404"]
    assert unknown["status"] == "failed"
    assert unknown["message"].startswith("expected a JSON body (Content-Type: application/json)")
    assert "Came back: 404 NOT FOUND, text/html" in unknown["message"]
    assert unknown["curl"].startswith("curl -i http://127.0.0.1:5000/no-such-page-")
    assert "@app.errorhandler(HTTPException)" in unknown["hint"]

    no_limit = SOLUTION.replace("if len(title.strip()) > TITLE_MAX:", "if False:")
    report = check(write_app(tmp_path / "app2", no_limit)).report
    results = {result["id"]: result for result in report["results"]}
    title = results["create-validates-title"]
    assert title["status"] == "failed"
    assert "expected status 400 Bad Request, not 201 CREATED" in title["message"]
    assert "x" * 201 in title["curl"]
    assert results["create-todo"]["status"] == "passed"
    assert report["error"] is None


def test_request_that_hangs_times_out_and_the_check_goes_on(tmp_path: Path) -> None:
    source = SOLUTION.replace(
        "def list_todos():\n", "def list_todos():\n    import time\n    time.sleep(60)\n"
    )
    for extra in ((), ("--serve",)):
        report = check(write_app(tmp_path / f"app{extra}", source), *extra).report
        results = {result["id"]: result for result in report["results"]}
        listed = results["list-is-json-array"]
        assert listed["status"] == "failed"
        assert "got no answer within 2 s" in listed["message"], listed["message"]
        assert listed["curl"] == "curl -i http://127.0.0.1:5000/todos"
        assert results["get-todo"]["status"] == "passed"  # the app was restarted


def test_crash_while_answering(tmp_path: Path) -> None:
    source = SOLUTION.replace(
        "def delete_todo(todo_id: int):\n", "def delete_todo(todo_id: int):\n    os._exit(5)\n"
    )
    report = check(write_app(tmp_path / "app", source)).report
    results = {result["id"]: result for result in report["results"]}
    deleted = results["delete-todo"]
    assert deleted["status"] == "failed"
    assert "Your app stopped while answering DELETE /todos/" in deleted["message"]
    assert "exit code 5" in deleted["message"]
    assert results["get-unknown-404"]["status"] == "passed"


def test_exception_in_a_view_is_a_500_not_a_crash(tmp_path: Path) -> None:
    source = SOLUTION.replace(
        "def get_todo(todo_id: int):\n", "def get_todo(todo_id: int):\n    1 / 0\n"
    )
    report = check(write_app(tmp_path / "app", source)).report
    results = {result["id"]: result for result in report["results"]}
    message = results["get-todo"]["message"]
    assert results["get-todo"]["status"] == "failed"
    assert "not 500 INTERNAL SERVER ERROR" in message
    # the traceback from the app's log, the learner's own frame kept, Flask's folded
    assert "Your app logged:" in message and "ZeroDivisionError: division by zero" in message
    assert "in get_todo" in message and "1 / 0" in message
    assert "(library frames left out)" in message and "site-packages" not in message
    assert results["create-todo"]["status"] == "passed"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("mode", [(), ("--serve",)], ids=["inprocess", "serve"])
def test_ctrl_c_stops_the_app(tmp_path: Path, mode: tuple[str, ...]) -> None:
    pid_file = tmp_path / "pid"
    source = (
        "import os, time\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        + SOLUTION.replace("def list_todos():\n", "def list_todos():\n    time.sleep(60)\n")
    )
    folder = write_app(tmp_path / "app", source)
    checker = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "check", "a01", "--path", str(folder), *mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MISSION_REQUEST_TIMEOUT": "60"},
    )
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the app never started"
            time.sleep(0.05)
        app_pid = int(pid_file.read_text())
        time.sleep(1.0)  # let the check reach the request that hangs
        checker.send_signal(signal.SIGINT)
        _, err = checker.communicate(timeout=30)
    finally:
        if checker.poll() is None:
            checker.kill()
    assert checker.returncode == 130, err
    assert b"Interrupted" in err
    deadline = time.monotonic() + 10
    while _alive(app_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(app_pid), "the learner's app outlived the checker"


# -- one message for an app that does not import, in every mode (issue 17) ---------------------

D04 = CATALOG.get("d04")


def d04_app(tmp_path: Path, source: str) -> Path:
    """d04's solution folder (templates, static) with ``source`` as its app.py: d04 has
    checkpoints that only run a command (`flask --app app routes`)."""
    folder = tmp_path / "d04"
    shutil.copytree(D04.solution, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "app.py").write_text(source, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("source", "extra", "kind"),
    [
        (SYNTAX_ERROR, (), "import_error"),
        (SYS_EXIT, (), "app_exited"),
        (LOOPS, (), "import_timeout"),
        (SYNTAX_ERROR, ("--serve",), "server_exited"),
        (LOOPS, ("--serve",), "import_timeout"),
    ],
    ids=["syntax", "sys-exit", "loop", "serve-syntax", "serve-loop"],
)
def test_command_checkpoints_are_skipped_too(
    tmp_path: Path, source: str, extra: tuple[str, ...], kind: str
) -> None:
    folder = d04_app(tmp_path, source)
    run = mission("check", "d04", "--path", str(folder), "--json", *extra, env=FAST)
    report = assert_one_clear_error(run, kind)
    assert report["summary"]["failed"] == 0 and report["summary"]["error"] == 0, report
    text = json.dumps(report)
    assert "Traceback (most recent call last)" not in text
    assert "exit code None" not in text
    if "--serve" in extra:
        assert "PORT" not in report["error"]["message"], report["error"]["message"]


def test_endless_loop_under_serve_names_the_import(tmp_path: Path) -> None:
    run = check(write_app(tmp_path / "app", LOOPS), "--serve")
    report = assert_one_clear_error(run, "import_timeout", "did not finish within 3 s")
    assert "PORT" not in report["error"]["message"]
