"""The course catalog, for unit tests that need a real lesson."""

from __future__ import annotations

from pathlib import Path

from mission_control.catalog import Lesson, load_catalog

CATALOG = load_catalog(Path(__file__).resolve().parents[2])


def lesson_named(lesson_id: str) -> Lesson:
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None, lesson_id
    return lesson
