"""The four-phase journey: where a learner stands on each lesson and phase, and what is next.

One place computes the figures that both ``mission progress`` and the hub's ``/progress`` page
show, so they always agree: a bar per lesson and per phase, first passes, regressions, the
last runs, which phases are cleared, and the next suggested lesson. Nothing is ever locked:
"next" is a suggestion along :data:`~mission_control.start_here.SUGGESTED_PATH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mission_control.catalog import Catalog, Lesson
from mission_control.check.inventory import CheckpointInfo, list_many
from mission_control.progress import LessonProgress, ProgressStore, RunSummary
from mission_control.start_here import suggested_path


@dataclass(frozen=True)
class LessonStanding:
    """One lesson, its checkpoints and the learner's progress on it."""

    lesson: Lesson
    checkpoints: list[CheckpointInfo]
    progress: LessonProgress

    @property
    def passing(self) -> bool:
        """Every checkpoint passes in the latest run (a lesson without checkpoints never does)."""
        return self.progress.total > 0 and self.progress.passed == self.progress.total

    @property
    def first_pass(self) -> datetime | None:
        """When every checkpoint first passed in one run."""
        return self.progress.completed_at

    def title_of(self, checkpoint: str) -> str:
        return next((i.title for i in self.checkpoints if i.id == checkpoint), checkpoint)


@dataclass(frozen=True)
class PhaseStanding:
    number: int
    name: str
    lessons: list[LessonStanding]

    @property
    def passing(self) -> int:
        return sum(standing.passing for standing in self.lessons)

    @property
    def cleared(self) -> bool:
        """All of the phase's lessons pass (a phase still without lessons is not cleared)."""
        return bool(self.lessons) and self.passing == len(self.lessons)

    @property
    def checkpoints_passed(self) -> int:
        return sum(standing.progress.passed for standing in self.lessons)

    @property
    def checkpoints_total(self) -> int:
        return sum(standing.progress.total for standing in self.lessons)


@dataclass(frozen=True)
class Journey:
    phases: list[PhaseStanding]
    suggested: Lesson | None  # the first lesson on the suggested path that does not pass yet
    last_runs: list[RunSummary]

    @property
    def lessons(self) -> list[LessonStanding]:
        return [standing for phase in self.phases for standing in phase.lessons]


def journey(catalog: Catalog, store: ProgressStore, *, last_runs: int = 10) -> Journey:
    """Where the learner stands on the whole course (runs of the solution do not count)."""
    lessons = list(catalog)
    standings = {
        lesson.id: LessonStanding(lesson, infos, store.progress(lesson.id, [i.id for i in infos]))
        for lesson, infos in zip(lessons, list_many(lessons), strict=True)
    }
    phases = [
        PhaseStanding(number, name, [standings[lesson.id] for lesson in members])
        for number, name, members in catalog.by_phase()
    ]
    suggested = next(
        (lesson for lesson in suggested_path(catalog) if not standings[lesson.id].passing), None
    )
    runs = [run for run in store.runs(limit=last_runs * 3) if run.source != "solution"]
    return Journey(phases, suggested, runs[:last_runs])
