"""The primer p01: a catalog lesson of kind "primer", with questions committed to before each
explanation, in the hub and the terminal; its progress is the share of questions answered."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT, mission

from mission_control import dev
from mission_control.hub import create_app
from mission_control.journey import journey
from mission_control.primer import Answers, load_primers, share_answered
from mission_control.progress import ProgressStore
from mission_control.start_here import SUGGESTED_PATH, suggested_path

HOST = {"Host": "127.0.0.1"}
(P01,) = load_primers(CATALOG)


def test_the_primer_has_six_steps_four_myths_takeaways_and_the_flow() -> None:
    assert (P01.id, P01.title, P01.phase) == ("p01", "What is Flask?", 1)
    assert P01.lesson is CATALOG.get("p01"), "the catalog's lesson.toml gives id, title, phase"
    assert len(P01.steps) == 6 and len(P01.myths) == 4
    assert all(q.question and len(q.choices) >= 2 and q.explanation for q in P01.questions)
    assert all(m.correct in ("True", "False") for m in P01.myths)
    assert P01.takeaways and len(P01.flow) >= 4
    assert any("many URLs" in q.question for q in P01.steps)


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(
        {"TESTING": True, "COURSE_ROOT": str(ROOT), "PROGRESS_DB": str(tmp_path / "p.sqlite3")}
    )
    return app.test_client()


def test_an_explanation_shows_only_after_an_answer_is_recorded(client) -> None:
    step = P01.steps[3]
    page = client.get("/lessons/p01", headers=HOST).text
    assert step.question in page
    assert "Flask picks the function whose route matches" not in page
    assert "0 of 10 questions answered" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    refused = client.post(
        "/primer/p01/answer",
        data={"csrf_token": token, "question": step.key, "answer": "maybe"},
        headers=HOST,
    )
    assert refused.status_code == 400 and "Choose one of the answers" in refused.text
    answered = client.post(
        "/primer/p01/answer",
        data={"csrf_token": token, "question": step.key, "answer": step.choices[1]},
        headers=HOST,
    )
    assert answered.status_code == 303 and answered.headers["Location"].endswith(f"#q-{step.key}")
    page = client.get("/lessons/p01", headers=HOST).text
    assert "Flask picks the function whose route matches" in page
    assert f"Your answer: <strong>{step.choices[1]}</strong>" in page
    assert "1 of 10 questions answered" in page
    client.post(  # a later answer is kept, the first one counts
        "/primer/p01/answer",
        data={"csrf_token": token, "question": step.key, "answer": step.choices[0]},
        headers=HOST,
    )
    assert (
        f"Your answer: <strong>{step.choices[1]}</strong>"
        in client.get("/lessons/p01", headers=HOST).text
    )


def test_the_primer_is_first_in_phase_one_on_the_map(client) -> None:
    page = client.get("/", headers=HOST).text
    phase_one = page.split('id="phase-1"')[1].split('id="phase-2"')[0]
    assert phase_one.index('href="/lessons/p01"') < phase_one.index('href="/lessons/d01"')
    assert "0 of 10 questions answered" in phase_one
    assert 'aria-label="p01 questions answered"' in phase_one


def test_the_primer_is_a_catalog_lesson_of_its_own_kind() -> None:
    """First in phase 1, the first step of the suggested path, with no code to check."""
    p01 = CATALOG.get("p01")
    assert p01 is not None and p01.kind == "primer" and not p01.checkable
    phase_one = CATALOG.by_phase()[0][2]
    assert phase_one[0] is p01
    assert SUGGESTED_PATH[0] == "p01" and suggested_path(CATALOG)[0] is p01
    assert p01.checkpoint_files() == [] and p01.requirements == ()
    assert p01.readme.is_file() and p01.readme.read_text().startswith("# p01 · What is Flask?")
    assert "mission quiz p01" in p01.readme.read_text()
    # The README does not give the explanations away before the learner answers.
    assert P01.steps[3].explanation.splitlines()[0] not in p01.readme.read_text()
    findings = dev.check_lesson(p01)
    assert [(f.invariant, f.ok) for f in findings] == [("primer", True)], findings
    assert dev.check_lesson(p01, "solution") == [], "a code invariant does not apply"


def test_start_and_check_say_to_take_the_quiz(tmp_path: Path) -> None:
    env = {"MISSION_WORKSPACE": str(tmp_path / "ws"), "MISSION_PROGRESS_DB": str(tmp_path / "p")}
    for args in (("start", "p01"), ("check", "p01"), ("notebook", "p01")):
        run = mission(*args, env=env)
        assert run.returncode == 1, run.output
        assert "is a primer" in run.stderr and "mission quiz p01" in run.stderr, run.stderr
        assert "Traceback" not in run.output
    assert not (tmp_path / "ws").exists(), "nothing was copied"
    report = mission("check", "p01", "--json", env=env)
    assert report.returncode == 2 and "mission quiz p01" in report.stdout


def test_the_hub_never_fails_on_the_primer(client) -> None:
    """Its lesson page is the primer; start, run and reflect lead back to it; the old
    address redirects."""
    page = client.get("/lessons/p01", headers=HOST)
    assert page.status_code == 200 and "Commit my answer" in page.text
    assert client.get("/primer/p01", headers=HOST).headers["Location"].endswith("/lessons/p01")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for action in ("start", "runs"):
        answer = client.post(f"/lessons/p01/{action}", data={"csrf_token": token}, headers=HOST)
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/lessons/p01")
    refused = client.post("/lessons/p01/reflect", data={"csrf_token": token}, headers=HOST)
    assert refused.status_code == 404 and "no self-checks" in refused.text
    for path in ("/", "/progress", "/progress/portfolio.zip"):
        assert client.get(path, headers=HOST).status_code == 200, path


def test_progress_is_the_share_answered_and_a_primer_passes_when_all_are(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite3")
    answers = Answers(store)
    (standing,) = [s for s in journey(CATALOG, store).lessons if s.lesson.id == "p01"]
    assert standing.answered == (0, 10) and not standing.passing and not standing.started
    assert journey(CATALOG, store).suggested.id == "p01"
    for question in P01.questions[:3]:
        answers.record(P01, question.key, question.choices[0])
    (standing,) = [s for s in journey(CATALOG, store).lessons if s.lesson.id == "p01"]
    assert standing.answered == (3, 10) and standing.started and not standing.passing
    for question in P01.questions:
        answers.record(P01, question.key, question.choices[-1])
    course = journey(CATALOG, store)
    (standing,) = [s for s in course.lessons if s.lesson.id == "p01"]
    assert standing.passing and course.suggested.id == SUGGESTED_PATH[1]
    lessons = mission("lessons", env={"MISSION_PROGRESS_DB": str(store.path)}).stdout
    assert re.search(r"p01 +What is Flask\? +\S+ +10/10 questions", lessons), lessons
    progress = mission("progress", env={"MISSION_PROGRESS_DB": str(store.path)}).stdout
    assert "10/10 questions answered" in progress


def test_mission_quiz_in_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    run = subprocess.run(
        [sys.executable, "-m", "mission_control", "quiz", "p01"],
        input="2\n" * len(P01.questions),
        capture_output=True,
        text=True,
        env={**os.environ, "MISSION_PROGRESS_DB": str(db)},
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "10 of 10 questions answered" in run.stdout
    assert P01.steps[0].explanation.splitlines()[0] in run.stdout
    answers = Answers(ProgressStore(db)).first(P01)
    assert share_answered(P01, answers) == (10, 10)
    assert answers[P01.myths[0].key] == "False"
