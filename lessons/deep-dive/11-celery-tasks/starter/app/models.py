"""The blog's tables: users, their posts, and tags on posts.

SQLAlchemy 2.0 style: each column is a typed attribute (``Mapped[...]``), set up with
``mapped_column``; both sides of a relationship name each other with ``back_populates``.
"""

import re
import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

USERNAME = re.compile(r"[a-z0-9_]{3,32}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TAG_NAME = re.compile(r"[a-z0-9-]{1,20}")
CATEGORIES = ("tech", "life", "news")
TITLE_MIN = 5  # in the form (d09); the command accepts 1
TITLE_MAX = 120
BODY_MAX = 10_000
TAGS_MAX = 5


PASSWORD_MIN = 8


def now():
    return datetime.now(UTC)


def new_session_token():
    """A random, unguessable token: what the session cookie names instead of the user id."""
    return secrets.token_urlsafe(32)


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # None for a user made by `flask add-user` without --password: they cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Flask-Login's "alternative token": the session names this, not the id (get_id).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # d11: the newest post the last digest told this user about (None: no digest yet).
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    posts: Mapped[list["Post"]] = relationship(back_populates="author")

    def set_password(self, password):
        """Store a salted, slow hash of ``password`` (never the password itself)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def get_id(self):
        """What Flask-Login keeps in the session (and the remember cookie)."""
        return self.session_token

    def rotate_session_token(self):
        """Give the user a new token: every cookie that named the old one stops working."""
        self.session_token = new_session_token()

    def __repr__(self):
        return f"<User {self.username}>"


class Post(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    image: Mapped[str | None] = mapped_column(String(64))  # a generated file name

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


# TODO (d11): the tables below (and user.digest_sent_at) are given, with their migration
# (0005): use them from app/mail.py, app/tasks.py and app/reports/routes.py.


class SentMail(db.Model):
    """One message the mail server accepted (d11), under a key that names what it was for
    (``welcome:7``, ``report:<task id>``): a task that runs again finds its key and does not
    send a second time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ReportRequest(db.Model):
    """A report a user asked for (d11): the id of its Celery task, so that
    ``GET /reports/<task_id>`` answers only for ids this app gave out, to their owner."""

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
