"""What the hub's views share: the catalog, the progress store, checkpoint listings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mission_control.catalog import Catalog, Lesson
from mission_control.check.inventory import CheckpointInfo, list_many
from mission_control.progress import LessonProgress, ProgressStore


def catalog() -> Catalog:
    found: Catalog = current_app.extensions["mission_catalog"]
    return found


def store() -> ProgressStore:
    found: ProgressStore = current_app.extensions["mission_progress"]
    return found


@dataclass(frozen=True)
class LessonView:
    lesson: Lesson
    checkpoints: list[CheckpointInfo]
    progress: LessonProgress


def lesson_views(lessons: list[Lesson]) -> list[LessonView]:
    """Each lesson with its checkpoints and the learner's progress on it."""
    return [
        LessonView(lesson, checkpoints, store().progress(lesson.id, [i.id for i in checkpoints]))
        for lesson, checkpoints in zip(lessons, list_many(lessons), strict=True)
    ]


def lesson_view(lesson: Lesson) -> LessonView:
    return lesson_views([lesson])[0]
