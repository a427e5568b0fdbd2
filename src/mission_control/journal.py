"""Self-checks and reflections: what a learner ticks and writes about a lesson, every revision.

A lesson's ``lesson.toml`` lists self-check statements and reflection prompts (``[reflect]``).
Each save, from the hub or ``mission reflect``, is a new revision in the progress file (its
own table, ``reflections``), with its time; nothing is ever overwritten. A save made from an
older revision than the newest (a second tab, a terminal) keeps both: the new revision holds
every statement ticked in either and, for each prompt the two wrote differently, both texts,
the other one below a marked line, for the learner to tidy up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mission_control.catalog import Lesson
from mission_control.progress import ProgressStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS reflections (
    id       INTEGER PRIMARY KEY,   -- the revision
    lesson   TEXT NOT NULL,
    at       TEXT NOT NULL,         -- ISO 8601, UTC
    base     INTEGER,               -- the revision this one was edited from
    ticked   TEXT NOT NULL,         -- JSON list of the self-check statements ticked
    answers  TEXT NOT NULL          -- JSON object: prompt -> Markdown
)
"""
CONFLICT_MARK = "---\n\n*Also saved, from another window at {at}:*\n\n"


@dataclass(frozen=True)
class Revision:
    id: int
    lesson: str
    at: datetime
    base: int | None
    ticked: tuple[str, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)
    merged: bool = False  # this save met a newer revision and kept both


class Journal:
    """The reflections table of a progress file."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.store.path.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.store.busy_timeout
        with closing(sqlite3.connect(self.store.path, timeout=timeout, isolation_level=None)) as db:
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            db.row_factory = sqlite3.Row
            yield db

    def latest(self, lesson: str) -> Revision | None:
        """The newest revision of ``lesson``, or None (nothing saved, or a damaged file)."""
        if not self.store.path.exists():
            return None
        try:
            with self._connect() as db:
                row = db.execute(
                    "SELECT * FROM reflections WHERE lesson = ? ORDER BY id DESC LIMIT 1",
                    [lesson],
                ).fetchone()
        except sqlite3.DatabaseError:  # no table yet, or a damaged file (the store says so)
            return None
        return _revision(row) if row is not None else None

    def history(self, lesson: str) -> list[Revision]:
        """Every revision of ``lesson``, newest first."""
        if not self.store.path.exists():
            return []
        try:
            with self._connect() as db:
                rows = db.execute(
                    "SELECT * FROM reflections WHERE lesson = ? ORDER BY id DESC", [lesson]
                ).fetchall()
        except sqlite3.DatabaseError:
            return []
        return [revision for row in rows if (revision := _revision(row)) is not None]

    def save(
        self,
        lesson: str,
        ticked: Sequence[str],
        answers: Mapping[str, str],
        base: int | None,
        at: datetime | None = None,
    ) -> Revision:
        """Keep a new revision edited from ``base``; if another revision was saved since, the
        new one keeps both (see the module docstring)."""
        at = at or datetime.now(UTC)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(SCHEMA)
                row = db.execute(
                    "SELECT * FROM reflections WHERE lesson = ? ORDER BY id DESC LIMIT 1",
                    [lesson],
                ).fetchone()
                newest = _revision(row) if row is not None else None
                merged = newest is not None and newest.id != base
                if merged and newest is not None:
                    ticked, answers = _keep_both(ticked, answers, newest)
                cursor = db.execute(
                    "INSERT INTO reflections (lesson, at, base, ticked, answers)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [
                        lesson,
                        at.isoformat(timespec="seconds"),
                        base,
                        json.dumps(list(ticked), ensure_ascii=False),
                        json.dumps(dict(answers), ensure_ascii=False),
                    ],
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        assert cursor.lastrowid is not None
        return Revision(cursor.lastrowid, lesson, at, base, tuple(ticked), dict(answers), merged)


def _keep_both(
    ticked: Sequence[str], answers: Mapping[str, str], other: Revision
) -> tuple[list[str], dict[str, str]]:
    """Every tick of either save, and both texts where they differ."""
    all_ticked = list(dict.fromkeys([*ticked, *other.ticked]))
    kept = dict(answers)
    for prompt, theirs in other.answers.items():
        mine = kept.get(prompt, "")
        if not mine.strip():
            kept[prompt] = theirs
        elif theirs.strip() and theirs.strip() != mine.strip() and theirs not in mine:
            mark = CONFLICT_MARK.format(at=other.at.strftime("%Y-%m-%d %H:%M UTC"))
            kept[prompt] = f"{mine.rstrip()}\n\n{mark}{theirs}"
    return all_ticked, kept


def _revision(row: sqlite3.Row) -> Revision | None:
    """A stored revision, or None for a row that does not parse (a damaged file)."""
    try:
        ticked = json.loads(row["ticked"])
        answers = json.loads(row["answers"])
        at = datetime.fromisoformat(row["at"])
    except (ValueError, TypeError):
        return None
    return Revision(
        id=int(row["id"]),
        lesson=str(row["lesson"]),
        at=at,
        base=row["base"],
        ticked=tuple(str(item) for item in ticked) if isinstance(ticked, list) else (),
        answers={str(k): str(v) for k, v in answers.items()} if isinstance(answers, dict) else {},
    )


def edit_text(lesson: Lesson, latest: Revision | None) -> str:
    """The text ``mission reflect`` edits: a checkbox line per statement, a section per
    prompt holding the last saved answer."""
    ticked = set(latest.ticked) if latest else set()
    answers = latest.answers if latest else {}
    lines = [f"# {lesson.id} · {lesson.title}: check yourself", ""]
    if lesson.self_checks:
        lines += ["Put an x in the brackets of each statement that is true for you now.", ""]
        lines += [f"- [{'x' if s in ticked else ' '}] {s}" for s in lesson.self_checks]
        lines.append("")
    for prompt in lesson.reflection_prompts:
        lines += [f"## {prompt}", "", answers.get(prompt, "").strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def parse_text(lesson: Lesson, text: str) -> tuple[list[str], dict[str, str]]:
    """The ticks and answers in an edited :func:`edit_text` (unknown lines are ignored; an
    answer is everything below its prompt's heading up to the next prompt's)."""
    ticked: list[str] = []
    answers: dict[str, list[str]] = {}
    current: str | None = None
    prompts = {f"## {prompt}": prompt for prompt in lesson.reflection_prompts}
    for line in text.splitlines():
        if line.rstrip() in prompts:
            current = prompts[line.rstrip()]
            answers[current] = []
        elif current is not None:
            answers[current].append(line)
        elif line.startswith(("- [x] ", "- [X] ")) and line[6:].strip() in lesson.self_checks:
            ticked.append(line[6:].strip())
    return ticked, {prompt: "\n".join(body).strip() for prompt, body in answers.items()}
