"""The hub as the place a learner works from: start a lesson, run its checks, watch them.

Through Flask's test client, with real `mission check` subprocesses against a workspace copy
in tmp; the queue and the time limit with a stand-in command (a sleeping child process), since
they are about the hub's own bookkeeping.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT

from mission_control.check.inventory import list_checkpoints
from mission_control.hub import create_app
from mission_control.hub.runs import DONE, QUEUED, RUNNING, Run, RunManager
from mission_control.progress import ProgressStore

A01 = CATALOG.get("a01")
HOST = {"Host": "127.0.0.1"}


@pytest.fixture
def hub(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "COURSE_ROOT": str(ROOT),
            "PROGRESS_DB": str(tmp_path / "progress.sqlite3"),
            "WORKSPACE": str(tmp_path / "workspace"),
        }
    )
    yield app
    app.extensions["mission_runs"].stop_all()


def token(client, path: str) -> str:
    page = client.get(path, headers=HOST).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def wait_done(app, run_id: str, timeout: float = 120) -> Run:
    run = app.extensions["mission_runs"].get(run_id)
    deadline = time.monotonic() + timeout
    while run.state != DONE:
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.1)
    return run


def test_post_without_token_is_refused(hub) -> None:
    client = hub.test_client()
    response = client.post("/lessons/a01/runs", headers=HOST)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert not hub.extensions["mission_runs"].runs


def test_start_then_run_checks_records_the_run_as_the_cli_does(hub, tmp_path: Path) -> None:
    client = hub.test_client()
    page = client.get("/lessons/a01", headers=HOST).get_data(as_text=True)
    folder = tmp_path / "workspace" / A01.slug
    assert str(folder) in page and "Start this lesson" in page and "Run checks" in page

    response = client.post(
        "/lessons/a01/start", data={"csrf_token": token(client, "/lessons/a01")}, headers=HOST
    )
    assert response.status_code == 303
    assert (folder / "app.py").is_file(), "mission start copied the starter"
    page = client.get("/lessons/a01", headers=HOST).get_data(as_text=True)
    assert "Start this lesson" not in page

    response = client.post(
        "/lessons/a01/runs", data={"csrf_token": token(client, "/lessons/a01")}, headers=HOST
    )
    assert response.status_code == 303
    run_path = response.headers["Location"]
    running = client.get(run_path, headers=HOST).get_data(as_text=True)
    assert str(folder) in running
    run = wait_done(hub, run_path.rsplit("/", 1)[1])
    assert run.report is not None and run.report["lesson"] == "a01"

    page = client.get(run_path, headers=HOST).get_data(as_text=True)
    assert "Finished:" in page and 'http-equiv="refresh"' not in page
    assert "✘</span> failed" in page, "the starter fails checkpoints, in words"

    runs = ProgressStore(tmp_path / "progress.sqlite3").runs("a01")
    assert [(r.source, r.target) for r in runs] == [("workspace", "inprocess")]
    assert runs[0].failed == run.report["summary"]["failed"]


def test_a_running_page_refreshes_without_javascript_and_streams_with_it(
    hub, tmp_path: Path
) -> None:
    shutil.copytree(A01.solution, tmp_path / "workspace" / A01.slug)
    client = hub.test_client()
    response = client.post(
        "/lessons/a01/runs", data={"csrf_token": token(client, "/lessons/a01")}, headers=HOST
    )
    run_path = response.headers["Location"]
    page = client.get(run_path, headers=HOST).get_data(as_text=True)
    run = hub.extensions["mission_runs"].get(run_path.rsplit("/", 1)[1])
    if run.state != DONE:
        assert '<noscript><meta http-equiv="refresh"' in page
    assert 'src="/static/run.js"' in page

    stream = client.get(run_path + "/events", headers=HOST)
    assert stream.mimetype == "text/event-stream"
    events = [
        (match[0], json.loads(match[1]))
        for match in re.findall(r"event: (\w+)\ndata: (.*)\n\n", stream.get_data(as_text=True))
    ]
    names = [name for name, _ in events]
    total = len(list_checkpoints(A01))
    assert names.count("checkpoint") == total
    assert names[-1] == "summary" and names.count("summary") == 1
    summary = events[-1][1]
    assert summary["counts"]["passed"] == total, summary
    assert all(data["status"] == "passed" for name, data in events if name == "checkpoint")


def test_one_run_per_lesson(hub, tmp_path: Path) -> None:
    client = hub.test_client()
    csrf = token(client, "/lessons/a01")
    first = client.post("/lessons/a01/runs", data={"csrf_token": csrf}, headers=HOST)
    second = client.post("/lessons/a01/runs", data={"csrf_token": csrf}, headers=HOST)
    run = hub.extensions["mission_runs"].get(first.headers["Location"].rsplit("/", 1)[1])
    if run.state != DONE:  # the second press joined the run still going
        assert first.headers["Location"] == second.headers["Location"]
    wait_done(hub, run.id)


class Sleeper(RunManager):
    """A stand-in for `mission check` that takes ``seconds`` (a real child process)."""

    seconds = 30.0

    def command(self, run: Run) -> list[str]:
        return [sys.executable, "-c", f"import time; time.sleep({self.seconds})"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_at_a_time_and_a_third_waits(tmp_path: Path) -> None:
    manager = Sleeper({})
    try:
        runs = [manager.submit(lesson, tmp_path, 60) for lesson in ("a01", "a02", "a03")]
        assert [run.state for run in runs] == [RUNNING, RUNNING, QUEUED]
        assert manager.place(runs[2]) == 1
        assert manager.submit("a03", tmp_path, 60) is runs[2], "one run per lesson"
        while runs[0].process is None:
            time.sleep(0.01)
        pid = runs[0].process.pid
    finally:
        manager.stop_all()
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), "stopping the hub leaves no check process behind"


def test_a_run_past_its_time_limit_is_stopped_and_reported(tmp_path: Path) -> None:
    manager = Sleeper({})
    manager.grace = 0.2
    run = manager.submit("a01", tmp_path, 0.3)
    deadline = time.monotonic() + 20
    while run.state != DONE:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert run.problem and "time limit" in run.problem
    assert run.process is not None and run.process.returncode is not None
    assert not alive(run.process.pid)


def test_an_unknown_run_is_a_page_not_a_500(hub) -> None:
    response = hub.test_client().get("/runs/nope", headers=HOST)
    assert response.status_code == 404
    assert "Run checks" in response.get_data(as_text=True)


# -- progress and the journey ------------------------------------------------------------------


def record(store: ProgressStore, lesson_id: str, failing: set[str], at: str) -> None:
    from datetime import datetime

    from mission_control.check.report import Report, Result

    infos = list_checkpoints(CATALOG.get(lesson_id))
    results = [
        Result(id=i.id, title=i.title, status="failed" if i.id in failing else "passed")
        for i in infos
    ]
    report = Report(checker="t", lesson=lesson_id, spec_hash="x", target="inprocess")
    report.results = results
    store.record(report, "workspace", at=datetime.fromisoformat(at))


def test_progress_page_and_cli_show_the_same_journey(hub, tmp_path: Path) -> None:
    from helpers import mission

    from mission_control.start_here import SUGGESTED_PATH

    store = ProgressStore(tmp_path / "progress.sqlite3")
    answer_every_primer(store)  # the primer p01 passes: the journey goes on to d04
    d04 = list_checkpoints(CATALOG.get("d04"))
    record(store, "d04", set(), "2026-01-05T10:00:00+00:00")
    record(store, "d04", {d04[0].id}, "2026-01-06T10:00:00+00:00")  # a regression
    record(store, "d04", set(), "2026-01-07T10:00:00+00:00")
    record(store, "a01", set(), "2026-01-08T10:00:00+00:00")

    html = hub.test_client().get("/progress", headers=HOST).get_data(as_text=True)
    assert "2026-01-05" in html, "d04's first pass"
    assert "2026-01-08" in html and "Last runs" in html
    assert html.count("<progress") >= len(CATALOG)  # a bar per lesson and per phase
    suggested = next(key for key in SUGGESTED_PATH if key not in ("p01", "d04", "a01"))
    assert f'<strong>Next suggested:</strong> <a href="/lessons/{suggested}"' in html
    assert "(cleared)" not in html, "no phase has all its lessons passing"
    course_map = hub.test_client().get("/", headers=HOST).get_data(as_text=True)
    assert f'href="/lessons/{suggested}">{suggested} ·' in course_map

    record(store, "d04", {d04[0].id}, "2026-01-09T10:00:00+00:00")
    html = hub.test_client().get("/progress", headers=HOST).get_data(as_text=True)
    assert f"{d04[0].title} (passed 2026-01-05, not now)" in html
    next_now = hub.test_client().get("/", headers=HOST).get_data(as_text=True)
    assert 'href="/lessons/d04">d04 ·' in next_now, "a regressed lesson is next again"

    terminal = mission("progress", env={"MISSION_PROGRESS_DB": str(store.path)}).stdout
    assert "Next suggested: d04" in terminal and "Last runs:" in terminal
    assert "2026-01-09" in terminal and "lessons pass" in terminal


def answer_every_primer(store: ProgressStore) -> None:
    from mission_control.primer import Answers, load_primers

    for primer in load_primers(CATALOG):
        for question in primer.questions:
            Answers(store).record(primer, question.key, question.choices[0])


def test_a_phase_is_cleared_when_all_its_lessons_pass(tmp_path: Path) -> None:
    """Every lesson with checkpoints passes, and the primer (phase 1) has every question
    answered: until it has, phase 1 is not cleared."""
    from mission_control.journey import journey

    store = ProgressStore(tmp_path / "progress.sqlite3")
    number, _, lessons = next(phase for phase in CATALOG.by_phase() if phase[2])
    assert any(lesson.kind == "primer" for lesson in lessons), "p01 is in the first phase"
    for lesson in lessons:
        if lesson.kind == "code":
            record(store, lesson.id, set(), "2026-02-01T10:00:00+00:00")
    phases = {phase.number: phase for phase in journey(CATALOG, store).phases}
    assert not phases[number].cleared, "the primer is not answered yet"
    answer_every_primer(store)
    phases = {phase.number: phase for phase in journey(CATALOG, store).phases}
    assert phases[number].cleared
    assert not any(phase.cleared for key, phase in phases.items() if key != number)


# -- settings -----------------------------------------------------------------------------------


def test_settings_form_is_remembered_without_javascript(hub) -> None:
    client = hub.test_client()
    page = client.get("/settings", headers=HOST).get_data(as_text=True)
    assert 'data-theme="system"' in page and 'data-text="normal"' in page
    for key in ("system", "light", "dark", "contrast"):
        assert f'id="theme-{key}"' in page and f'for="theme-{key}"' in page
    refused = client.post("/settings", data={"theme": "dark"}, headers=HOST)
    assert refused.status_code == 400, "no CSRF token"

    csrf = token(client, "/settings")
    saved = client.post(
        "/settings",
        data={"csrf_token": csrf, "theme": "dark", "text_size": "large"},
        headers=HOST,
    )
    assert saved.status_code == 303
    page = client.get("/lessons/a01", headers=HOST).get_data(as_text=True)
    assert 'data-theme="dark"' in page and 'data-text="large"' in page
    form = client.get("/settings", headers=HOST).get_data(as_text=True)
    assert re.search(r'value="dark" checked', form)

    wrong = client.post(
        "/settings", data={"csrf_token": csrf, "theme": "neon", "text_size": "x"}, headers=HOST
    )
    assert wrong.status_code == 400 and "Choose one of the themes" in wrong.get_data(as_text=True)
    client.set_cookie("mission_theme", "<script>", domain="127.0.0.1")
    assert 'data-theme="system"' in client.get("/", headers=HOST).get_data(as_text=True)


def test_a_run_nobody_watches_finishes_is_recorded_and_leaves_no_process(
    hub, tmp_path: Path
) -> None:
    """The tab closed right after "Run checks": the run still ends, within its time limit."""
    shutil.copytree(A01.solution, tmp_path / "workspace" / A01.slug)
    client = hub.test_client()
    response = client.post(
        "/lessons/a01/runs", data={"csrf_token": token(client, "/lessons/a01")}, headers=HOST
    )
    run = wait_done(hub, response.headers["Location"].rsplit("/", 1)[1])
    assert run.process is not None and run.process.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(run.process.pid, 0)  # nothing is left in the check's process group
    assert not run.directory.exists(), "the run's scratch files are gone"
    runs = ProgressStore(tmp_path / "progress.sqlite3").runs("a01")
    assert runs and runs[0].passed == len(list_checkpoints(A01))


def _checks_started_with(workspace: Path) -> list[int]:
    """PIDs of `mission check` processes whose environment names this test's workspace."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"mission_control\0check" in command and f"={workspace}\0".encode() in environ:
            found.append(int(proc.name))
    return found


def test_stopping_the_hub_stops_the_checks_it_started(tmp_path: Path) -> None:
    """SIGTERM to the hub's own process only (not its tree): its checks end with it."""
    import http.cookiejar
    import signal
    import subprocess
    import urllib.parse
    import urllib.request

    from helpers import free_port

    from mission_control.check.processes import port_answers

    workspace = Path(os.environ["MISSION_WORKSPACE"])
    folder = workspace / A01.slug
    shutil.copytree(A01.solution, folder)
    app_py = folder / "app.py"
    app_py.write_text("import time\ntime.sleep(60)\n" + app_py.read_text())  # a slow import
    port = free_port()
    hub = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not port_answers(port):
            assert time.monotonic() < deadline and hub.poll() is None, "the hub did not start"
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = opener.open(url + "/lessons/a01").read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": csrf}).encode()
        opener.open(url + "/lessons/a01/runs", data=data).read()
        while not (running := _checks_started_with(workspace)):
            assert time.monotonic() < deadline, "the check never started"
            time.sleep(0.1)
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in running) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in running if alive(pid)], "a check outlived the hub"
    finally:
        for pid in running:  # each check is its own process group (start_new_session)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(hub.pid, signal.SIGKILL)
        hub.wait(timeout=10)
