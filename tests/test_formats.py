"""The report formats against their documented structure (JUnit XML as Jenkins' junit
schema describes it, Gradescope's results.json, TAP 14, GitHub Classroom's runner result),
points from lesson.toml, and a teacher's private (hidden) checkpoints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from helpers import CATALOG

from mission_control.check.formats import classroom, graded, gradescope, junit_xml, score, tap
from mission_control.check.report import (
    ERROR,
    FAILED,
    HIDDEN_MESSAGE,
    PASSED,
    SKIPPED,
    CheckError,
    ErrorKind,
    Report,
    Result,
    TargetKind,
)

LESSON = CATALOG.get("a01")
assert LESSON is not None


def sample() -> Report:
    return Report(
        checker="0.1.0",
        lesson="a01",
        spec_hash="f" * 64,
        target=TargetKind.INPROCESS,
        results=[
            Result("create-todo", "POST /todos creates # a to-do", PASSED, duration_ms=12),
            Result(
                "get-todo",
                "GET /todos/<id>",
                FAILED,
                detail="expected status 200, not 404\x00\x1b",
                hint="Look the id up.",
                curl="curl -i http://127.0.0.1:5000/todos/1",
            ),
            Result("delete-todo", "DELETE", SKIPPED, detail="needs “GET” to pass first"),
            Result("broken", "A broken checkpoint", ERROR, detail="NameError: x"),
            Result("secret", "A private check", FAILED, detail=HIDDEN_MESSAGE, hidden=True),
        ],
    )


# JUnit, as the Jenkins junit XSD (the format CI dashboards read) lays it out.
SUITE_ATTRS = {
    "name",
    "tests",
    "failures",
    "errors",
    "skipped",
    "time",
    "timestamp",
    "hostname",
    "id",
    "package",
    "disabled",
    "group",
    "file",
    "log",
    "url",
    "version",
}
CASE_ATTRS = {"name", "classname", "time", "assertions", "status", "file", "line", "group"}
CASE_CHILDREN = {"skipped", "error", "failure", "system-out", "system-err"}


def check_junit(text: str) -> ET.Element:
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    assert set(root.attrib) <= {
        "name",
        "time",
        "tests",
        "failures",
        "errors",
        "skipped",
        "disabled",
    }
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests"} <= set(suite.attrib) <= SUITE_ATTRS
        children = [child.tag for child in suite]
        assert set(children) <= {"properties", "testcase", "system-out", "system-err"}
        assert children.count("properties") <= 1 and children[0] == "properties"
        for prop in suite.iter("property"):
            assert set(prop.attrib) == {"name", "value"}
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, "0")) == sum(c.find(tag) is not None for c in cases)
        for case in cases:
            assert "name" in case.attrib and set(case.attrib) <= CASE_ATTRS
            float(case.get("time", "0"))
            outcome = [child for child in case if child.tag in {"skipped", "error", "failure"}]
            assert len(outcome) <= 1 and {c.tag for c in case} <= CASE_CHILDREN
            for child in outcome:
                assert set(child.attrib) <= {"message", "type"}
        float(suite.get("time", "0"))
    return root


def test_junit_follows_the_schema_and_says_the_feedback() -> None:
    report = sample()
    root = check_junit(junit_xml([("alice", report), ("bob", report)], LESSON))
    suite = root[0]
    failure = suite.find("testcase[@name='GET /todos/<id>']/failure")
    assert failure is not None and "expected status 200, not 404" in (failure.text or "")
    assert "Hint: Look the id up." in (failure.text or "") and "\x00" not in (failure.text or "")
    assert suite.find("testcase[@name='A broken checkpoint']/error") is not None
    assert root.get("tests") == "10"


def test_an_app_that_never_started_fails_every_checkpoint_not_skips() -> None:
    report = replace(
        sample(),
        error=CheckError(ErrorKind.IMPORT_ERROR, "SyntaxError in app.py"),
        results=[Result("create-todo", "POST", SKIPPED, detail="not run")],
    )
    rows = graded(report, LESSON)
    assert rows[0].outcome == FAILED and "Your app does not import." in rows[0].feedback
    check_junit(junit_xml([("carol", report)], LESSON))
    checker = replace(report, error=CheckError(ErrorKind.CHECKER_ERROR, "pytest broke"))
    assert graded(checker, LESSON)[0].outcome == ERROR


def test_gradescope_results_json_structure() -> None:
    data = gradescope(sample(), LESSON)
    assert isinstance(data["score"], float) and data["score"] == 1.0
    assert data["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    for test in data["tests"]:
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["output"], str)
        assert test["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
        assert test["status"] in {"passed", "failed"}
    assert data["tests"][-1]["visibility"] == "after_published"  # the hidden one
    assert data["tests"][-1]["output"] == HIDDEN_MESSAGE
    json.dumps(data)


TAP_POINT = re.compile(
    r"^(not )?ok (\d+)(?: - ((?:[^#\\]|\\[#\\])*))?(?: # (SKIP|TODO)(?:\s.*)?)?$"
)


def check_tap14(text: str) -> list[tuple[bool, str]]:
    """A small TAP 14 reader: version line, plan, test points, YAML blocks, comments."""
    lines = text.splitlines()
    assert lines[0] == "TAP version 14"
    plan = re.fullmatch(r"1\.\.(\d+)", lines[1])
    assert plan, lines[1]
    points: list[tuple[bool, str]] = []
    in_yaml = False
    for line in lines[2:]:
        if in_yaml:
            if line == "  ...":
                in_yaml = False
            else:
                assert line.startswith("  ") and not line.startswith("  ---"), line
            continue
        if line == "  ---":
            assert points, "a YAML block must follow a test point"
            in_yaml = True
            continue
        if line.startswith("#"):
            continue
        match = TAP_POINT.match(line)
        assert match, line
        assert int(match.group(2)) == len(points) + 1
        points.append((match.group(1) is None, match.group(4) or ""))
    assert not in_yaml and len(points) == int(plan.group(1))
    return points


def test_tap14_syntax() -> None:
    points = check_tap14(tap(sample(), LESSON))
    assert points == [(True, ""), (False, ""), (True, "SKIP"), (False, ""), (False, "")]
    message = next(line for line in tap(sample(), LESSON).splitlines() if "message:" in line)
    assert "expected status 200" in json.loads(message.split("message: ", 1)[1])


def test_classroom_runner_result() -> None:
    data = classroom(sample(), LESSON)
    assert data["version"] == 1 and data["status"] == "error" and data["max_score"] == 5
    assert [test["status"] for test in data["tests"]] == ["pass", "fail", "pass", "error", "fail"]
    assert sum(test["score"] for test in data["tests"]) == 1


def test_points_come_from_the_lesson() -> None:
    weighted = replace(LESSON, points={"create-todo": 3, "get-todo": 2})
    assert score(graded(sample(), weighted)) == (3, 8)
    assert score(graded(sample(), LESSON)) == (1, 5)


PRIVATE = '''
from mission_control.check import checkpoint, expect


@checkpoint("teacher-secret", hidden=True, hint="SECRET HINT")
def test_secret(client):
    """A private check the learner cannot read"""
    r = client.get("/todos/999999")
    expect(r.status_code == 200, "SECRET EXPECTATION", str(r.status_code))


@checkpoint("teacher-visible")
def test_visible(client):
    """The list answers"""
    expect(client.get("/todos").status_code == 200, "200")
'''


def run_private(tmp_path: Path, *extra: str, reveal: str = "0") -> subprocess.CompletedProcess[str]:
    private = tmp_path / "private"
    private.mkdir(exist_ok=True)
    (private / "test_private.py").write_text(PRIVATE, encoding="utf-8")
    env = dict(
        os.environ, MISSION_PROGRESS_DB=str(tmp_path / "p.sqlite3"), MISSION_REVEAL_HIDDEN=reveal
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mission_control",
            "check",
            "a01",
            "--solution",
            "--extra-checkpoints",
            str(private),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_private_checks_are_run_reported_and_hidden(tmp_path: Path) -> None:
    run = run_private(tmp_path, "--json")
    report = json.loads(run.stdout)
    results = {result["id"]: result for result in report["results"]}
    assert results["teacher-visible"]["status"] == "passed"
    assert results["teacher-visible"]["title"] == "The list answers"
    secret = results["teacher-secret"]
    assert secret["status"] == "failed" and secret["hidden"] is True
    assert secret["detail"] == HIDDEN_MESSAGE and not secret["hint"] and not secret["curl"]
    assert "SECRET" not in run.stdout and "999999" not in run.stdout
    for fmt in ("junit", "gradescope", "tap", "classroom"):
        assert "SECRET" not in run_private(tmp_path, "--format", fmt).stdout, fmt
    revealed = run_private(tmp_path, "--json", reveal="1")
    assert "SECRET EXPECTATION" in revealed.stdout


def test_lesson_points_name_real_checkpoints() -> None:
    from mission_control.check.inventory import list_many

    lessons = [lesson for lesson in CATALOG if lesson.points]
    for lesson, infos in zip(lessons, list_many(lessons), strict=True):
        unknown = set(lesson.points) - {info.id for info in infos}
        assert not unknown, f"{lesson.id}: [check] points names no checkpoint {sorted(unknown)}"


def test_a_checkpoint_file_that_does_not_import_is_a_checker_error(tmp_path: Path) -> None:
    """pytest calls a collection error "Interrupted"; the checker reports it as its own
    error, with the file and line, never as if the learner had pressed Ctrl-C."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "test_broken.py").write_text("def test_x(:\n    pass\n", encoding="utf-8")
    env = dict(os.environ, MISSION_PROGRESS_DB=str(tmp_path / "p.sqlite3"))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mission_control",
            "check",
            "a01",
            "--solution",
            "--json",
            "--extra-checkpoints",
            str(private),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode != 130 and "Interrupted: your app" not in run.stderr, run.stderr
    report = json.loads(run.stdout)
    assert report["error"]["kind"] == "checker_error"
    assert (
        "SyntaxError" in report["error"]["message"]
        and "test_broken.py" in report["error"]["message"]
    )
