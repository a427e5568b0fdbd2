"""The blog's tables: users, their posts, and tags on posts.

SQLAlchemy 2.0 style: each column is a typed attribute (``Mapped[...]``), set up with
``mapped_column``; both sides of a relationship name each other with ``back_populates``.
"""

import re
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

USERNAME = re.compile(r"[a-z0-9_]{3,32}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TAG_NAME = re.compile(r"[a-z0-9-]{1,20}")
CATEGORIES = ("tech", "life", "news")
TITLE_MAX = 120


def now():
    return datetime.now(UTC)


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    # TODO (d08): password_hash (a Werkzeug hash, None for a user without a password) and
    # session_token (unique, secrets.token_urlsafe(32) by default); then a migration:
    # flask --app app db migrate -m "user passwords and session tokens".

    posts: Mapped[list["Post"]] = relationship(back_populates="author")

    # TODO (d08): UserMixin as a base class; set_password, check_password, get_id (returns
    # the session token) and rotate_session_token.

    def __repr__(self):
        return f"<User {self.username}>"


class Post(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    author: Mapped[User] = relationship(back_populates="posts")
    tags: Mapped[list["Tag"]] = relationship(secondary=post_tags, back_populates="posts")

    def __repr__(self):
        return f"<Post {self.id} {self.title!r}>"


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)

    posts: Mapped[list[Post]] = relationship(secondary=post_tags, back_populates="tags")

    def __repr__(self):
        return f"<Tag {self.name}>"
