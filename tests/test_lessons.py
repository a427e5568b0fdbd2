"""The lesson invariants, for every lesson in the catalog (the checks are in
mission_control.dev, which `mission dev check <lesson>` runs too).

- the solution passes every checkpoint (in file order and in reverse order);
- each checkpoint, one by one, fails against the starter (prerequisites ignored, so a
  checkpoint that cannot fail shows up), and a normal run of the starter passes none;
- every curl command in the README's "Testing step by step" returns the status it shows,
  against the solution started with its documented command;
- every bullet of the README's contract names the checkpoints that prove it, and every
  checkpoint is named by one, and every bullet is broken by a variant that is caught;
- the lesson's files keep the house rules (README sections, requirements, black-box
  checkpoints, solutions that do not import the course machinery).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
import pytest
from helpers import CATALOG
from packaging.requirements import Requirement

from mission_control import dev
from mission_control.catalog import Lesson
from mission_control.check.inventory import list_checkpoints

#: The lessons with code: a starter, a solution and checkpoints. A primer (``kind = "primer"``)
#: has none of them; its own invariants are in tests/test_primer.py.
LESSONS = [lesson for lesson in CATALOG if lesson.kind == "code"]
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


def _assert_holds(findings: list[dev.Finding]) -> None:
    """Every finding holds; the first that does not fails the test with its explanation."""
    assert findings, "no invariant was checked"
    for finding in findings:
        assert finding.ok, f"{finding.check}\n{finding.explanation}"


@pytest.mark.slow
@by_id
def test_solution_passes_every_checkpoint(lesson: Lesson) -> None:
    findings = dev.check_solution(lesson, reverse=False)
    _assert_holds(findings)
    listed = [info.id for info in list_checkpoints(lesson)]
    assert sorted(findings[0].checkpoints) == sorted(listed), "the hub's list differs from the run"


@pytest.mark.slow
@by_id
def test_solution_passes_in_reverse_order(lesson: Lesson) -> None:
    """Checkpoints do not depend on running in file order."""
    _assert_holds(dev.check_solution(lesson, reverse=True))


#: Lessons whose checkpoints wait on time (a delay, a cache's lifetime, a thread): in CI their
#: solution and variants run twice more, so a verdict that depends on timing shows up there.
TIMING_SENSITIVE = [lesson for lesson in LESSONS if lesson.id in {"a04", "a05", "d05"}]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", TIMING_SENSITIVE, ids=[lesson.id for lesson in TIMING_SENSITIVE])
@pytest.mark.parametrize("repeat", [2, 3])
def test_timing_sensitive_lessons_hold_every_time(lesson: Lesson, repeat: int) -> None:
    """The ordinary invariants are run 1; these are runs 2 and 3 of the same verdicts."""
    if not os.environ.get("CI"):
        pytest.skip("repeated only in CI (set CI=1 to run them here)")
    _assert_holds(dev.check_solution(lesson, reverse=False))
    _assert_holds(dev.check_variants(lesson))


@pytest.mark.slow
@by_id
def test_solution_runs_with_provided_files(lesson: Lesson) -> None:
    """A copy of solution/ with provided/ laid over it answers when started with the
    documented command (what a learner who copies the solution gets)."""
    with dev.serving_solution(lesson) as (base_url, folder):
        answered = httpx.get(base_url + "/", timeout=10)
        assert answered.status_code < 500, f"{lesson.run} in {folder}: {answered.status_code}"


@pytest.mark.slow
@by_id
def test_starter_fails_every_checkpoint(lesson: Lesson) -> None:
    _assert_holds(dev.check_starter(lesson))


# -- the README walk-through -------------------------------------------------------------

WALKTHROUGHS = [lesson for lesson in LESSONS if dev.has_walkthrough(lesson)]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", WALKTHROUGHS, ids=[lesson.id for lesson in WALKTHROUGHS])
def test_readme_walkthrough_runs_against_solution(lesson: Lesson) -> None:
    """Against the solution with provided/ laid over it, started as the README says."""
    _assert_holds(dev.check_walkthrough(lesson))


def test_walkthrough_reader_refuses_a_curl_without_its_answer() -> None:
    readme = "## Testing step by step\n\n```bash\ncurl -i http://127.0.0.1:5000/\n```\n"
    with pytest.raises(dev.WalkthroughError, match="no ```http block"):
        dev.walkthrough(readme)
    shown = readme + "\n```http\nHTTP/1.1 200 OK\n```\n"
    assert dev.walkthrough(shown) == [("curl -i http://127.0.0.1:5000/", 200)]


# -- house rules for the files -----------------------------------------------------------


@by_id
def test_readme_keeps_the_track_sections_in_order(lesson: Lesson) -> None:
    titles = list(dev.sections(lesson.readme.read_text()))
    wanted = README_SECTIONS[lesson.track]
    positions = []
    for section in wanted:
        assert section in titles, f"{lesson.readme} has no '## {section}' section"
        positions.append(titles.index(section))
    assert positions == sorted(positions), f"sections out of order: {wanted}"


def test_lessons_collected_together_each_list_their_own_checkpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub lists every lesson in one collecting process, with nothing cached yet. d10
    and d14 both have a ``test_api.py``, a04 and d11 a ``test_tasks.py``: each lesson lists
    the ids its own files declare, never another lesson's module of the same name."""
    from mission_control.check import inventory

    monkeypatch.setenv("MISSION_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(inventory, "_MEMORY", {})
    checkable = [lesson for lesson in LESSONS if lesson.checkable]
    for lesson, infos in zip(checkable, inventory.list_many(checkable), strict=True):
        declared = [
            found
            for path in lesson.checkpoint_files()
            for found in re.findall(r"@checkpoint\(\s*\"([^\"]+)\"", path.read_text())
        ]
        assert sorted(info.id for info in infos) == sorted(declared), lesson.id


DEEP_DIVES = [
    lesson for lesson in LESSONS if "Learning milestones" in README_SECTIONS[lesson.track]
]


@pytest.mark.parametrize("lesson", DEEP_DIVES, ids=[lesson.id for lesson in DEEP_DIVES])
def test_learning_milestones_name_real_checkpoints(lesson: Lesson) -> None:
    milestones = dev.sections(lesson.readme.read_text()).get("Learning milestones", "")
    ids = {info.id for info in list_checkpoints(lesson)}
    bullets = [line for line in milestones.splitlines() if re.match(r"\s*(?:[-*]|\d+\.) ", line)]
    assert bullets, "the milestones are a list"
    for bullet in bullets:
        named = set(re.findall(r"`([a-z0-9]+(?:[-_][a-z0-9]+)*)`", bullet)) & ids
        assert named, f"this milestone names no checkpoint that proves it: {bullet.strip()}"


#: How a contract bullet names the checkpoints that prove it: ``Checked by: `id`, `id`.``
CHECKED_BY = re.compile(r"Checked by:((?:\s*`[^`]+`,?)+)")


def contract_bullets(readme: str) -> list[str]:
    """The top-level bullets of the README's "The contract" section, each with its
    continuation lines and sub-bullets: the unit a learner reads as one promise. The list
    ends at the first paragraph at the margin; what follows (a note on what no checkpoint
    can see) is not a promise of the check."""
    bullets: list[str] = []
    fenced = False
    inside: bool | None = False  # None once the contract's list has ended
    for line in dev.sections(readme).get("The contract", "").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("- ") and inside is not None:
            bullets.append(line)
            inside = True
        elif inside and (fenced or not line or line.startswith(" ")):
            bullets[-1] += "\n" + line
        elif line and bullets:
            inside = None  # a paragraph at the margin ends the list: later lists are notes
    return [bullet.strip() for bullet in bullets]


def named_checkpoints(bullet: str) -> list[str]:
    """The ids a bullet's ``Checked by:`` names (empty when it names none)."""
    found = CHECKED_BY.search(bullet)
    return re.findall(r"`([^`]+)`", found.group(1)) if found else []


@by_id
def test_contract_bullets_name_the_checkpoints_that_prove_them(lesson: Lesson) -> None:
    """Every contract bullet names real checkpoints, and every checkpoint proves a bullet: a
    promise nothing checks, or a check no promise asks for, is a defect of the lesson."""
    bullets = contract_bullets(lesson.readme.read_text())
    assert bullets, "the contract is a list of bullets"
    ids = [info.id for info in list_checkpoints(lesson)]
    named: set[str] = set()
    for bullet in bullets:
        these = named_checkpoints(bullet)
        first = bullet.splitlines()[0]
        assert these, f"this contract bullet names no checkpoint (`Checked by: ...`): {first}"
        unknown = sorted(set(these) - set(ids))
        assert not unknown, f"this contract bullet names no such checkpoint {unknown}: {first}"
        named.update(these)
    orphans = [checkpoint for checkpoint in ids if checkpoint not in named]
    assert not orphans, f"no contract bullet names these checkpoints: {orphans}"


@by_id
def test_every_contract_bullet_has_a_variant_it_catches(lesson: Lesson) -> None:
    """Each promise of the contract is broken by at least one wrong app in variants/ and
    caught: a variant's ``caught_by`` holds a checkpoint the bullet names. A bullet no variant
    breaks is a promise whose checkpoints were never shown to catch a real mistake."""
    caught: set[str] = set()
    for variant in dev.read_variants(lesson):
        caught.update(variant.caught_by)
    unproven = [
        bullet.splitlines()[0]
        for bullet in contract_bullets(lesson.readme.read_text())
        if not set(named_checkpoints(bullet)) & caught
    ]
    assert not unproven, "no variant breaks these contract bullets:\n" + "\n".join(unproven)


def test_contract_bullets_reader() -> None:
    """The reader splits bullets at the top level and reads only what `Checked by:` names."""
    readme = (
        "## The contract\n\nIntro.\n\n- `GET /` answers. Checked by:\n  `home`, `home-2`.\n"
        "  - a sub-bullet `code`\n- Another. Checked by: `other`.\n- `x` alone\n\n"
        "A note after the list.\n\n- not a promise\n\n## Setup\n"
    )
    bullets = contract_bullets(readme)
    assert [named_checkpoints(bullet) for bullet in bullets] == [["home", "home-2"], ["other"], []]


@by_id
def test_requirements_are_declared_and_installed(lesson: Lesson) -> None:
    """Each app folder's requirements.txt lists its requirements (lesson.toml's, or for a
    lesson with several apps that app's own), and the course environment satisfies all."""
    wanted = [(app.folder, app.requirements) for app in lesson.apps] or [("", lesson.requirements)]
    for base in (lesson.starter, lesson.solution):
        for subfolder, requirements in wanted:
            folder = base / subfolder
            listed = (folder / "requirements.txt").read_text().split("\n")
            listed = [line.strip() for line in listed if line.strip() and not line.startswith("#")]
            assert sorted(listed) == sorted(requirements), f"{folder}/requirements.txt"
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
def test_provided_files_have_one_copy(lesson: Lesson) -> None:
    """A file the lesson gives (provided/) is not also in starter/ or solution/: the learner's
    copy (from `mission start`) and the checker's (laid over the sandbox) are one file."""
    if not lesson.provided.is_dir():
        return
    given = [p.relative_to(lesson.provided) for p in lesson.provided.rglob("*") if p.is_file()]
    assert given, f"{lesson.provided} is empty"
    for folder in (lesson.starter, lesson.solution):
        copies = [str(path) for path in given if (folder / path).exists()]
        assert not copies, f"{folder} also holds provided files: {copies}"


@by_id
def test_shipped_fakes_come_from_provided(lesson: Lesson) -> None:
    """A fake the learner runs is the one the checker runs: it lives in provided/."""
    for fake in lesson.services:
        if fake.kind != "fake" or not fake.option("app"):
            continue
        file = Path(fake.option("app").partition(":")[0])
        assert file.parts[0] == "provided", f"{fake.option('app')}: fakes live in provided/"
        assert (lesson.path / file).is_file(), f"{file} is missing"
