"""`mission classroom`: the template repository, its workflow linted by actionlint, and the
workflow's grading commands run here against the solution and the starter."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, mission

LESSON = CATALOG.get("a01")
assert LESSON is not None


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tpl") / "a01-template"
    run = mission("classroom", "a01", "--out", str(out), "--course-repo", "school/course")
    assert run.returncode == 0, run.output
    return out


def test_template_has_the_starter_readme_and_github_flow(template: Path) -> None:
    assert (template / "app.py").read_text() == (LESSON.starter / "app.py").read_text()
    assert (template / "README.md").read_text() == LESSON.readme.read_text()
    pr = (template / ".github" / "pull_request_template.md").read_text()
    assert pr.count("- [ ]") > 3 and "/todos" in pr
    assert "- [ ]" in (template / "REVIEW.md").read_text()
    assert not list(template.rglob("test_*.py"))  # no checkpoint code in the learner's repo
    again = mission("classroom", "a01", "--out", str(template))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_workflow_passes_actionlint(template: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint, "actionlint comes with the dev dependencies (uv sync)"
    workflow = template / ".github" / "workflows" / "classroom.yml"
    lint = subprocess.run(
        [actionlint, "-shellcheck=", "-pyflakes=", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = workflow.read_text()
    assert text.startswith("name: Autograding Tests") and "run-autograding-tests:" in text
    assert "ref: v" in text and "CHECKPOINTS_RESULTS" in text


def grading_script(template: Path) -> str:
    text = (template / ".github" / "workflows" / "classroom.yml").read_text()
    block = text.split("- name: Run the checkpoints", 1)[1].split("run: |\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("          "):
            break
        lines.append(line.strip())
    return "\n".join(lines)


@pytest.mark.parametrize(("folder", "score"), [("solution", 18), ("starter", 0)])
def test_workflow_commands_grade_here(
    template: Path, tmp_path: Path, folder: str, score: int
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(template, repo)
    shutil.copytree(getattr(LESSON, folder), repo, dirs_exist_ok=True)
    output = tmp_path / "github_output"
    env = dict(
        os.environ,
        GITHUB_OUTPUT=str(output),
        RUNNER_TEMP=str(tmp_path),
        MISSION_PROGRESS_DB=str(tmp_path / "p.sqlite3"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    done = subprocess.run(
        ["bash", "-e", "-c", grading_script(template)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(r"result=(\S+)\n", output.read_text())
    assert match, output.read_text()
    result = json.loads(base64.b64decode(match.group(1)))
    assert result["max_score"] == 18
    assert sum(test["score"] for test in result["tests"]) == score
    assert result["status"] == ("pass" if score else "fail")
