"""`mission grade` on a generated class of 30 a01 submissions: every row of grades.csv and
junit.xml, the reports, the offline page, re-runs that skip what did not change, and a
learner's progress store that grading never touches."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from class_a01 import BUGS, make_class
from helpers import CATALOG

from mission_control.check.inventory import list_checkpoints

# (points, passed, failed, skipped, error, problem) for each submission of make_class(30).
# A bug's failures and the skips of the checkpoints that need the broken one add up to N,
# a01's checkpoint count (18).
EXPECTED = {
    "s00-solution": (18, 18, 0, 0, 0, ""),
    "s01-starter": (0, 0, 10, 8, 0, ""),
    "s02-hangs": (0, 0, 0, 0, 18, "checker_error"),  # stopped by --timeout: re-run it
    "s03-exits": (0, 0, 18, 0, 0, "app_exited"),
    "s04-prints-a-fake-report": (18, 18, 0, 0, 0, ""),
    "s05-create-200": (8, 8, 2, 8, 0, ""),
    "s06-delete-200": (16, 16, 2, 0, 0, ""),
    "s07-no-allow": (17, 17, 1, 0, 0, ""),
    "s08-list-dict": (16, 16, 2, 0, 0, ""),
    "s09-no-strip": (16, 16, 2, 0, 0, ""),
    "s10-no-max": (17, 17, 1, 0, 0, ""),
    "s11-html-errors": (7, 7, 11, 0, 0, ""),
    "s12-any-body": (17, 17, 1, 0, 0, ""),
    "s13-any-completed": (16, 16, 2, 0, 0, ""),
    "s14-empty-update": (17, 17, 1, 0, 0, ""),
    "s15-same-id": (16, 16, 2, 0, 0, ""),
    "s16-no-delete": (17, 17, 1, 0, 0, ""),
    "s17-get-list": (14, 14, 4, 0, 0, ""),
    "s18-force-json": (17, 17, 1, 0, 0, ""),
    "s19-silent-json": (17, 17, 1, 0, 0, ""),
    "s20-list-201": (16, 16, 2, 0, 0, ""),
    "s21-blank-title": (16, 16, 2, 0, 0, ""),
    "s22-no-location": (9, 9, 1, 8, 0, ""),
    "s23-update-ignores": (17, 17, 1, 0, 0, ""),
    "s24-delete-no-404": (17, 17, 1, 0, 0, ""),
    "s25-completed-false": (17, 17, 1, 0, 0, ""),
    "s26-create-200": (8, 8, 2, 8, 0, ""),
    "s27-delete-200": (16, 16, 2, 0, 0, ""),
    "s28-no-allow": (17, 17, 1, 0, 0, ""),
    "s29-list-dict": (16, 16, 2, 0, 0, ""),
}
N = len(list_checkpoints(CATALOG.get("a01")))
assert all(sum(row[1:4]) + row[4] == N for row in EXPECTED.values()), "every row adds up to N"
CATCHES = {name: checkpoint for name, checkpoint, _, _ in BUGS if checkpoint}


def grade(
    submissions: Path, out: Path, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "mission_control", "grade", "a01", str(submissions)),
            *("--out", str(out), "--jobs", "2", "--timeout", "8", *extra),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def graded_class(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, str], subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("class")
    make_class(base / "submissions", 30)
    learner_db = base / "learner-progress.sqlite3"
    env = dict(os.environ, MISSION_PROGRESS_DB=str(learner_db))
    run = grade(base / "submissions", base / "grades", env)
    assert run.returncode == 0, run.stderr
    return base / "submissions", base / "grades", env, run


def test_every_row_of_grades_csv(graded_class) -> None:
    _, out, _, run = graded_class
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["submission"] for row in rows] == list(EXPECTED)
    for row in rows:
        points, passed, failed, skipped, error, problem = EXPECTED[row["submission"]]
        assert (
            int(row["points"]),
            int(row["passed"]),
            int(row["failed"]),
            int(row["skipped"]),
            int(row["error"]),
            row["problem"],
        ) == (points, passed, failed, skipped, error, problem), row
        assert row["max"] == str(N) and len(row["spec_hash"]) == 64 and row["checker_version"]
    assert "30/30" in run.stderr  # the progress bar reached the end


def test_every_suite_and_case_of_junit_xml(graded_class) -> None:
    _, out, _, _ = graded_class
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == list(EXPECTED)
    for name, suite in suites.items():
        points, passed, failed, skipped, error, _ = EXPECTED[name]
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests", "")) == N
        assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
            str(failed),
            str(error),
            str(skipped),
        )
        assert sum(1 for case in cases if len(case) == 0) == passed
        assert sum(1 for case in cases if case.find("failure") is not None) == failed
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["points"] == str(points) and props["max_points"] == str(N)
        for case in cases:
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message") and failure.text  # the learner's feedback
        bug = name.split("-", 1)[1]
        if bug in CATCHES:
            caught = [c for c in cases if c.get("classname", "").endswith("." + CATCHES[bug])]
            assert caught and caught[0].find("failure") is not None, name
    assert root.get("tests") == str(N * 30)


def test_reports_page_and_progress(graded_class) -> None:
    _, out, env, _ = graded_class
    reports = sorted((out / "reports").glob("*.json"))
    assert len(reports) == 30
    fake = json.loads((out / "reports" / "s04-prints-a-fake-report.json").read_text())
    assert fake["summary"]["passed"] == N and fake["lesson"] == "a01"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<caption>" in page and '<th scope="row">s00-solution</th>' in page
    assert page.count('<th scope="col">') == 3 + N
    assert "✘ failed" in page and "http://" not in page.replace("http://127.0.0.1", "")
    assert not Path(env["MISSION_PROGRESS_DB"]).exists()  # grading recorded nothing


def test_rerun_skips_what_did_not_change(graded_class) -> None:
    submissions, out, env, _ = graded_class
    again = grade(submissions, out, env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged, not re-checked") == 30
    solution = submissions / "s00-solution" / "app.py"
    solution.write_text(solution.read_text() + "\n# changed\n")
    changed = grade(submissions, out, env)
    assert changed.stdout.count("unchanged, not re-checked") == 29
    assert re.search(rf"^s00-solution +{N}/{N}$", changed.stdout, re.MULTILINE)


PRIVATE = '''
from mission_control.check import checkpoint, expect


@checkpoint("teacher-edge", hidden=True)
def test_edge(client):
    """A private edge case"""
    r = client.get("/todos/0")
    expect(r.status_code == 200, "PRIVATE DETAIL", str(r.status_code))
'''


def test_private_checks_in_a_grade(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    make_class(submissions, 5)
    (submissions / "s05-empty").mkdir()  # no app.py: the check never reaches pytest
    private = tmp_path / "private"
    private.mkdir()
    (private / "test_private.py").write_text(PRIVATE, encoding="utf-8")
    env = dict(os.environ, MISSION_PROGRESS_DB=str(tmp_path / "learner.sqlite3"))
    out = tmp_path / "grades"
    run = grade(submissions, out, env, "--extra-checkpoints", str(private))
    assert run.returncode == 0, run.stderr
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert {row["max"] for row in rows.values()} == {str(N + 1)}  # N + the teacher's one
    assert rows["s00-solution"]["points"] == str(N) and rows["s05-empty"]["problem"] == "no_app"
    report = json.loads((out / "reports" / "s00-solution.json").read_text())
    edge = next(result for result in report["results"] if result["id"] == "teacher-edge")
    assert edge["hidden"] and "PRIVATE DETAIL" not in json.dumps(report)
    revealed = grade(submissions, out, env, "--extra-checkpoints", str(private), "--reveal-hidden")
    assert "unchanged" not in revealed.stdout  # revealing is a different grade
    assert "PRIVATE DETAIL" in (out / "reports" / "s00-solution.json").read_text()
    assert not (submissions / "s00-solution" / "test_private.py").exists()
    assert not Path(env["MISSION_PROGRESS_DB"]).exists()


def test_a_check_that_breaks_costs_only_its_row(tmp_path: Path) -> None:
    from helpers import CATALOG

    from mission_control.grade import Submission, check_one
    from mission_control.grade import grade as grade_class

    lesson = CATALOG.get("a01")
    assert lesson is not None
    make_class(tmp_path / "class", 6)
    names = sorted(path.name for path in (tmp_path / "class").iterdir())

    def flaky(lesson_, submission: Submission, **kwargs):  # type: ignore[no-untyped-def]
        if submission.name == "s01-starter":
            raise RuntimeError("the check process could not be started")
        return check_one(lesson_, submission, **kwargs)

    kept = [name for name in names if name != "s02-hangs"]
    submissions = [Submission(name, tmp_path / "class" / name) for name in kept]
    env_db = tmp_path / "learner.sqlite3"
    os.environ["MISSION_PROGRESS_DB"] = str(env_db)
    try:
        items = grade_class(lesson, submissions, tmp_path / "out", jobs=2, checker=flaky)
    finally:
        del os.environ["MISSION_PROGRESS_DB"]
    problems = {item.submission.name: item.report.error for item in items}
    broken = problems["s01-starter"]
    assert broken is not None and "could not be started" in broken.message, problems
    assert problems["s00-solution"] is None, problems
    assert items[0].report.ok, items[0].report.to_json()
    assert not env_db.exists()
