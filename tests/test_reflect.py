"""Self-checks and reflections: lesson.toml's [reflect], revisions in the progress file, the
lesson page's form (save, preview, two tabs), and `mission reflect` from the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT
from markupsafe import escape

from mission_control.catalog import CatalogError, load_lesson
from mission_control.hub import create_app
from mission_control.journal import Journal, edit_text, parse_text
from mission_control.progress import ProgressStore

A01 = CATALOG.get("a01")
HOST = {"Host": "127.0.0.1"}


def test_every_lesson_has_self_checks_and_two_or_three_prompts() -> None:
    for lesson in CATALOG:
        if lesson.kind == "primer":  # its questions are its self-checks (tests/test_primer.py)
            continue
        assert len(lesson.self_checks) >= 2, lesson.id
        assert 2 <= len(lesson.reflection_prompts) <= 3, lesson.id


def test_a_wrong_reflect_table_names_its_field(tmp_path: Path) -> None:
    folder = tmp_path / "assignments" / "01-basic-todo-api"
    folder.mkdir(parents=True)
    text = (A01.path / "lesson.toml").read_text().split("[reflect]")[0]
    (folder / "lesson.toml").write_text(text + '[reflect]\nself_checks = "one"\n')
    with pytest.raises(CatalogError, match="self_checks"):
        load_lesson(folder / "lesson.toml")
    (folder / "lesson.toml").write_text(text + '[reflect]\nquestions = ["x"]\n')
    with pytest.raises(CatalogError, match="questions"):
        load_lesson(folder / "lesson.toml")


def test_every_save_is_a_revision_and_a_stale_save_keeps_both(tmp_path: Path) -> None:
    journal = Journal(ProgressStore(tmp_path / "progress.sqlite3"))
    prompt = A01.reflection_prompts[0]
    assert journal.latest("a01") is None
    first = journal.save("a01", [A01.self_checks[0]], {prompt: "first"}, None)
    tab_a = journal.save("a01", [A01.self_checks[0]], {prompt: "from tab A"}, first.id)
    tab_b = journal.save("a01", [A01.self_checks[1]], {prompt: "from tab B"}, first.id)
    assert not tab_a.merged and tab_b.merged
    assert "from tab B" in tab_b.answers[prompt] and "from tab A" in tab_b.answers[prompt]
    assert "another window" in tab_b.answers[prompt]
    assert set(tab_b.ticked) == {A01.self_checks[0], A01.self_checks[1]}
    history = journal.history("a01")
    assert [r.id for r in history] == [tab_b.id, tab_a.id, first.id]
    assert history[-1].answers[prompt] == "first", "nothing typed is lost"
    assert all(r.at.tzinfo is not None for r in history)


def test_the_terminal_text_round_trips() -> None:
    journal_text = edit_text(A01, None)
    assert all(f"- [ ] {s}" in journal_text for s in A01.self_checks)
    edited = journal_text.replace(f"- [ ] {A01.self_checks[1]}", f"- [x] {A01.self_checks[1]}")
    edited = edited.replace(
        f"## {A01.reflection_prompts[1]}\n", f"## {A01.reflection_prompts[1]}\n\nIt **is**.\n"
    )
    ticked, answers = parse_text(A01, edited)
    assert ticked == [A01.self_checks[1]]
    assert answers[A01.reflection_prompts[1]] == "It **is**."
    assert answers[A01.reflection_prompts[0]] == ""


def test_mission_reflect_from_stdin(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    text = f"- [x] {A01.self_checks[0]}\n\n## {A01.reflection_prompts[0]}\n\nThe 415 one.\n"
    run = subprocess.run(
        [sys.executable, "-m", "mission_control", "reflect", "a01"],
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "MISSION_PROGRESS_DB": str(db)},
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "1 of 3 self-checks ticked" in run.stdout
    latest = Journal(ProgressStore(db)).latest("a01")
    assert latest and latest.answers[A01.reflection_prompts[0]] == "The 415 one."


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(
        {"TESTING": True, "COURSE_ROOT": str(ROOT), "PROGRESS_DB": str(tmp_path / "p.sqlite3")}
    )
    return app.test_client()


def form(client) -> dict[str, str]:
    page = client.get("/lessons/a01", headers=HOST).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    base = re.search(r'name="base" value="(\d*)"', page)
    assert token and base
    return {"csrf_token": token.group(1), "base": base.group(1)}


def test_the_lesson_page_saves_previews_and_keeps_both_tabs(client) -> None:
    page = client.get("/lessons/a01", headers=HOST).get_data(as_text=True)
    assert page.index("Checkpoints</h2>") < page.index("Check yourself</h2>")
    for number, statement in enumerate(A01.self_checks, 1):
        assert f'id="self-check-{number}" name="ticked" value="{statement}"' in page
    both = form(client)  # two tabs opened on the same revision

    preview = client.post(
        "/lessons/a01/reflect",
        data={**both, "action": "preview", "answer-1": "It was **415**.<script>x</script>"},
        headers=HOST,
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<strong>415</strong>" in text
    assert "<script>x" not in text and "&lt;script&gt;" in text
    assert Journal(client.application.extensions["mission_progress"]).latest("a01") is None

    saved = client.post(
        "/lessons/a01/reflect",
        data={**both, "action": "save", "ticked": A01.self_checks[0], "answer-1": "tab A"},
        headers=HOST,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"], headers=HOST).get_data(as_text=True)
    assert "Saved as revision" in page and ">tab A</textarea>" in page
    assert f'value="{A01.self_checks[0]}" checked' in page

    stale = client.post(
        "/lessons/a01/reflect",
        data={**both, "action": "save", "answer-1": "tab B"},
        headers=HOST,
    )
    page = client.get(stale.headers["Location"], headers=HOST).get_data(as_text=True)
    assert "both are kept" in page
    answer = re.search(r'<textarea id="answer-1"[^>]*>(.*?)</textarea>', page, re.S)
    assert answer and "tab B" in answer.group(1) and "tab A" in answer.group(1)
    assert "2 revisions kept" in page


def test_progress_shows_the_latest_reflections_and_the_primer(tmp_path: Path) -> None:
    """/progress and `mission progress` show each lesson's latest reflection (its Markdown
    rendered, raw HTML escaped) and the primer's share of questions answered."""
    from mission_control.primer import Answers, load_primers

    db = tmp_path / "p.sqlite3"
    client = create_app({"TESTING": True, "COURSE_ROOT": str(ROOT), "PROGRESS_DB": str(db)})
    client = client.test_client()
    empty = client.get("/progress", headers=HOST).text
    assert "No reflections yet" in empty and "0 of 10 questions answered" in empty
    journal = Journal(ProgressStore(db))
    first, second = A01.reflection_prompts[:2]
    old = journal.save("a01", [A01.self_checks[0]], {first: "an old draft"}, None)
    text = "I **learnt** <script>x</script>"
    latest = journal.save("a01", [A01.self_checks[0]], {first: text}, old.id)
    (p01,) = load_primers(CATALOG)
    for question in p01.questions[:3]:
        Answers(ProgressStore(db)).record(p01, question.key, question.choices[0])

    page = client.get("/progress", headers=HOST).text
    reflections = page.split('id="reflections-title"')[1].split("</section>")[0]
    assert "I <strong>learnt</strong> &lt;script&gt;" in reflections, "Markdown, HTML escaped"
    assert "an old draft" not in reflections, "the latest revision only"
    assert str(escape(first)) in reflections and str(escape(second)) not in reflections
    assert f"1 of {len(A01.self_checks)} self-checks ticked" in reflections
    assert 'href="/lessons/a01#reflect-title"' in reflections
    assert "3 of 10 questions answered" in page

    terminal = subprocess.run(
        [sys.executable, "-m", "mission_control", "progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "MISSION_PROGRESS_DB": str(db)},
        timeout=120,
        check=True,
    ).stdout
    assert "3/10 questions answered" in terminal
    assert f"reflection saved {latest.at:%Y-%m-%d %H:%M} UTC: 1 of" in terminal
    detailed = subprocess.run(
        [sys.executable, "-m", "mission_control", "progress", "a01"],
        capture_output=True,
        text=True,
        env={**os.environ, "MISSION_PROGRESS_DB": str(db)},
        timeout=120,
        check=True,
    ).stdout
    assert first in detailed and "I **learnt** <script>x</script>" in detailed
