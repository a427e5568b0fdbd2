"""What the hub's views share: the catalog, the progress store, checkpoint listings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mission_control.catalog import Catalog, Lesson
from mission_control.check.inventory import CheckpointInfo, list_checkpoints
from mission_control.progress import LessonProgress, ProgressStore


def catalog() -> Catalog:
    return current_app.extensions["mission_catalog"]


def store() -> ProgressStore:
    return current_app.extensions["mission_progress"]


@dataclass(frozen=True)
class LessonView:
    lesson: Lesson
    checkpoints: list[CheckpointInfo]
    progress: LessonProgress


def lesson_view(lesson: Lesson) -> LessonView:
    checkpoints = list_checkpoints(lesson)
    progress = store().progress(lesson.id, [info.id for info in checkpoints])
    return LessonView(lesson, checkpoints, progress)
