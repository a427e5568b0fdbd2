"""Every lesson's wrong-app variants are caught as its variants/variants.toml says.

A variant is the lesson's solution with one plausible mistake (usually a security hole), kept
as a diff in ``lessons/<track>/<slug>/variants/``. The checks themselves live in
``mission_control.dev`` (``mission dev check <lesson> --only variants`` runs the same ones).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CATALOG

from mission_control import dev
from mission_control.catalog import Lesson

VARIANTS = [  # a primer (kind "primer") has no solution, so no wrong apps
    (lesson, variant)
    for lesson in CATALOG
    if lesson.kind == "code"
    for variant in dev.read_variants(lesson)
]


def test_the_course_has_variants() -> None:
    """The parametrised test below is not silently empty (a moved folder would make it so)."""
    assert {lesson.id for lesson, _ in VARIANTS} >= {"a08", "a09", "a10"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lesson", "variant"), VARIANTS, ids=[variant.id for _, variant in VARIANTS]
)
def test_checkpoints_catch_variant(lesson: Lesson, variant: dev.Variant) -> None:
    finding = dev.check_variant(lesson, variant)
    assert finding.ok, f"{finding.check}\n{finding.explanation}"


def test_every_variant_applies_to_the_solution(tmp_path) -> None:
    """Quick, without a check: a diff the solution has moved away from is found at once."""
    for lesson, variant in VARIANTS:
        folder = dev.apply_variant(lesson, variant, tmp_path / variant.id)
        pristine = dev.app_folder(lesson, lesson.solution, tmp_path / f"{variant.id}-solution")
        assert _files(folder) != _files(pristine), f"{variant.id} changes no file"


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of an app folder by its relative path (the variant may change any of them:
    d02's mistakes are in middleware.py, d04's in a template)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
