"""Mission Control, the course hub: the course map, lesson pages and your progress.

It reads lessons through :mod:`mission_control.catalog`, checkpoints through
:mod:`mission_control.check.inventory` and results through :mod:`mission_control.progress`;
it never imports lesson code.
"""

from __future__ import annotations

import atexit
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request

from mission_control.catalog import load_catalog, workspace_dir
from mission_control.hub.csrf import csrf_token, protect
from mission_control.hub.markdown import inline_code
from mission_control.hub.runs import RunManager
from mission_control.ports import HUB_HEADER
from mission_control.primer import load_primers
from mission_control.progress import ProgressStore


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The hub's app factory.

    Config: ``COURSE_ROOT`` (default: this checkout), ``PROGRESS_DB`` (default:
    ``MISSION_PROGRESS_DB`` or ``workspace/.mission/progress.sqlite3``), ``WORKSPACE`` (default:
    ``MISSION_WORKSPACE`` or ``workspace/``), ``CHECK_TIME_LIMIT`` (seconds a run from the hub
    may take) and ``SECRET_KEY`` (default: a new random key each time the hub starts).
    """
    app = Flask(__name__)
    app.config.from_mapping(
        COURSE_ROOT=None,
        PROGRESS_DB=None,
        WORKSPACE=None,
        CHECK_TIME_LIMIT=float(os.environ.get("MISSION_HUB_CHECK_TIMEOUT") or 300),
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_SAMESITE="Strict",
    )
    if test_config:
        app.config.update(test_config)
    root = app.config["COURSE_ROOT"]
    catalog = load_catalog(Path(root) if root else None)
    store = ProgressStore(app.config["PROGRESS_DB"])
    app.config["WORKSPACE"] = str(Path(app.config["WORKSPACE"] or workspace_dir(catalog)))
    app.extensions["mission_catalog"] = catalog
    app.extensions["mission_progress"] = store
    app.extensions["mission_primers"] = {p.id: p for p in load_primers(catalog)}
    # A check or a start from the hub is the CLI's, on the same course, workspace and store.
    child_env = {
        "MISSION_COURSE_ROOT": str(catalog.root),
        "MISSION_WORKSPACE": app.config["WORKSPACE"],
        "MISSION_PROGRESS_DB": str(store.path),
    }
    app.extensions["mission_child_env"] = {**os.environ, **child_env}
    runs = app.extensions["mission_runs"] = RunManager(child_env)
    atexit.register(runs.stop_all)

    from mission_control.hub import checking, errors, lessons, main, primer, settings

    app.add_template_filter(inline_code, "inline_code")
    app.add_template_global(csrf_token, "csrf_token")
    app.register_blueprint(main.bp)
    app.register_blueprint(lessons.bp)
    app.register_blueprint(checking.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(primer.bp)
    app.context_processor(lambda: {"display": settings.display()})
    errors.register(app)
    app.before_request(_refuse_foreign_host)
    app.before_request(protect)
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
