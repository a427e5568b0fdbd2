"""The primer, ``p01 · What is Flask?``: questions to commit to before each explanation.

It is read before the first lesson and has no code to check: a catalog lesson of kind
``primer`` (``lessons/primer/<folder>/lesson.toml`` gives its id, title, phase and place on the
map, as for any lesson). ``primer.toml`` beside it holds its build-up steps (a question, its
choices, the explanation shown once an answer is recorded), its true/false myths, the key
takeaways and the request flow as text. The learner's answers are kept in the progress file (table
``primer_answers``), every answer with its time; the first answer to a question is the one that
counts, later ones are kept too. Progress is the share of questions answered.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mission_control.catalog import Catalog, Lesson
from mission_control.progress import ProgressStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS primer_answers (
    id        INTEGER PRIMARY KEY,
    primer    TEXT NOT NULL,
    question  TEXT NOT NULL,
    answer    TEXT NOT NULL,
    at        TEXT NOT NULL          -- ISO 8601, UTC
)
"""
TRUE_FALSE = ("True", "False")


class PrimerError(ValueError):
    """A primer.toml that cannot be used, named by file and field."""


@dataclass(frozen=True)
class Question:
    key: str
    title: str  # a step's title, or the myth's statement
    question: str
    choices: tuple[str, ...]
    explanation: str  # Markdown
    correct: str | None = None  # a myth's answer ("True"/"False"); a step has none

    @property
    def is_myth(self) -> bool:
        return self.correct is not None


@dataclass(frozen=True)
class Primer:
    lesson: Lesson
    steps: tuple[Question, ...]
    myths: tuple[Question, ...]
    takeaways: tuple[str, ...]
    flow: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def title(self) -> str:
        return self.lesson.title

    @property
    def phase(self) -> int:
        return self.lesson.phase

    @property
    def summary(self) -> str:
        return self.lesson.summary

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.steps + self.myths

    def get(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


def load_primers(catalog: Catalog) -> list[Primer]:
    """Every primer of the catalog (``kind = "primer"``), in course-map order."""
    return [load_primer(lesson) for lesson in catalog if lesson.kind == "primer"]


def load_primer(lesson: Lesson) -> Primer:
    """A primer lesson's questions, from the ``primer.toml`` beside its lesson.toml."""
    path = lesson.primer_file
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        steps = tuple(_step(raw) for raw in data["steps"])
        myths = tuple(_myth(raw) for raw in data["myths"])
        reveal = data["reveal"]
        primer = Primer(
            lesson=lesson,
            steps=steps,
            myths=myths,
            takeaways=tuple(str(item) for item in reveal["takeaways"]),
            flow=tuple(str(item) for item in reveal["flow"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PrimerError(f"{path}: {exc!r}") from exc
    keys = [question.key for question in primer.questions]
    if len(set(keys)) != len(keys):
        raise PrimerError(f"{path}: two questions share a key ({', '.join(keys)})")
    if any(len(question.choices) < 2 for question in primer.questions):
        raise PrimerError(f"{path}: every question needs at least two choices")
    return primer


def _step(raw: dict[str, Any]) -> Question:
    return Question(
        key=str(raw["key"]),
        title=str(raw["title"]),
        question=str(raw["question"]),
        choices=tuple(str(choice) for choice in raw["choices"]),
        explanation=str(raw["explanation"]).strip(),
    )


def _myth(raw: dict[str, Any]) -> Question:
    if not isinstance(raw["answer"], bool):
        raise ValueError(f"myth {raw.get('key')!r}: answer must be true or false")
    return Question(
        key=str(raw["key"]),
        title=str(raw["statement"]),
        question=f"True or false: {raw['statement']}",
        choices=TRUE_FALSE,
        explanation=str(raw["explanation"]).strip(),
        correct="True" if raw["answer"] else "False",
    )


class Answers:
    """The primer answers in a progress file."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.store.path.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.store.busy_timeout
        with closing(sqlite3.connect(self.store.path, timeout=timeout, isolation_level=None)) as db:
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            yield db

    def record(self, primer: Primer, key: str, answer: str, at: datetime | None = None) -> None:
        """Keep an answer (one of the question's choices; anything else is refused)."""
        question = primer.get(key)
        if question is None or answer not in question.choices:
            raise ValueError(f"{answer!r} is not an answer to {key!r}")
        when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(SCHEMA)
            db.execute(
                "INSERT INTO primer_answers (primer, question, answer, at) VALUES (?, ?, ?, ?)",
                [primer.id, key, answer, when],
            )

    def first(self, primer: Primer) -> dict[str, str]:
        """Each answered question's first answer (the one the learner committed to)."""
        if not self.store.path.exists():
            return {}
        try:
            with self._connect() as db:
                rows = db.execute(
                    "SELECT question, answer FROM primer_answers WHERE primer = ? ORDER BY id DESC",
                    [primer.id],
                ).fetchall()
        except sqlite3.DatabaseError:  # no table yet, or a damaged file (the store says so)
            return {}
        return {str(question): str(answer) for question, answer in rows}  # oldest wins


def share_answered(primer: Primer, answers: dict[str, str]) -> tuple[int, int]:
    """(answered, total) questions: the primer's progress."""
    keys = {question.key for question in primer.questions}
    return len(keys & answers.keys()), len(keys)


def answered(primer: Primer, store: ProgressStore) -> tuple[int, int]:
    """(answered, total) for ``primer`` in ``store``: what the map and /progress show."""
    return share_answered(primer, Answers(store).first(primer))
