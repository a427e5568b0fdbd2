"""The lesson invariants, for every lesson in the catalog.

- the solution passes every checkpoint (in file order and in reverse order);
- each checkpoint, one by one, fails against the starter (prerequisites ignored, so a
  checkpoint that cannot fail shows up), and a normal run of the starter passes none;
- every curl command in the README's "Testing step by step" returns the status it shows,
  against the solution started with its documented command;
- the lesson's files keep the house rules (README sections, requirements, black-box
  checkpoints, solutions that do not import the course machinery).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from helpers import CATALOG, mission, running_server
from packaging.requirements import Requirement

from mission_control.catalog import Lesson
from mission_control.check.inventory import list_checkpoints
from mission_control.check.services import running_services, service_env

LESSONS = list(CATALOG)
by_id = pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])

#: The README sections each track keeps, in this order (other sections may sit between).
README_SECTIONS = {
    "assignments": [
        "What you will learn",
        "Key concepts",
        "The contract",
        "Setup",
        "Running the server",
        "Project files",
        "Testing step by step",
        "Common issues",
        "Going further",
    ],
    "deep-dive": [
        "What you will build",
        "Why it teaches Flask",
        "The contract",
        "Key concepts",
        "Hints in steps",
        "Learning milestones",
        "Going further",
    ],
    "capstone": ["The contract"],
}


def _failures(run) -> str:
    lines = []
    for result in run.report["results"]:
        if result["status"] != "passed":
            lines.append(f"{result['status']}: {result['id']}: {result['message']}")
    error = run.report.get("error")
    return "\n".join(([f"error: {error}"] if error else []) + lines)


@pytest.mark.slow
@by_id
def test_solution_passes_every_checkpoint(lesson: Lesson) -> None:
    run = mission("check", lesson.id, "--solution", "--json")
    report = run.report
    assert run.returncode == 0, _failures(run) or run.output
    assert report["error"] is None
    assert [result["status"] for result in report["results"]] == ["passed"] * len(
        report["results"]
    ), _failures(run)
    listed = [info.id for info in list_checkpoints(lesson)]
    assert sorted(run.statuses()) == sorted(listed), "the hub's list differs from the run"


@pytest.mark.slow
@by_id
def test_solution_passes_in_reverse_order(lesson: Lesson) -> None:
    """Checkpoints do not depend on running in file order."""
    run = mission("check", lesson.id, "--solution", "--json", "--reverse")
    assert run.returncode == 0, _failures(run) or run.output


@pytest.mark.slow
@by_id
def test_starter_fails_every_checkpoint(lesson: Lesson) -> None:
    run = mission("check", lesson.id, "--path", str(lesson.starter), "--json")
    assert run.returncode == 1, run.output
    assert run.report["summary"]["passed"] == 0, [
        cid for cid, status in run.statuses().items() if status == "passed"
    ]

    alone = mission(
        "check", lesson.id, "--path", str(lesson.starter), "--json", "--ignore-prerequisites"
    )
    assert alone.report["error"] is None, alone.report["error"]
    not_failing = {cid: s for cid, s in alone.statuses().items() if s != "failed"}
    assert not not_failing, f"checkpoints that do not fail against the starter: {not_failing}"
    for result in alone.report["results"]:
        assert result["message"].strip(), f"{result['id']} fails without saying why"


# -- the README walk-through -------------------------------------------------------------


def sections(readme: str) -> dict[str, str]:
    """The README's level-2 sections by title (code fences are not mistaken for headings)."""
    found: dict[str, str] = {}
    title, lines, fenced = None, [], False
    for line in readme.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if title:
                found[title] = "\n".join(lines)
            title, lines = line[3:].strip(), []
        elif title:
            lines.append(line)
    if title:
        found[title] = "\n".join(lines)
    return found


def walkthrough(readme: str) -> list[tuple[str, int]]:
    """Each curl command of "Testing step by step" with the status its ```http block shows."""
    section = sections(readme).get("Testing step by step", "")
    steps: list[tuple[str, int]] = []
    pending: list[str] = []
    for language, body in re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M):
        if language in ("bash", "sh", "shell"):
            joined = re.sub(r"\\\n\s*", " ", body)
            curls = [
                line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")
            ]
            assert not pending, f"no ```http block shows the answer to: {pending[0]}"
            assert len(curls) <= 1, f"one curl per block, so each shows its answer: {curls}"
            pending = curls
        elif language == "http" and pending:
            status = re.match(r"HTTP/[\d.]+ (\d{3})", body)
            assert status, f"the ```http block after {pending[0]!r} must start with its status line"
            steps.append((pending.pop(), int(status.group(1))))
    assert not pending, f"no ```http block shows the answer to: {pending[0]}"
    return steps


