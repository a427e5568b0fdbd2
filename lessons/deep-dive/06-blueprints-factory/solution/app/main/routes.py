"""The ``main`` blueprint: the home page, the health check, and the error pages of the
whole app."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "config": current_app.config["CONFIG_NAME"]}


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(500)
def server_error(error):
    return render_template("errors/500.html"), 500
