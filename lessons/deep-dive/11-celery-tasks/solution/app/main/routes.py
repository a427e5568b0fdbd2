"""The ``main`` blueprint: the home page, the health check, the blog's pages, and the error
pages of the whole app."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.api.errors import error_response, is_api_request
from app.extensions import db
from app.main.forms import PostForm, parse_tags
from app.models import Post, Tag, User
from app.uploads import save_image, upload_folder

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


def tags_named(names):
    """The Tag rows for ``names``: the existing ones, and new ones for the others."""
    found = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found.get(name) or Tag(name=name) for name in names]


def fill_post(post, form):
    """Copy the form's values onto ``post`` (a new one or the one being edited)."""
    post.title = form.title.data
    post.body = form.body.data
    post.category = form.category.data
    post.tags = tags_named(parse_tags(form.tags.data))
    if form.image.data and getattr(form.image.data, "filename", ""):
        post.image = save_image(form.image.data)


def own_post(post_id):
    """The post, if the logged-in user wrote it: 404 if there is none, 403 if another did."""
    post = db.get_or_404(Post, post_id)
    if post.author != current_user:
        abort(403)
    return post


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def new_post():
    form = PostForm()
    if form.validate_on_submit():
        post = Post()
        fill_post(post, form)
        post.author = current_user
        db.session.add(post)  # after fill_post: its tag query would flush a post without author
        db.session.commit()
        flash("Your post is published.")
        return redirect(url_for("main.post", post_id=post.id))
    status = 422 if form.is_submitted() else 200
    return render_template("main/post_form.html", form=form, post=None), status


# PostgreSQL's integer holds ids up to 2**31 - 1; a bigger id sent to it fails (a 500), so
# the converter refuses one (max=) and such a URL is a 404 like any post that is not there.
@bp.get("/posts/<int(max=2147483647):post_id>")
def post(post_id):
    return render_template("main/post.html", post=db.get_or_404(Post, post_id))


@bp.route("/posts/<int(max=2147483647):post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    post = own_post(post_id)
    # Pre-filled from the post; on POST each field the request sends replaces its value.
    # (Not obj=post: its `tags` is a list of Tag rows, which a POST without a "tags" field
    # would leave in the form, and the form's tags are text.)
    saved = {"title": post.title, "body": post.body, "category": post.category}
    form = PostForm(data={**saved, "tags": ", ".join(tag.name for tag in post.tags)})
    if form.validate_on_submit():
        fill_post(post, form)
        db.session.commit()
        flash("Your post is saved.")
        return redirect(url_for("main.post", post_id=post.id))
    status = 422 if form.is_submitted() else 200
    return render_template("main/post_form.html", form=form, post=post), status


@bp.post("/posts/<int(max=2147483647):post_id>/delete")
@login_required
def delete_post(post_id):
    db.session.delete(own_post(post_id))
    db.session.commit()
    flash("Your post is deleted.")
    return redirect(url_for("main.dashboard"))


@bp.get("/uploads/<name>")
def upload(name):
    """An uploaded image. send_from_directory refuses names that leave the folder, and
    nosniff stops a browser from running a file that only pretends to be an image."""
    response = send_from_directory(upload_folder(), name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    """A POST without the right token: an old page, or a form on another site."""
    return render_template("errors/400.html", reason=error.description), 400


@bp.app_errorhandler(403)
def forbidden(error):
    return render_template("errors/403.html"), 403


@bp.app_errorhandler(413)
def too_large(error):
    return render_template("errors/413.html"), 413


@bp.app_errorhandler(404)
def not_found(error):
    if is_api_request():  # an unknown URL under /api/: no blueprint handles it
        return error_response(error)
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(405)
def method_not_allowed(error):
    if is_api_request():
        return error_response(error)
    return error


@bp.app_errorhandler(500)
def server_error(error):
    db.session.rollback()
    return render_template("errors/500.html"), 500