WALKTHROUGHS = [
    lesson
    for lesson in LESSONS
    if lesson.readme.is_file() and "## Testing step by step" in lesson.readme.read_text()
]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", WALKTHROUGHS, ids=[lesson.id for lesson in WALKTHROUGHS])
def test_readme_walkthrough_runs_against_solution(lesson: Lesson, app_copy) -> None:
    steps = walkthrough(lesson.readme.read_text())
    folder = app_copy(lesson.solution)
    with running_services(lesson) as services:
        env = {**lesson.check_env, **service_env(services)}
        with running_server(lesson.run, folder, env) as base_url:
            port = base_url.rsplit(":", 1)[1]
            for command, expected in steps:
                command = re.sub(
                    rf"(127\.0\.0\.1|localhost):{lesson.port}\b", f"127.0.0.1:{port}", command
                )
                done = subprocess.run(
                    ["bash", "-c", command], cwd=folder, capture_output=True, text=True, timeout=60
                )
                statuses = re.findall(r"^HTTP/[\d.]+ (\d{3})", done.stdout, re.M)
                assert statuses, f"{command}\nprinted no status line:\n{done.stdout}{done.stderr}"
                assert int(statuses[-1]) == expected, (
                    f"{command}\nanswered {statuses[-1]}, the README shows {expected}:\n"
                    f"{done.stdout[:1500]}"
                )


# -- house rules for the files -----------------------------------------------------------


@by_id
def test_readme_keeps_the_track_sections_in_order(lesson: Lesson) -> None:
    titles = list(sections(lesson.readme.read_text()))
    wanted = README_SECTIONS[lesson.track]
    positions = []
    for section in wanted:
        assert section in titles, f"{lesson.readme} has no '## {section}' section"
        positions.append(titles.index(section))
    assert positions == sorted(positions), f"sections out of order: {wanted}"


DEEP_DIVES = [
    lesson for lesson in LESSONS if "Learning milestones" in README_SECTIONS[lesson.track]
]


@pytest.mark.parametrize("lesson", DEEP_DIVES, ids=[lesson.id for lesson in DEEP_DIVES])
def test_learning_milestones_name_real_checkpoints(lesson: Lesson) -> None:
    milestones = sections(lesson.readme.read_text()).get("Learning milestones", "")
    ids = {info.id for info in list_checkpoints(lesson)}
    bullets = [line for line in milestones.splitlines() if re.match(r"\s*(?:[-*]|\d+\.) ", line)]
    assert bullets, "the milestones are a list"
    for bullet in bullets:
        named = set(re.findall(r"`([a-z0-9]+(?:[-_][a-z0-9]+)*)`", bullet)) & ids
        assert named, f"this milestone names no checkpoint that proves it: {bullet.strip()}"


@by_id
def test_requirements_are_declared_and_installed(lesson: Lesson) -> None:
    for folder in (lesson.starter, lesson.solution):
        listed = (folder / "requirements.txt").read_text().split("\n")
        listed = [line.strip() for line in listed if line.strip() and not line.startswith("#")]
        assert sorted(listed) == sorted(lesson.requirements), f"{folder}/requirements.txt"
    for requirement in map(Requirement, lesson.requirements):
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            pytest.fail(f"{requirement.name} is not in the course environment (pyproject.toml)")
        assert requirement.specifier.contains(installed, prereleases=True), (
            f"{lesson.id} needs {requirement}, the course has {installed}"
        )


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@by_id
def test_solution_and_starter_do_not_import_the_course(lesson: Lesson) -> None:
    for folder in (lesson.starter, lesson.solution):
        for path in folder.rglob("*.py"):
            assert "mission_control" not in _imports(path), f"{path} imports mission_control"


@by_id
def test_checkpoints_are_black_box(lesson: Lesson) -> None:
    """Checkpoints import the standard library, pytest and the checker, never the app."""
    allowed = set(sys.stdlib_module_names) | {"mission_control", "pytest"}
    for path in lesson.checkpoint_files():
        foreign = _imports(path) - allowed
        assert not foreign, f"{path.name} imports {sorted(foreign)}"
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                decorated = any(
                    isinstance(d, ast.Call) and getattr(d.func, "id", None) == "checkpoint"
                    for d in node.decorator_list
                )
                assert decorated, f"{path.name}: {node.name} has no @checkpoint(...)"


@by_id
def test_shipped_fakes_are_the_same_in_starter_and_solution(lesson: Lesson) -> None:
    """A fake the learner runs (from starter/) is the one the checker runs (from solution/)."""
    for fake in lesson.services:
        file = Path(fake.option("app").partition(":")[0])
        if file.parts and file.parts[0] in ("starter", "solution"):
            copies = [
                lesson.path / part / Path(*file.parts[1:]) for part in ("starter", "solution")
            ]
            assert all(copy.is_file() for copy in copies), f"{file.name} is in only one of them"
            assert copies[0].read_bytes() == copies[1].read_bytes(), f"{file.name} differs"
