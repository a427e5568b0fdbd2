"""The background tasks (d11), run by the Celery worker inside an app context (FlaskTask).

Each task takes ids, never objects: it reads the row itself, since the row may have changed,
or gone, between the moment the task was queued and the moment it runs.
"""

from celery import shared_task
from celery.utils.log import get_task_logger
from sqlalchemy import func, select

from app.extensions import db
from app.mail import TemporaryMailError, deliver
from app.models import CATEGORIES, Post, User

logger = get_task_logger(__name__)
MAX_TRIES = 5  # the first try and four retries


def retry_later(task, exc):
    """Ask Celery to run ``task`` again after MAIL_RETRY_BACKOFF x 2**retries seconds."""
    from flask import current_app

    delay = current_app.config["MAIL_RETRY_BACKOFF"] * 2**task.request.retries
    logger.warning("mail server said %s; try %d in %gs", exc, task.request.retries + 2, delay)
    return task.retry(exc=exc, countdown=delay)


@shared_task(bind=True, max_retries=MAX_TRIES - 1)
def send_welcome_email(self, user_id):
    """Welcome a new user by mail (queued by the register view)."""
    user = db.session.get(User, user_id)
    if user is None:
        # Retrying cannot make the user exist again: end here, and say why.
        logger.warning("user %s no longer exists: no welcome email, not retrying", user_id)
        return None
    try:
        deliver(
            f"welcome:{user.id}",
            user.email,
            f"Welcome to the blog, {user.username}!",
            f"Hello {user.username},\n\nyour account is ready. Happy writing!\n",
        )
    except TemporaryMailError as exc:
        raise retry_later(self, exc) from exc
    return None


@shared_task(bind=True, max_retries=MAX_TRIES - 1, ignore_result=False)
def send_report(self, user_id):
    """Count the user's posts per category, mail the table, and return it (the result
    ``GET /reports/<task_id>`` shows)."""
    user = db.session.get(User, user_id)
    if user is None:
        logger.warning("user %s no longer exists: no report, not retrying", user_id)
        return None
    rows = db.session.execute(
        select(Post.category, func.count(Post.id))
        .where(Post.user_id == user.id)
        .group_by(Post.category)
    ).all()
    counts = dict.fromkeys(CATEGORIES, 0) | {category: count for category, count in rows}
    lines = "".join(f"{category}: {count}\n" for category, count in counts.items())
    try:
        deliver(
            f"report:{self.request.id}",
            user.email,
            "Your blog report",
            f"Hello {user.username},\n\nyour posts per category:\n\n{lines}",
        )
    except TemporaryMailError as exc:
        raise retry_later(self, exc) from exc
    return counts


@shared_task
def send_digest():
    """Mail every user the posts published since their last digest, once (beat runs this
    every DIGEST_INTERVAL seconds). Each user's row is locked while their digest is sent, so
    two runs at once never mail the same posts twice."""
    sent = 0
    for user_id in db.session.scalars(select(User.id).order_by(User.id)).all():
        user = db.session.scalars(
            select(User).where(User.id == user_id).with_for_update(skip_locked=True)
        ).first()
        if user is None:  # another run holds this user: it sends their digest
            db.session.rollback()
            continue
        since = user.digest_sent_at or user.created_at
        posts = db.session.scalars(
            select(Post).where(Post.created_at > since).order_by(Post.created_at, Post.id)
        ).all()
        if not posts:
            db.session.rollback()
            continue
        listing = "".join(f"- {post.title} (by {post.author.username})\n" for post in posts)
        user.digest_sent_at = posts[-1].created_at  # committed with the record of the mail
        try:
            deliver(
                f"digest:{user.id}:{posts[-1].id}",
                user.email,
                f"Your blog digest: {len(posts)} new post{'s' if len(posts) != 1 else ''}",
                f"Hello {user.username},\n\nnew on the blog:\n\n{listing}",
            )
            sent += 1
        except TemporaryMailError as exc:
            db.session.rollback()  # the next run sends it
            logger.warning("digest for user %s not sent now: %s", user_id, exc)
    return sent
