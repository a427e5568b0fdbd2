"""d12 · Testing Flask applications: the checkpoints run the learner's suite.

What tests/test_lessons.py and tests/test_variants.py prove for every lesson (the solution's
suite passes all five checkpoints, so it catches every mutant; the starter's fails each; the
wrong suites of variants/ are caught) is not repeated here. This file proves the pieces the
lesson adds: the mutants are well formed, the order plugin reverses and doubles what pytest
collected, and a suite with one test removed misses a mutant that the checkpoint then names
by its description, never by its code.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import CATALOG

LESSON = CATALOG.get("d12")

pytestmark = pytest.mark.skipif(LESSON is None, reason="lesson d12 is not in the catalog")


def mutants() -> list[dict[str, str]]:
    assert LESSON is not None
    text = (LESSON.checkpoints / "mutants.toml").read_text(encoding="utf-8")
    found: list[dict[str, str]] = tomllib.loads(text)["mutant"]
    return found


def test_mutants_are_one_edit_each_of_the_given_app() -> None:
    """At least 12, each named and described once, each an edit whose text is in the given
    app exactly once (in the starter as in the solution), and each a real change."""
    assert LESSON is not None
    found = mutants()
    assert len(found) >= 12
    assert len({m["name"] for m in found}) == len(found)
    assert len({m["description"] for m in found}) == len(found)
    for mutant in found:
        assert set(mutant) == {"name", "description", "file", "find", "replace"}, mutant
        assert mutant["find"] != mutant["replace"], mutant["name"]
        assert not mutant["file"].startswith("tests/"), "a mutant breaks the app, not the tests"
        for folder in (LESSON.starter, LESSON.solution):
            text = (folder / mutant["file"]).read_text(encoding="utf-8")
            assert text.count(mutant["find"]) == 1, (mutant["name"], folder.name)


def run_runner(folder: Path, runs: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """The checkpoints' suite runner, as they start it: its source on stdin, in ``folder``."""
    assert LESSON is not None
    spec = {"timeout": 60, "workers": 2, "runs": runs}
    done = subprocess.run(
        [sys.executable, "-", json.dumps(spec)],
        input=(LESSON.checkpoints / "suite_runner.py").read_text(encoding="utf-8"),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("SUITE-RESULTS "))
    return {r["name"]: r for r in json.loads(line.split(" ", 1)[1])}


ORDER_SUITE = """
import os

LOG = os.path.join(os.path.dirname(__file__), "..", "order.log")


def record(name):
    with open(LOG, "a") as file:
        file.write(name + "\\n")


def test_first():
    record("first")


def test_second():
    record("second")
    assert os.environ.get("FAIL_SECOND") != "1", "second was told to fail"
"""


def test_the_runner_reverses_and_doubles_the_collected_tests(tmp_path: Path) -> None:
    """A tiny suite that logs its order: each run works in its own copy, reversed is
    reversed, twice is both tests twice, and a failure is reported with its message."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_order.py").write_text(ORDER_SUITE, encoding="utf-8")
    (tmp_path / "app.py").write_text("FLAG = 'given'\n", encoding="utf-8")
    # The log is written inside each run's copy: the folder itself stays untouched.
    results = run_runner(
        tmp_path,
        [
            {"name": "plain"},
            {"name": "reverse", "orders": ["reverse"]},
            {"name": "twice", "orders": ["twice"]},
            {"name": "edited", "edit": {"file": "app.py", "find": "given", "replace": "x"}},
            {"name": "missing", "edit": {"file": "app.py", "find": "absent", "replace": "x"}},
        ],
    )
    assert not (tmp_path / "order.log").exists()
    for name in ("plain", "reverse", "twice", "edited"):
        assert results[name]["exit"] == 0, results[name]
    steps = {name: results[name]["steps"][-1] for name in ("plain", "reverse", "twice")}
    assert steps["plain"]["passed"] == 2 and steps["twice"]["passed"] == 4
    assert "not the given app" in str(results["missing"]["error"])


def test_the_runner_reports_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_order.py").write_text(ORDER_SUITE, encoding="utf-8")
    monkeypatch.setenv("FAIL_SECOND", "1")
    result = run_runner(tmp_path, [{"name": "plain"}])["plain"]
    assert result["exit"] == 1
    failed = result["steps"][-1]["failed"]
    assert [f["test"] for f in failed] == ["tests/test_order.py::test_second"]
    assert "second was told to fail" in failed[0]["message"]


def without_test(source: str, name: str) -> str:
    """``source`` less the top-level function ``name`` (its decorators included)."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = source.splitlines(keepends=True)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    assert node.end_lineno is not None
    return "".join(lines[:start] + lines[node.end_lineno :])


@pytest.mark.slow
def test_a_suite_with_one_test_removed_misses_a_mutant(tmp_path: Path) -> None:
    """The solution's suite less its API permission test still passes, in any order, with
    more than 90% coverage; `catches-bugs` then fails, naming the bug it let through by its
    description (and never quoting the mutant's code)."""
    assert LESSON is not None
    folder = tmp_path / "suite"
    shutil.copytree(LESSON.solution, folder, ignore=shutil.ignore_patterns("__pycache__"))
    test_api = folder / "tests" / "test_api.py"
    source = test_api.read_text(encoding="utf-8")
    test_api.write_text(without_test(source, "test_someone_elses_post_is_forbidden"))
    run = subprocess.run(
        [sys.executable, "-m", "mission_control", "check", "d12", "--path", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads(run.stdout)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert run.returncode == 1, run.stderr
    assert statuses == {
        "suite-passes": "passed",
        "suite-repeatable": "passed",
        "suite-reverse": "passed",
        "coverage-90": "passed",
        "catches-bugs": "failed",
    }
    result = next(r for r in report["results"] if r["id"] == "catches-bugs")
    missed = next(m for m in mutants() if m["name"] == "api-edit-others-post")
    assert "your tests pass when" in result["message"]
    assert missed["description"] in result["message"]
    others = [m for m in mutants() if m["name"] != missed["name"]]
    caught = [m for m in others if m["description"] in result["message"]]
    assert not caught, "only the mutants the suite missed are named"
    assert missed["replace"] not in result["message"] and missed["name"] not in result["message"]
