"""The ``main`` blueprint: the home page, the health check, the blog's pages, and the error
pages of the whole app."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Post, Tag, User

bp = Blueprint("main", __name__)


def newest_posts():
    """Posts newest first, with their authors (joined) and tags (one more query for all of
    them): the number of queries does not grow with the number of posts shown."""
    return (
        select(Post)
        .options(joinedload(Post.author), selectinload(Post.tags))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "config": current_app.config["CONFIG_NAME"]}


@bp.get("/dashboard")
@login_required
def dashboard():
    """Only for a logged-in user: an anonymous visitor is sent to the login page."""
    post_count = db.session.scalar(
        select(func.count(Post.id)).where(Post.user_id == current_user.id)
    )
    return render_template("main/dashboard.html", post_count=post_count)


# TODO (d09): GET/POST /posts/new (login required) with PostForm: 302 to the post with a
# flash, or the form again with 422.
# TODO (d09): GET /posts/<int(max=2147483647):post_id>, showing main/post.html (the max:
# PostgreSQL's integer stops there, and a bigger id sent to it is a 500, not a 404).
# TODO (d09): GET/POST /posts/<id>/edit and POST /posts/<id>/delete (the same max), for
# the author only (abort(403) for anyone else).
# TODO (d09): GET /uploads/<name>: send_from_directory, with X-Content-Type-Options: nosniff.


def page_number():
    """The ``?page=`` of the URL, page 1 without it. Only ASCII digits make a page number:
    ``int()`` would also read ``٣``, ``１２``, `` 2 `` or ``1_0``, and ``isdigit()`` lets ``²``
    through to an ``int()`` that raises. Anything else, or a number so long that no page has
    it (PostgreSQL could not even hold its offset), is a page that does not exist: 404."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(404)
    return int(raw)  # 0 is a 404 too: db.paginate refuses pages below 1


@bp.get("/posts")
def posts():
    pagination = db.paginate(
        newest_posts(), page=page_number(), per_page=current_app.config["POSTS_PER_PAGE"]
    )
    return render_template("main/posts.html", pagination=pagination)


@bp.get("/users/<username>")
def user(username):
    author = db.first_or_404(select(User).filter_by(username=username))
    posts = db.session.scalars(newest_posts().where(Post.author == author)).all()
    return render_template("main/user.html", user=author, posts=posts)


@bp.get("/tags/<name>")
def tag(name):
    found = db.first_or_404(select(Tag).filter_by(name=name))
    posts = db.session.scalars(newest_posts().where(Post.tags.contains(found))).all()
    return render_template("main/tag.html", tag=found, posts=posts)


# TODO (d09): error pages for CSRFError (400), 403 and 413, extending the layout.


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(500)
def server_error(error):
    db.session.rollback()
    return render_template("errors/500.html"), 500
