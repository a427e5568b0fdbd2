"""The course map."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from mission_control.hub.markdown import code_css
from mission_control.hub.services import catalog, lesson_views, store
from mission_control.journey import journey
from mission_control.ports import HUB_PORT
from mission_control.start_here import FIRST_LESSON, suggested_path

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    views = {view.lesson.id: view for view in lesson_views(list(catalog()))}
    phases = [
        (number, name, [views[lesson.id] for lesson in lessons])
        for number, name, lessons in catalog().by_phase()
    ]
    return render_template(
        "index.html",
        phases=phases,
        first=catalog().get(FIRST_LESSON),
        path=suggested_path(catalog()),
        hub_port=HUB_PORT,
        suggested=journey(catalog(), store(), last_runs=0).suggested,
    )


@bp.get("/progress")
def progress() -> str:
    """A bar per lesson and per phase, first passes, regressions and the last runs."""
    return render_template("progress.html", journey=journey(catalog(), store()))


@bp.get("/code.css")
def code_stylesheet() -> Response:
    """Colours for highlighted code, generated from the Pygments style."""
    response = Response(code_css(), mimetype="text/css")
    response.cache_control.max_age = 3600
    return response
