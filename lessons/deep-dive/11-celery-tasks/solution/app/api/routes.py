"""The API's views. JSON in, JSON out; errors in the shape of ``app/api/errors.py``."""

from datetime import UTC

from flask import Blueprint, g, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from app.api import errors, openapi, tokens
from app.api.schemas import PostInSchema, TokenInSchema
from app.extensions import csrf, db
from app.main.routes import newest_posts, tags_named
from app.models import Post, User

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # no cookies here: a bearer token cannot be sent by another site's form
errors.init_blueprint(bp)

TOKEN_LIFETIME = int(tokens.LIFETIME.total_seconds())
MAX_PER_PAGE = 100
MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of post.id
MAX_PAGE = 1_000_000  # far past any real page, and far below what a database OFFSET holds


def json_body(schema, partial=False):
    """The request's JSON object, loaded by ``schema``: 415 if it is not JSON, 400 if it is
    not an object, 422 with the fields' messages if a rule fails."""
    if not request.is_json:
        raise errors.ApiError(415, "Send Content-Type: application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise errors.ApiError(400, "The body must be a JSON object")
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise errors.ApiError(422, "Some fields are not valid", fields=error.messages) from None


def post_json(post):
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "category": post.category,
        "tags": [tag.name for tag in post.tags],
        "author": post.author.username,
        "created_at": post.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "url": url_for("api.get_post", post_id=post.id, _external=True),
    }


def positive_arg(name, default, largest):
    """A whole number from 1 to ``largest`` from the query string, or ``default`` without it.
    Only ASCII digits count: ``int()`` also reads `` 2``, ``+2``, ``1_0`` and digits of other
    scripts (``٣``, ``２``), and ``str.isdigit()`` says yes to ``²``, which ``int()`` refuses.
    The bound keeps a huge page out of the database (its OFFSET would overflow: a 500)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    # Short enough first: int() refuses more than 4300 digits with a ValueError of its own.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= largest):
        raise errors.ApiError(400, f"{name} must be a whole number from 1 to {largest}")
    return int(raw)


@bp.post("/tokens")
def create_token():
    data = json_body(TokenInSchema())
    user = db.session.scalar(select(User).filter_by(email=data["email"]))
    if user is None or not user.check_password(data["password"]):
        raise errors.ApiError(401, "Wrong email or password")
    return {
        "access_token": tokens.issue(user),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
    }


@bp.get("/posts")
def list_posts():
    """Newest first, 3 queries whatever the page size (count, page with authors, tags)."""
    page = positive_arg("page", 1, largest=MAX_PAGE)
    per_page = positive_arg("per_page", 20, largest=MAX_PER_PAGE)
    pagination = db.paginate(newest_posts(), page=page, per_page=per_page, error_out=False)

    def link(number):
        return url_for("api.list_posts", page=number, per_page=per_page, _external=True)

    return {
        "posts": [post_json(post) for post in pagination.items],
        "total": pagination.total,
        "page": page,
        "per_page": per_page,
        "pages": pagination.pages,
        "links": {
            "self": link(page),
            "next": link(page + 1) if pagination.has_next else None,
            "prev": link(page - 1) if page > 1 else None,
        },
    }


def find_post(post_id):
    # PostgreSQL's integer holds ids up to MAX_ID; a bigger one sent to it is a DataError (a
    # 500), so it is a 404 before the query. (A max= on the rules would not do here: with
    # three rules on one path, Werkzeug answers a PATCH to /posts/<too big> with a 405.)
    post = db.session.get(Post, post_id) if post_id <= MAX_ID else None
    if post is None:
        raise errors.ApiError(404, f"There is no post {post_id}")
    return post


def own_post(post_id):
    post = find_post(post_id)
    if post.author != g.api_user:
        raise errors.ApiError(403, "Only the author can change this post")
    return post


def apply(post, data):
    for name in ("title", "body", "category"):
        if name in data:
            setattr(post, name, data[name])
    if "tags" in data:
        post.tags = tags_named(list(dict.fromkeys(data["tags"])))


@bp.get("/posts/<int:post_id>")
def get_post(post_id):
    return post_json(find_post(post_id))


@bp.post("/posts")
@tokens.token_required
def create_post():
    data = json_body(PostInSchema())
    post = Post()
    apply(post, data)
    post.author = g.api_user
    db.session.add(post)
    db.session.commit()
    url = url_for("api.get_post", post_id=post.id, _external=True)
    return post_json(post), 201, {"Location": url}


@bp.patch("/posts/<int:post_id>")
@tokens.token_required
def update_post(post_id):
    post = own_post(post_id)
    apply(post, json_body(PostInSchema(), partial=True))
    db.session.commit()
    return post_json(post)


@bp.delete("/posts/<int:post_id>")
@tokens.token_required
def delete_post(post_id):
    db.session.delete(own_post(post_id))
    db.session.commit()
    return "", 204


@bp.get("/openapi.json")
def openapi_document():
    return openapi.document()
