"""One lesson: its tutorial, how to work on it, and its checkpoints with the latest results."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from mission_control.hub.markdown import render_file
from mission_control.hub.services import catalog, lesson_view
from mission_control.ports import HUB_PORT, listening

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


@bp.get("/<lesson_id>")
def show(lesson_id: str) -> str:
    lesson = catalog().get(lesson_id)
    if lesson is None:
        abort(404, description=f"There is no lesson called “{lesson_id}”.")
    view = lesson_view(lesson)
    tutorial = Markup(render_file(lesson.readme)) if lesson.readme.is_file() else None
    folder = Path(current_app.config["WORKSPACE"]) / lesson.slug
    clash = request.host.rpartition(":")[2] == str(lesson.port)
    return render_template(
        "lesson.html",
        view=view,
        lesson=lesson,
        tutorial=tutorial,
        hub_port=HUB_PORT,
        port_clash=clash,
        folder=folder,
        started=folder.exists(),
        port_taken=not clash and listening(lesson.port),
    )
