"""Lesson a02 · Personal Blog (your starter).

Fill in every TODO until `mission check a02` is all green. The lesson's README.md has the
contract each route must keep. Run the app with `python app.py` (or `flask --app app run`).
"""

import os
import re
from datetime import UTC, datetime

from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

app = Flask(__name__)
# Flask-SQLAlchemy puts a relative SQLite path in the app's instance folder, so this is
# instance/blog.db next to this file.
# TODO: let the DATABASE_URL environment variable override it: os.environ.get(...).
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(app, model_class=Base)

TITLE_MAX = 200
SLUG_MAX = 200
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use SLUG_PATTERN.fullmatch(slug)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Post(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: the other columns, in the same style:
    #   title       String(TITLE_MAX)
    #   slug        String(SLUG_MAX), unique=True (the database refuses a second one)
    #   content     Text
    #   created_at  DateTime(timezone=True), default=utc_now

    def to_dict(self) -> dict:
        # TODO: the post as a dict for jsonify, with created_at.isoformat() in UTC.
        #   SQLite gives created_at back without its time zone: add it again with
        #   .replace(tzinfo=UTC) when created_at.tzinfo is None.
        return {"id": self.id}


# TODO: create the tables when the app starts:
#   with app.app_context():
#       db.create_all()


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@app.get("/posts")
def list_posts():
    # TODO: answer 200 with every post as a JSON array, newest first:
    #   db.session.scalars(select(Post).order_by(...))
    return not_implemented("GET /posts")


@app.post("/posts")
def create_post():
    # TODO: read the JSON body with request.get_json() and check it is an object;
    #   validate title (1-200 characters once stripped), slug (SLUG_PATTERN, at most 200
    #   characters) and content (a non-empty string), abort(400) otherwise;
    #   add the Post and commit. If the commit raises sqlalchemy.exc.IntegrityError, the
    #   slug is taken: db.session.rollback(), then abort(409).
    #   Answer 201 with the post and a Location header pointing at /posts/<slug>.
    return not_implemented("POST /posts")


@app.get("/posts/<slug>")
def get_post(slug: str):
    # TODO: answer 200 with the post, or 404 if no post has this slug:
    #   db.one_or_404(select(Post).where(Post.slug == slug))
    return not_implemented("GET /posts/<slug>")


@app.delete("/posts/<slug>")
def delete_post(slug: str):
    # TODO: delete the post (db.session.delete, then commit) and answer 204 with an empty
    #   body; 404 if no post has this slug.
    return not_implemented("DELETE /posts/<slug>")


# TODO: register an error handler for werkzeug.exceptions.HTTPException so that every
#   error (400, 404, 405, 409, 415) is answered as JSON {"error": "..."} instead of HTML.


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
