"""Where a newcomer begins: the suggested first lesson and a suggested path through the course.

The course map is ordered by phase, from the raw WSGI underneath Flask upwards, which is the
right order for someone who knows Flask and wants to see how it works, not for someone new to
web development. They start with their first Flask app (d04) and meet the layers underneath
(d01-d03) once Flask is familiar. Before d04 comes the primer p01, "What is Flask?" (questions,
no code), so ``FIRST_LESSON``, the first lesson ``mission start`` is run on, stays d04. The
hub's map and README.md's "Start here" show this path.
"""

from __future__ import annotations

from mission_control.catalog import Catalog, Lesson

#: The lesson a newcomer starts with: their first Flask app.
FIRST_LESSON = "d04"
#: New to web development: the primer (questions, no code), Flask first, then the
#: assignments, then what is underneath.
SUGGESTED_PATH = (
    "p01",
    "d04",
    "a01",
    "d05",
    "a02",
    "a03",
    "a04",
    "a05",
    "a08",
    "a09",
    "a10",
    "d01",
    "d02",
    "d03",
)


def suggested_path(catalog: Catalog) -> list[Lesson]:
    """The path's lessons that exist in this catalog, in order, then any lesson the path
    does not name yet, in map order (so a new lesson is never hidden)."""
    named = [lesson for key in SUGGESTED_PATH if (lesson := catalog.get(key)) is not None]
    ids = {lesson.id for lesson in named}
    return named + [lesson for lesson in catalog if lesson.id not in ids]
