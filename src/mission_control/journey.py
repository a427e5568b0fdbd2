"""The four-phase journey: where a learner stands on each lesson and phase, and what is next.

One place computes the figures that both ``mission progress`` and the hub's ``/progress`` page
show, so they always agree: a bar per lesson and per phase, first passes, regressions, the
last runs, which phases are cleared, and the next suggested lesson. Nothing is ever locked:
"next" is a suggestion along :data:`~mission_control.start_here.SUGGESTED_PATH`.

A primer (``kind = "primer"``) stands by its questions instead of checkpoints: it passes once
every question is answered. Each lesson also carries the learner's latest reflection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mission_control.catalog import Catalog, Lesson
from mission_control.check.inventory import CheckpointInfo, list_many
from mission_control.journal import Journal, Revision
from mission_control.primer import answered, load_primers
from mission_control.progress import LessonProgress, ProgressStore, RunSummary
from mission_control.start_here import suggested_path


@dataclass(frozen=True)
class LessonStanding:
    """One lesson, its checkpoints and the learner's progress on it."""

    lesson: Lesson
    checkpoints: list[CheckpointInfo]
    progress: LessonProgress
    #: a primer's (answered, total) questions; None for a lesson with checkpoints
    answered: tuple[int, int] | None = None
    reflection: Revision | None = None  # the learner's latest self-checks and reflections

    @property
    def passing(self) -> bool:
        """Every checkpoint passes in the latest run (a lesson without checkpoints never
        does); for a primer, every question is answered."""
        if self.answered is not None:
            done, total = self.answered
            return total > 0 and done == total
        return self.progress.total > 0 and self.progress.passed == self.progress.total

    @property
    def started(self) -> bool:
        """Checked at least once; for a primer, at least one question answered."""
        if self.answered is not None:
            return self.answered[0] > 0
        return self.progress.started

    @property
    def reflections_written(self) -> list[tuple[str, str]]:
        """(prompt, Markdown) for each reflection of the latest revision that holds text."""
        if self.reflection is None:
            return []
        return [(p, text) for p, text in self.reflection.answers.items() if text.strip()]

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
    primers = {primer.id: answered(primer, store) for primer in load_primers(catalog)}
    journal = Journal(store)
    standings = {
        lesson.id: LessonStanding(
            lesson,
            infos,
            store.progress(lesson.id, [i.id for i in infos]),
            answered=primers.get(lesson.id),
            reflection=journal.latest(lesson.id),
        )
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
