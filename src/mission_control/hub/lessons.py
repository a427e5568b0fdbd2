"""One lesson: its tutorial, how to work on it, and its checkpoints with the latest results."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from mission_control.hub.markdown import render_file
from mission_control.hub.services import catalog, lesson_view

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


@bp.get("/<lesson_id>")
def show(lesson_id: str) -> str:
    lesson = catalog().get(lesson_id)
    if lesson is None:
        abort(404, description=f"There is no lesson called “{lesson_id}”.")
    view = lesson_view(lesson)
    tutorial = Markup(render_file(lesson.readme)) if lesson.readme.is_file() else None
    return render_template("lesson.html", view=view, lesson=lesson, tutorial=tutorial)
