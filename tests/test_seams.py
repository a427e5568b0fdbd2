"""The checker's seams, each proven on a small lesson of the fixture course.

- a factory in a package (``app:create_app('testing')``), in-process and served;
- an ASGI app, through the in-process ASGI bridge and under uvicorn;
- two processes of one lesson (a web app, and a worker that does the jobs it queues) and a
  fake service that is a process of its own, yielding the variable the app reads;
- a lesson whose checkpoints need a port, served without --serve;
- capabilities a target lacks, each skipped with its own message.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from helpers import ROOT, mission, running_server

FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "course"
LESSONS = FIXTURE_ROOT / "lessons" / "assignments"
ENV = {"MISSION_COURSE_ROOT": str(FIXTURE_ROOT)}


def check(lesson: str, *args: str):
    return mission("check", lesson, *args, "--json", env=ENV)


def results(run) -> dict[str, dict]:
    return {result["id"]: result for result in run.report["results"]}


@pytest.mark.parametrize("mode", [(), ("--serve",)], ids=["inprocess", "serve"])
def test_factory_in_a_package(mode: tuple[str, ...]) -> None:
    run = check("a02", "--solution", *mode)
    assert run.returncode == 0, run.output
    assert run.statuses() == {"factory-config": "passed"}


def test_factory_that_raises_is_one_clear_error() -> None:
    run = check("a02", "--path", str(LESSONS / "02-factory-package/starter"))
    error = run.report["error"]
    assert run.returncode == 1
    assert error["kind"] == "factory_error", error
    assert "create_app('testing')" in error["message"], error["message"]
    assert "NotImplementedError: TODO: build the app" in error["message"], error["message"]
    assert set(run.statuses().values()) == {"skipped"}


def test_asgi_app_in_process() -> None:
    run = check("a03", "--solution")
    found = results(run)
    assert run.report["target"] == "inprocess"
    assert found["asgi-hello"]["status"] == "passed", found["asgi-hello"]
    assert found["asgi-echo"]["status"] == "passed", found["asgi-echo"]
    port = found["asgi-port"]
    assert port["status"] == "skipped" and port["needs"] == "port"
    assert port["message"].startswith("this checkpoint talks to your app over a real port")
    assert "`mission check a03 --serve`" in port["message"]


def test_asgi_app_served_by_uvicorn() -> None:
    run = check("a03", "--solution", "--serve")
    assert run.returncode == 0, run.output
    assert set(run.statuses().values()) == {"passed"}
    starter = check("a03", "--path", str(LESSONS / "03-asgi/starter"), "--serve")
    assert starter.statuses()["asgi-hello"] == "failed"
    assert "not 501" in results(starter)["asgi-hello"]["message"]


@pytest.mark.parametrize("mode", [(), ("--serve",)], ids=["inprocess", "serve"])
def test_two_processes_and_a_process_fake(mode: tuple[str, ...]) -> None:
    run = check("a04", "--solution", *mode)
    assert run.returncode == 0, run.output
    assert run.statuses() == {"worker-does-jobs": "passed", "clock-service": "passed"}
    starter = check("a04", "--path", str(LESSONS / "04-two-processes/starter"), *mode)
    assert starter.statuses()["worker-does-jobs"] == "failed"
    assert "the job done within 5 s" in results(starter)["worker-does-jobs"]["message"]


def test_a_process_that_dies_is_named_with_its_log(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    subprocess.run(["cp", "-r", str(LESSONS / "04-two-processes/solution"), str(folder)])
    (folder / "worker.py").write_text(
        "print('worker ready', flush=True)\n"
        "print('giving up now', flush=True)\n"
        "raise SystemExit(4)\n"
    )
    run = check("a04", "--path", str(folder))
    error = run.report["error"]
    assert error is not None and error["kind"] == "process_exited", run.report
    assert "The worker process (`python worker.py`) stopped (exit code 4)" in error["message"]
    assert "giving up now" in error["message"]


def test_no_process_outlives_the_check() -> None:
    marker = str(LESSONS / "04-two-processes")
    run = check("a04", "--solution", "--serve")
    assert run.returncode == 0, run.output
    time.sleep(0.2)
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    leftovers = [
        line
        for line in listing.splitlines()
        if ("mission-check-" in line and "worker.py" in line) or "fake_clock.py" in line
    ]
    assert not leftovers, f"processes left behind by the check of {marker}:\n" + "\n".join(
        leftovers
    )


def test_live_lesson_is_served_without_asking() -> None:
    run = check("a05", "--solution")
    assert run.returncode == 0, run.output
    assert run.report["target"] == "serve"
    starter = check("a05", "--path", str(LESSONS / "05-live/starter"))
    assert starter.statuses() == {"live-host": "failed"}


def test_capabilities_a_url_lacks_are_skipped_with_their_message(app_copy) -> None:
    folder = app_copy(LESSONS / "03-asgi/solution")
    with running_server("uvicorn app:app --host 127.0.0.1 --port $PORT", folder) as url:
        run = check("a03", "--url", url)
    assert run.returncode == 0, run.output  # every checkpoint here can run at a URL
    assert run.report["target"] == "url"

    folder = app_copy(LESSONS / "04-two-processes/solution", "jobs")
    with running_server("python app.py", folder) as url:
        run = check("a04", "--url", url)
    found = results(run)
    assert found["worker-does-jobs"]["status"] == "skipped"
    assert found["worker-does-jobs"]["needs"] == "log"
    assert "cannot see your server's output" in found["worker-does-jobs"]["message"]


def test_wsgi_lint_is_skipped_at_a_url_with_its_message(app_copy) -> None:
    folder = app_copy(ROOT / "lessons/deep-dive/01-raw-wsgi/solution", "d01")
    with running_server("python app.py", folder) as url:
        run = mission("check", "d01", "--url", url, "--json")
    lint = results(run)["wsgi-validator"]
    assert lint["status"] == "skipped" and lint["needs"] == "wsgi", lint
    assert "wsgiref's validator" in lint["message"]
