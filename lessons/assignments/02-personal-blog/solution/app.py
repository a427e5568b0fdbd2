"""Lesson a02 · Personal Blog (reference solution).

A JSON API for blog posts kept in a database with Flask-SQLAlchemy: create a post, list
them newest first, read one by its slug, delete it. The posts live in a SQLite file, so
they survive a restart.
"""

import os
import re
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
# Flask-SQLAlchemy puts a relative SQLite path in the app's instance folder, so the default
# is instance/blog.db next to this file. DATABASE_URL points the app at another database.
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///blog.db")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(app, model_class=Base)

TITLE_MAX = 200
SLUG_MAX = 200
# fullmatch, not match: with match, "$" would also accept a slug ending in a newline.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Post(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    def to_dict(self) -> dict:
        created = self.created_at
        if created.tzinfo is None:
            # SQLite keeps no time zone: it gives back the UTC time we stored, but naive.
            created = created.replace(tzinfo=UTC)
        return {
            "id": self.id,
            "title": self.title,
            "slug": self.slug,
            "content": self.content,
            "created_at": created.astimezone(UTC).isoformat(),
        }


# The tables exist before the first request, whichever way the app is started
# (python app.py, flask --app app run, or flask --app app shell).
with app.app_context():
    db.create_all()


def json_body() -> dict:
    """The request's JSON object; 415 if it was not sent as JSON, 400 if it is malformed."""
    try:
        data = request.get_json()  # raises 415 or 400 for us, answered by json_error below
    except RecursionError:  # JSON nested thousands of levels deep is not a ValueError
        abort(400, description="The body is nested too deeply.")
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


def is_text(value: object) -> bool:
    """Whether ``value`` is a string that UTF-8 can store. JSON's "\\ud800" escape gives
    Python a lone surrogate, which is no character: the database would refuse it with a
    UnicodeEncodeError at commit, a 500."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_post(data: dict) -> dict:
    """The fields of a new post; abort with 400 at the first invalid one."""
    title = data.get("title")
    if not is_text(title) or not title.strip():
        abort(400, description="'title' must be a non-empty string of characters.")
    if len(title.strip()) > TITLE_MAX:
        abort(400, description=f"'title' must be at most {TITLE_MAX} characters.")
    slug = data.get("slug")
    if not isinstance(slug, str) or len(slug) > SLUG_MAX or not SLUG_PATTERN.fullmatch(slug):
        abort(
            400,
            description="'slug' must be lower-case letters and digits in words joined by "
            f"single hyphens (like 'my-first-post'), at most {SLUG_MAX} characters.",
        )
    content = data.get("content")
    if not is_text(content) or not content.strip():
        abort(400, description="'content' must be a non-empty string of characters.")
    return {"title": title.strip(), "slug": slug, "content": content}


def find(slug: str) -> Post:
    """The post with this slug, or a 404."""
    return db.one_or_404(
        select(Post).where(Post.slug == slug),
        description=f"There is no post with slug {slug!r}.",
    )


@app.get("/posts")
def list_posts():
    # Newest first; the id breaks the tie between posts created at the same instant.
    posts = db.session.scalars(select(Post).order_by(Post.created_at.desc(), Post.id.desc()))
    return jsonify([post.to_dict() for post in posts])


@app.post("/posts")
def create_post():
    fields = clean_post(json_body())
    post = Post(**fields)
    db.session.add(post)
    try:
        db.session.commit()
    except IntegrityError:
        # The database's unique constraint refused the slug. Rolling back makes the
        # session usable again; the app answers the next request as usual.
        db.session.rollback()
        abort(409, description=f"A post with slug {fields['slug']!r} already exists.")
    location = url_for("get_post", slug=post.slug)
    return jsonify(post.to_dict()), 201, {"Location": location}


@app.get("/posts/<slug>")
def get_post(slug: str):
    return jsonify(find(slug).to_dict())


@app.delete("/posts/<slug>")
def delete_post(slug: str):
    db.session.delete(find(slug))
    db.session.commit()
    return "", 204


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
