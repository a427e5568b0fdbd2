"""The JSON API under /api/v1: users, tokens and posts."""

from flask import Blueprint, g, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import CODES, ApiError, error_response, json_object
from app.models import Post, User, db
from app.rules import POST_RULES, user_problems
from app.tokens import LIFETIME, issue, token_required

bp = Blueprint("api", __name__)
for status in CODES:
    bp.register_error_handler(status, error_response)
bp.register_error_handler(ApiError, error_response)


def post_json(post):
    created = post.created_utc.isoformat().replace("+00:00", "Z")
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "category": post.category,
        "author": post.author.username,
        "created_at": created,
        "url": url_for("api.get_post", post_id=post.id, _external=True),
    }


@bp.post("/users")
def register():
    data = json_object()
    problems = user_problems(data)
    if not problems:
        taken = db.session.scalars(
            select(User).where(or_(User.username == data["username"], User.email == data["email"]))
        ).all()
        for user in taken:
            if user.username == data["username"]:
                problems["username"] = ["This username is taken."]
            if user.email == data["email"]:
                problems["email"] = ["This email is already registered."]
    if problems:
        raise ApiError(422, "The user is not valid", problems)
    user = User(
        username=data["username"],
        email=data["email"],
        password_hash=generate_password_hash(data["password"]),
    )
    db.session.add(user)
    db.session.commit()
    return {"id": user.id, "username": user.username}, 201


@bp.post("/tokens")
def create_token():
    data = json_object()
    email, password = data.get("email"), data.get("password")
    user = (
        db.session.scalar(select(User).where(User.email == email))
        if isinstance(email, str)
        else None
    )
    if (
        user is None
        or not isinstance(password, str)
        or not check_password_hash(user.password_hash, password)
    ):
        raise ApiError(401, "Wrong email or password")
    seconds = int(LIFETIME.total_seconds())
    return {"access_token": issue(user), "token_type": "Bearer", "expires_in": seconds}


def whole_number(name, default, low, high):
    text = request.args.get(name, str(default))
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}")
    return int(text)


@bp.get("/posts")
def list_posts():
    page = whole_number("page", 1, 1, 10**9)
    per_page = whole_number("per_page", 20, 1, 100)
    total = db.session.scalar(select(func.count(Post.id)))
    posts = db.session.scalars(
        select(Post)
        .options(joinedload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    pages = (total + per_page - 1) // per_page

    def link(number):
        return url_for("api.list_posts", page=number, per_page=per_page, _external=True)

    return {
        "posts": [post_json(post) for post in posts],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "links": {
            "self": link(page),
            "next": link(page + 1) if page < pages else None,
            "prev": link(page - 1) if page > 1 else None,
        },
    }


def validated(data, required):
    """The post fields of ``data`` after the rules; an ApiError 422 naming each bad one."""
    names = POST_RULES if required else [name for name in POST_RULES if name in data]
    problems = {name: found for name in names if (found := POST_RULES[name](data.get(name)))}
    if problems:
        raise ApiError(422, "The post is not valid", problems)
    return {name: data[name].strip() if name == "title" else data[name] for name in names}


@bp.post("/posts")
@token_required
def create_post():
    post = Post(**validated(json_object(), required=True), author=g.api_user)
    db.session.add(post)
    db.session.commit()
    return post_json(post), 201, {"Location": url_for("api.get_post", post_id=post.id)}


def find_post(post_id):
    post = db.session.get(Post, post_id)
    if post is None:
        raise ApiError(404, f"There is no post {post_id}")
    return post


@bp.get("/posts/<int:post_id>")
def get_post(post_id):
    return post_json(find_post(post_id))


def own_post(post_id):
    post = find_post(post_id)
    if post.author_id != g.api_user.id:
        raise ApiError(403, "Only the author may change this post")
    return post


@bp.patch("/posts/<int:post_id>")
@token_required
def update_post(post_id):
    post = own_post(post_id)
    for name, value in validated(json_object(), required=False).items():
        setattr(post, name, value)
    db.session.commit()
    return post_json(post)


@bp.delete("/posts/<int:post_id>")
@token_required
def delete_post(post_id):
    db.session.delete(own_post(post_id))
    db.session.commit()
    return "", 204
