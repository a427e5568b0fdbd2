"""mission_control.dev without running checks: the variants.toml reader refuses what it
cannot use, and the checker's sandbox holds the lesson's own provided/ files."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from helpers import CATALOG, mission, provided_copy

from mission_control import dev
from mission_control.catalog import Lesson
from mission_control.check.sandbox import Sandbox

A10 = CATALOG.get("a10")


def lesson_with_variants(tmp_path: Path, toml: str, diffs: tuple[str, ...]) -> Lesson:
    """a10 moved to ``tmp_path`` (only what the reader looks at), with this variants.toml."""
    folder = tmp_path / "variants"
    folder.mkdir()
    (folder / "variants.toml").write_text(toml)
    for name in diffs:
        shutil.copy(A10.variants / f"{name}.diff", folder / f"{name}.diff")
    return dataclasses.replace(A10, path=tmp_path)


GOOD = '[[variant]]\nname = "alg-none"\ndescription = "d"\ncaught_by = ["attack-alg-none"]\n'


def test_reader_gives_defaults_and_overrides(tmp_path: Path) -> None:
    toml = 'still_passes = ["admin-users"]\nonly = true\n' + GOOD + "still_passes = []\n"
    (variant,) = dev.read_variants(lesson_with_variants(tmp_path, toml, ("alg-none",)))
    assert (variant.id, variant.caught_by, variant.still_passes, variant.only) == (
        "a10-alg-none",
        ("attack-alg-none",),
        (),
        True,
    )


@pytest.mark.parametrize(
    ("toml", "diffs", "says"),
    [
        (GOOD, ("alg-none", "no-exp-check"), "describes no variant for no-exp-check.diff"),
        (GOOD, (), "there is no alg-none.diff"),
        (GOOD.replace('["attack-alg-none"]', "[]"), ("alg-none",), "at least one checkpoint"),
        (GOOD + "colour = 1\n", ("alg-none",), "colour: unknown"),
        (GOOD + 'still_passes = ["attack-alg-none"]\n', ("alg-none",), "both fail and pass"),
        (GOOD + GOOD, ("alg-none",), "two variants share a name"),
        ("only = 1\n" + GOOD, ("alg-none",), "only must be true or false"),
    ],
)
def test_reader_refuses(tmp_path: Path, toml: str, diffs: tuple[str, ...], says: str) -> None:
    with pytest.raises(dev.VariantsError, match=re.escape(says)):
        dev.read_variants(lesson_with_variants(tmp_path, toml, diffs))


def test_diffs_without_variants_toml_are_refused(tmp_path: Path) -> None:
    lesson = lesson_with_variants(tmp_path, "", ())
    (lesson.variants / "variants.toml").unlink()
    with pytest.raises(dev.VariantsError, match=re.escape("has no variants.toml")):
        dev.read_variants(lesson)
    (finding,) = dev.check_variants(lesson)
    assert not finding.ok and "has no variants.toml" in finding.explanation


def test_sandbox_lays_the_provided_files_over_the_learners(tmp_path: Path) -> None:
    learner = provided_copy(A10, A10.starter, tmp_path / "mine")
    (learner / "forge_token.py").write_text("# I broke it\n")
    sandbox = Sandbox(learner, A10.provided)
    try:
        copy = (sandbox.path / "forge_token.py").read_bytes()
        assert copy == (A10.provided / "forge_token.py").read_bytes()
        assert (sandbox.path / "app.py").read_bytes() == (learner / "app.py").read_bytes()
        assert (learner / "forge_token.py").read_text() == "# I broke it\n"  # theirs is kept
    finally:
        sandbox.cleanup()


def test_check_restores_a_provided_file_the_learner_deleted(tmp_path: Path) -> None:
    """d02's app imports hello_app.py; without the checker's copy it could not even start."""
    d02 = CATALOG.get("d02")
    learner = provided_copy(d02, d02.solution, tmp_path / "mine")
    (learner / "hello_app.py").unlink()
    run = mission("check", "d02", "--path", str(learner), "--json")
    assert run.report["error"] is None, run.report["error"]
    assert set(run.statuses().values()) == {"passed"}, run.statuses()
