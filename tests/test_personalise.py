"""A personalised app keeps its checkpoints: every assignment README ends with a "Make it
yours" suggestion (a name, a colour, an extra endpoint), and the solution with that suggestion
applied still passes every checkpoint (a01 always; the others in the slow run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, mission, provided_copy

from mission_control import dev

A01 = CATALOG.get("a01")
ASSIGNMENTS = [lesson for lesson in CATALOG if lesson.track == "assignments"]

MAIN = '\nif __name__ == "__main__":'

#: Each assignment's "Make it yours", applied to its solution: (file, old, new) replaces
#: ``old`` by ``new`` once; an ``old`` of MAIN adds ``new`` before ``if __name__ ...``, and
#: ``None`` adds it at the end of the file.
PERSONAL: dict[str, list[tuple[str, str | None, str]]] = {
    "a01": [
        (
            "app.py",
            MAIN,
            '''
NAME = "Ada's to-dos"


@app.get("/about")
def about():
    """Mine: who this API belongs to."""
    return {"name": NAME, "colour": "#0b57d0", "owner": "Ada"}
''',
        )
    ],
    "a02": [
        (
            "app.py",
            MAIN,
            '''
BLOG_NAME = "Ada writes"


@app.get("/about")
def about():
    """Mine: the blog's name, its author and its colour."""
    return {"blog": BLOG_NAME, "author": "Ada", "colour": "#7b1fa2"}
''',
        )
    ],
    "a03": [
        (
            "app.py",
            '"jane_doe": {"username": "jane_doe", "bio": "Flies whatever John builds.", '
            '"image": None},\n',
            '"jane_doe": {"username": "jane_doe", "bio": "Flies whatever John builds.", '
            '"image": None},\n    "ada": {"username": "ada", "bio": "Writes the programs.", '
            '"image": None},\n',
        )
    ],
    "a04": [
        (
            "app.py",
            MAIN,
            '''
@app.get("/stats")
def stats():
    """Mine: how many tasks are at each notification state."""
    with lock:
        states = [task["notification"] for task in tasks.values()]
    return {state: states.count(state) for state in ("none", "pending", "sent")}
''',
        )
    ],
    "a05": [
        (
            "templates/dashboard.html",
            "<h1>Weather Dashboard</h1>",
            '<h1>Ada\'s weather</h1>\n  <nav aria-label="My places"><a href="/?city_name=Oslo'
            '&amp;lat=59.91&amp;lon=10.75">Oslo</a></nav>',
        ),
        ("templates/dashboard.html", "background: #eef5fb;", "background: #fdf1e6;"),
    ],
    "a06": [
        ("templates/index.html", "<h1>Chat</h1>", "<h1>Ada's chat room</h1>"),
        ("templates/index.html", "<title>Chat · ", "<title>Ada's chat room · "),
        ("templates/index.html", ".system { color: #666;", ".system { color: #6a1b9a;"),
    ],
    "a07": [
        (
            "templates/base.html",
            "{% block title %}Newsletter{% endblock %}",
            "{% block title %}The Ada Weekly{% endblock %}",
        ),
        (
            "templates/base.html",
            "    .field {",
            "    header { border-bottom: 4px solid #00796b; }\n    .field {",
        ),
    ],
    "a08": [
        (
            "app.py",
            MAIN,
            '''
@app.get("/admin/stats")
@admin_required
def event_stats():
    """Mine: how many events of each type are stored."""
    rows = get_db().execute("SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY type")
    return jsonify({kind: count for kind, count in rows})
''',
        )
    ],
    "a09": [
        (
            "v2/routes.py",
            None,
            '''

@bp.get("/summary")
def summary():
    """Mine: how many items each category holds."""
    return jsonify({category: data.page(0, 1, category)[1] for category in data.CATEGORIES})
''',
        )
    ],
    "a10": [
        (
            "app.py",
            MAIN,
            '''
@app.get("/me")
@token_required(scopes=["vault:read"])
def me():
    """Mine: who the token belongs to (never the password hash)."""
    user = g.user
    return jsonify(username=user["username"], scopes=user["scopes"], clearance=user["clearance"])
''',
        )
    ],
}


def personalised(lesson_id: str, destination: Path) -> Path:
    """A copy of the lesson's solution (with provided/) with its "Make it yours" applied."""
    lesson = CATALOG.get(lesson_id)
    folder = provided_copy(lesson, lesson.solution, destination)
    for name, old, new in PERSONAL[lesson_id]:
        file = folder / name
        source = file.read_text(encoding="utf-8")
        if old is None:
            changed = source.rstrip("\n") + "\n" + new
        elif old == MAIN:
            head, main = source.split(MAIN)
            changed = head.rstrip() + "\n\n" + new + "\n" + MAIN + main
        else:
            assert old in source, f"{lesson_id}: {name} no longer holds {old!r}"
            changed = source.replace(old, new, 1)
        file.write_text(changed, encoding="utf-8")
    return folder


def test_every_assignment_readme_ends_with_make_it_yours() -> None:
    """One suggestion, the README's last section, saying the checkpoints still pass."""
    assert len(ASSIGNMENTS) >= 10
    for lesson in ASSIGNMENTS:
        sections = dev.sections(lesson.readme.read_text(encoding="utf-8"))
        assert list(sections)[-1] == "Make it yours", f"{lesson.id}: not the last section"
        text = " ".join(sections["Make it yours"].split())
        assert "every checkpoint still passes" in text, lesson.id
        assert lesson.id in PERSONAL, f"{lesson.id}: its suggestion is not proved below"


def test_a_personalised_a01_passes_every_checkpoint(tmp_path: Path) -> None:
    folder = personalised("a01", tmp_path / "mine")
    about = subprocess.run(
        [sys.executable, "-c", "import app; print(app.app.test_client().get('/about').json)"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Ada's to-dos" in about.stdout, "the personal endpoint is really there"
    run = mission("check", "a01", "--path", str(folder), "--json")
    assert run.returncode == 0, run.output
    statuses = set(run.statuses().values())
    assert statuses == {"passed"}, run.statuses()


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", sorted(set(PERSONAL) - {"a01"}))
def test_every_make_it_yours_is_tolerated(lesson_id: str, tmp_path: Path) -> None:
    """The suggestion of each README, applied to the solution, keeps every checkpoint."""
    folder = personalised(lesson_id, tmp_path / "mine")
    run = mission("check", lesson_id, "--path", str(folder), "--json")
    assert run.returncode == 0, run.output
    assert set(run.statuses().values()) == {"passed"}, run.statuses()
