"""A generated class of a01 submissions, for the grading tests and bench/grade_class.py.

Each submission is the solution, the starter, or the solution with one bug (a textual edit,
each one a plausible mistake a learner makes), plus one that hangs at import, one that
exits at import and one that prints a fake report while it imports.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mission_control.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]
LESSON = load_catalog(ROOT).get("a01")
assert LESSON is not None

#: (name, the checkpoint that must catch it, old text, new text)
BUGS: list[tuple[str, str, str, str]] = [
    ("create-200", "create-todo", "jsonify(todo), 201,", "jsonify(todo), 200,"),
    ("delete-200", "delete-todo", 'return "", 204', 'return "", 200'),
    (
        "no-allow",
        "method-not-allowed",
        'if name.lower() != "content-type":',
        'if name.lower() not in ("content-type", "allow"):',
    ),
    ("list-dict", "list-is-json-array", "jsonify(list(todos.values()))", "jsonify(todos)"),
    ("no-strip", "", 'fields["title"] = title.strip()', 'fields["title"] = title'),
    ("no-max", "", "if len(title.strip()) > TITLE_MAX:", "if False:"),
    ("html-errors", "unknown-url-json-404", "@app.errorhandler(HTTPException)\n", ""),
    ("any-body", "", "if not isinstance(data, dict):", "if data is None:"),
    (
        "any-completed",
        "",
        'if not isinstance(data["completed"], bool):',
        'if data["completed"] is None:',
    ),
    ("empty-update", "", "if partial and not fields:", "if False:"),
    ("same-id", "", "next_id += 1", "next_id += 0"),
    ("no-delete", "", "del todos[todo_id]", "pass"),
    ("get-list", "get-todo", "return jsonify(find(todo_id))", "return jsonify([find(todo_id)])"),
    ("force-json", "", "request.get_json()", "request.get_json(force=True)"),
    ("silent-json", "", "request.get_json()", "request.get_json(silent=True)"),
    (
        "list-201",
        "list-is-json-array",
        "jsonify(list(todos.values()))\n",
        "jsonify(list(todos.values())), 201\n",
    ),
    ("blank-title", "", "or not title.strip():", "or not title:"),
    ("no-location", "create-todo", ', {"Location": location}', ""),
    (
        "update-ignores",
        "",
        "todo.update(fields)",
        "todo.update(title=fields.get('title', todo['title']))",
    ),
    (
        "delete-no-404",
        "",
        "        find(todo_id)\n        del todos[todo_id]",
        "        todos.pop(todo_id, None)",
    ),
    ("completed-false", "", '"completed": fields.get("completed", False)', '"completed": False'),
]

HANG = "import time\n\ntime.sleep(3600)\n"
EXIT = "import sys\n\nsys.exit(3)\n"
FAKE = (
    'print(\'{"summary": {"passed": 99}, "results": []}\')\n'
    "import sys\n\nsys.stdout.write('garbage \\x00\\x1b[2J')\n"
)


def make_class(folder: Path, size: int = 30) -> dict[str, str]:
    """``size`` submission folders in ``folder``; returns {name: what it is}."""
    folder.mkdir(parents=True, exist_ok=True)
    solution = (LESSON.solution / "app.py").read_text(encoding="utf-8")
    kinds: dict[str, str] = {}

    def write(
        name: str, kind: str, source: str | None = None, base: Path = LESSON.solution
    ) -> None:
        shutil.copytree(base, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        if source is not None:
            (folder / name / "app.py").write_text(source, encoding="utf-8")
        kinds[name] = kind

    special = [
        ("s00-solution", "solution", None, LESSON.solution),
        ("s01-starter", "starter", None, LESSON.starter),
        ("s02-hangs", "hang", HANG + solution, LESSON.solution),
        ("s03-exits", "exit", EXIT + solution, LESSON.solution),
        ("s04-prints-a-fake-report", "solution", FAKE + solution, LESSON.solution),
    ]
    plan = list(special)
    number = len(plan)
    while len(plan) < size:
        name, _, old, new = BUGS[(number - len(special)) % len(BUGS)]
        assert old in solution, name
        plan.append(
            (f"s{number:02d}-{name}", f"bug:{name}", solution.replace(old, new, 1), LESSON.solution)
        )
        number += 1
    if size > len(special) + len(BUGS):  # more than one of each: the rest are solutions too
        pass
    for name, kind, source, base in plan[:size]:
        write(name, kind, source, base)
    return kinds
