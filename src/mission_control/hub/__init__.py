"""Mission Control, the course hub: the course map, lesson pages and your progress.

It reads lessons through :mod:`mission_control.catalog`, checkpoints through
:mod:`mission_control.check.inventory` and results through :mod:`mission_control.progress`;
it never imports lesson code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response

from mission_control.catalog import load_catalog
from mission_control.hub.markdown import inline_code
from mission_control.ports import HUB_HEADER
from mission_control.progress import ProgressStore


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The hub's app factory.

    Config: ``COURSE_ROOT`` (default: this checkout) and ``PROGRESS_DB`` (default:
    ``MISSION_PROGRESS_DB`` or ``workspace/.mission/progress.sqlite3``).
    """
    app = Flask(__name__)
    app.config.from_mapping(COURSE_ROOT=None, PROGRESS_DB=None)
    if test_config:
        app.config.update(test_config)
    root = app.config["COURSE_ROOT"]
    app.extensions["mission_catalog"] = load_catalog(Path(root) if root else None)
    app.extensions["mission_progress"] = ProgressStore(app.config["PROGRESS_DB"])

    from mission_control.hub import errors, lessons, main

    app.add_template_filter(inline_code, "inline_code")
    app.register_blueprint(main.bp)
    app.register_blueprint(lessons.bp)
    errors.register(app)
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # Lets `mission check` tell the hub from a learner's app on a lesson's port.
    response.headers[HUB_HEADER] = "hub"
    return response
