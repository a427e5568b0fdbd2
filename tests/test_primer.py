"""The primer p01: questions committed to before each explanation, in the hub and the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from mission_control.hub import create_app
from mission_control.primer import Answers, load_primers, share_answered
from mission_control.progress import ProgressStore

HOST = {"Host": "127.0.0.1"}
(P01,) = load_primers(ROOT)


def test_the_primer_has_six_steps_four_myths_takeaways_and_the_flow() -> None:
    assert (P01.id, P01.title, P01.phase) == ("p01", "What is Flask?", 1)
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
    page = client.get("/primer/p01", headers=HOST).text
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
    page = client.get("/primer/p01", headers=HOST).text
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
        in client.get("/primer/p01", headers=HOST).text
    )


def test_the_primer_is_first_in_phase_one_on_the_map(client) -> None:
    page = client.get("/", headers=HOST).text
    phase_one = page.split('id="phase-1"')[1].split('id="phase-2"')[0]
    assert phase_one.index('href="/primer/p01"') < phase_one.index('href="/lessons/')
    assert "0 of 10 questions answered" in phase_one


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
