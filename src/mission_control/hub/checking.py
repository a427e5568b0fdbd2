"""Start a lesson and run its checks from the browser, with or without JavaScript.

"Start this lesson" and "Run checks" are POST forms (with the CSRF token) that answer 303: the
first back to the lesson page, the second to the run's page. Without JavaScript that page
reloads itself while the run goes on; with JavaScript (static/run.js) it listens to the run's
Server-Sent Events and shows each checkpoint as it finishes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from mission_control.catalog import Lesson
from mission_control.check.inventory import list_checkpoints
from mission_control.hub.runs import DONE, Run, RunManager
from mission_control.hub.services import catalog

bp = Blueprint("checking", __name__)

POLL = 0.1  # seconds between looks at a run's events file


def manager() -> RunManager:
    found: RunManager = current_app.extensions["mission_runs"]
    return found


def workspace() -> Path:
    return Path(current_app.config["WORKSPACE"])


def _lesson(lesson_id: str) -> Lesson:
    lesson = catalog().get(lesson_id)
    if lesson is None:
        abort(404, description=f"There is no lesson called “{lesson_id}”.")
    return lesson


@bp.post("/lessons/<lesson_id>/start")
def start(lesson_id: str) -> BaseResponse:
    """Copy the starter into the workspace with ``mission start`` (never over existing work)."""
    lesson = _lesson(lesson_id)
    if not lesson.checkable:  # a primer: nothing to copy, its page is where it is taken
        return redirect(url_for("lessons.show", lesson_id=lesson.id), 303)
    if not (workspace() / lesson.slug).exists():
        subprocess.run(
            [sys.executable, "-m", "mission_control", "start", lesson.id],
            env=current_app.extensions["mission_child_env"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
    return redirect(url_for("lessons.show", lesson_id=lesson.id, _anchor="work-title"), 303)


@bp.post("/lessons/<lesson_id>/runs")
def run_checks(lesson_id: str) -> BaseResponse:
    """Queue a check of the workspace copy (or join the one already queued or running)."""
    lesson = _lesson(lesson_id)
    if not lesson.checkable:  # a primer has no checks to run
        return redirect(url_for("lessons.show", lesson_id=lesson.id), 303)
    limit = float(current_app.config["CHECK_TIME_LIMIT"])
    run = manager().submit(lesson.id, workspace() / lesson.slug, limit)
    return redirect(url_for("checking.show_run", run_id=run.id), 303)


def _run(run_id: str) -> Run:
    run = manager().get(run_id)
    if run is None:
        abort(
            404,
            description="This run is not known to Mission Control (runs are kept until the hub "
            "stops). Open the lesson and press “Run checks” again.",
        )
    return run


@bp.get("/runs/<run_id>")
def show_run(run_id: str) -> str:
    run = _run(run_id)
    lesson = _lesson(run.lesson)
    return render_template(
        "run.html",
        run=run,
        lesson=lesson,
        checkpoints=list_checkpoints(lesson),
        results=run.results(),
        place=manager().place(run),
        state=describe(run),
    )


def describe(run: Run) -> dict[str, Any]:
    """What the page and the events say about a run: its state, its counts, its summary."""
    results = run.results()
    counts = {status: sum(r["status"] == status for r in results) for status in STATUSES}
    error = (run.report or {}).get("error")
    return {
        "state": run.state,
        "place": manager().place(run),
        "done": len(results),
        "counts": counts,
        "error": error["message"] if isinstance(error, dict) else None,
        "problem": run.problem,
    }


STATUSES = ("passed", "failed", "skipped", "error")


@bp.get("/runs/<run_id>/events")
def run_events(run_id: str) -> Response:
    """The run as Server-Sent Events: ``state`` on each change, a ``checkpoint`` event per
    finished checkpoint, then ``summary`` once, and the stream ends."""
    run = _run(run_id)
    total = len(list_checkpoints(_lesson(run.lesson)))
    response = Response(stream_with_context(_stream(run, total)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _stream(run: Run, total: int) -> Iterator[str]:
    sent = 0
    last_state = None
    while True:
        finished = run.state == DONE  # read before the results, so none is missed
        results = run.results()
        for result in results[sent:]:
            yield _event("checkpoint", {**result, "total": total})
        sent = max(sent, len(results))
        state = describe(run)
        key = (state["state"], state["place"])
        if key != last_state:
            last_state = key
            yield _event("state", {**state, "total": total})
        if finished:
            yield _event("summary", {**state, "total": total})
            return
        time.sleep(POLL)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
