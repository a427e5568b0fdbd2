"""Mission Control, the course hub: the course map, lesson pages and your progress.

It reads lessons through :mod:`mission_control.catalog`, checkpoints through
:mod:`mission_control.check.inventory` and results through :mod:`mission_control.progress`;
it never imports lesson code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request

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
    app.before_request(_refuse_foreign_host)
    app.before_request(_forget_damage)
    app.context_processor(_progress_damage)
    app.after_request(_security_headers)
    return app


def _forget_damage() -> None:
    """Each page says whether the progress file was damaged when *it* read it."""
    current_app.extensions["mission_progress"].damage = None


def _progress_damage() -> dict[str, str | None]:
    return {"progress_damage": current_app.extensions["mission_progress"].damage}


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _refuse_foreign_host() -> None:
    """Answer only requests addressed to this machine at the hub's own port. A page on
    another site can point its own name at 127.0.0.1 (DNS rebinding) and then read the hub
    as "same origin"; its requests carry that name in ``Host``, so they are refused."""
    host = request.environ.get("HTTP_HOST", "").lower()
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name:
        name, port = host, ""
    own_port = request.environ.get("SERVER_PORT", "")
    if name not in LOCAL_HOSTS or (port and own_port and port != own_port):
        abort(
            400,
            description="Mission Control answers only at http://127.0.0.1, http://localhost "
            "or http://[::1] on its own port. Open it at the address `mission serve` printed.",
        )


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
