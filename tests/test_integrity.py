"""A grade is computed outside the learner's process: nothing a submission prints, writes or
imports changes a result, the report or the progress store (issue 16's integrity list; the
attacks on the checker itself, importing mission_control from the app included, are in
test_hardening.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import CATALOG, mission

A01 = CATALOG.get("a01")
FAKE = {"summary": {"passed": 99, "failed": 0, "skipped": 0, "error": 0}}

CONFTEST = """\
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    pytest.skip("forged by a conftest.py in the submission")
"""
SITECUSTOMIZE = f"print({json.dumps(json.dumps(FAKE))}, flush=True)\n"
IMPORTS_COURSE = """\
try:
    import mission_control.check.report  # the checker's own code, from the app
    print("IMPORTED THE CHECKER", flush=True)
except ImportError:
    pass
"""


def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "student"
    shutil.copytree(A01.starter, folder)
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "conftest.py").write_text(CONFTEST)
    app = folder / "app.py"
    app.write_text(IMPORTS_COURSE + SITECUSTOMIZE + app.read_text())
    return folder


def test_a_submission_cannot_change_its_grade(tmp_path: Path) -> None:
    folder = submission(tmp_path)
    out = tmp_path / "report.json"
    run = mission("check", "a01", "--path", str(folder), "--json", "--output", str(out))
    report = json.loads(out.read_text())
    assert run.returncode == 1, run.output
    assert report["summary"]["passed"] == 0, report["summary"]
    assert report["summary"]["failed"] > 0 and report["error"] is None, report
    assert all("forged" not in r["message"] for r in report["results"])
    assert json.loads(run.stdout)["summary"] == report["summary"]  # stdout is the report alone
    # and the starter's own grade, without the tricks, is the same
    plain = mission("check", "a01", "--path", str(A01.starter), "--json").report
    assert plain["summary"] == report["summary"]
