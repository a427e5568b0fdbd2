"""The background tasks (d11), run by the Celery worker inside an app context (FlaskTask).

Each task takes ids, never objects: it reads the row itself. The names matter: the worker
and `celery call` know them as app.tasks.send_welcome_email, app.tasks.send_report and
app.tasks.send_digest.
"""

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)


@shared_task(bind=True)
def send_welcome_email(self, user_id):
    """TODO (d11): read the user (gone: log why, return, no retry), mail "Welcome..." with
    their username through app.mail.deliver, retry a TemporaryMailError with exponential
    backoff (MAIL_RETRY_BACKOFF x 2**retries seconds, 5 tries in all)."""
    return None


@shared_task(bind=True, ignore_result=False)
def send_report(self, user_id):
    """TODO (d11): count the user's posts per category (tech, life, news), mail them
    ("tech: 2" a line) with a subject that says "report", and return the counts."""
    return None


@shared_task
def send_digest():
    """TODO (d11): mail each user the posts created since their last digest, once
    (beat runs this every DIGEST_INTERVAL seconds)."""
    return 0
