"""The one HTML page of the spec, and the app-wide 404 and 405 (JSON under /api/)."""

from flask import Blueprint, abort, render_template

from app.errors import wants_api
from app.models import Post, db

bp = Blueprint("pages", __name__)


@bp.get("/posts/<int:post_id>")
def show_post(post_id):
    post = db.session.get(Post, post_id) or abort(404)
    return render_template("post.html", post=post)


@bp.app_errorhandler(404)
def not_found(error):
    answer = wants_api(error)
    if answer is not error:
        return answer
    return render_template("404.html"), 404


@bp.app_errorhandler(405)
def not_allowed(error):
    return wants_api(error)
