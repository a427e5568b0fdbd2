"""The blog's tables: users, their posts, and tags on posts.

This is the User model as the course's original material wrote it, in the legacy style
(``db.Column``, queried with ``User.query``). Rewrite it in SQLAlchemy 2.0 style and add the
rest (see the README).
"""

from app.extensions import db


class User(db.Model):
    # TODO: Mapped[...] attributes with mapped_column: username (unique, 3-32 of a-z0-9_),
    # email (unique), created_at (DateTime(timezone=True), datetime.now(UTC) by default),
    # and posts = relationship(back_populates="author").
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64))


# TODO: post_tags (a Table of post_id and tag_id), Post (title <= 120, body, category,
# created_at, user_id, author, tags) and Tag (name unique, posts).
