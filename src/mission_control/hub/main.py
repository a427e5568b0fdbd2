"""The course map."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from markupsafe import Markup

from mission_control.hub.markdown import code_css, render
from mission_control.hub.primer import primers
from mission_control.hub.services import catalog, lesson_views, store
from mission_control.journey import journey
from mission_control.portfolio import write_portfolio
from mission_control.ports import HUB_PORT
from mission_control.primer import answered
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
        answered={key: answered(primer, store()) for key, primer in primers().items()},
        primer=next((lesson for lesson in catalog() if lesson.kind == "primer"), None),
    )


@bp.get("/progress")
def progress() -> str:
    """A bar per lesson and per phase, first passes, regressions and the last runs."""
    course = journey(catalog(), store())
    reflections = {  # each written reflection as Markdown, rendered (raw HTML is escaped)
        standing.lesson.id: [Markup(render(text)) for _, text in standing.reflections_written]
        for standing in course.lessons
    }
    return render_template("progress.html", journey=course, reflections=reflections)


@bp.get("/progress/portfolio.zip")
def portfolio() -> Response:
    """The portfolio (``mission portfolio``) as a zip file to download."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="mission-portfolio-") as scratch:
        folder = Path(scratch)
        workspace = Path(current_app.config["WORKSPACE"])
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in write_portfolio(catalog(), store(), folder, workspace):
                archive.write(path, f"portfolio/{path.name}")
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="portfolio.zip"'
    return response


@bp.get("/code.css")
def code_stylesheet() -> Response:
    """Colours for highlighted code, generated from the Pygments style."""
    response = Response(code_css(), mimetype="text/css")
    response.cache_control.max_age = 3600
    return response
