"""The ``main`` blueprint: the home page, the health check, the blog's pages, and the error
pages of the whole app."""

from flask import Blueprint, current_app, render_template

from app.models import User

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "config": current_app.config["CONFIG_NAME"]}


@bp.get("/users/<username>")
def user(username):
    # TODO: this is the legacy query API; write it with select() (see the README), and
    # show the user's posts, newest first, with their authors and tags loaded up front.
    author = User.query.filter_by(username=username).first_or_404()
    return render_template("main/user.html", user=author, posts=[])


# TODO: GET /posts?page=N (db.paginate, 10 a page, newest first) and GET /tags/<name>.
# Then add the "Posts" link to base.html: <a href="{{ url_for('main.posts') }}">.


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(500)
def server_error(error):
    return render_template("errors/500.html"), 500
