"""The ``auth`` blueprint, under ``/auth``: a placeholder log-in page until d08."""

from flask import Blueprint, render_template

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login():
    return render_template("auth/login.html")
