"""Sending mail through SMTP, at most once for each purpose (d11).

:func:`deliver` is called by the tasks only, never by a view: a view queues a task and
answers at once. Each message has a key that names what it is for (``welcome:7``); the key
is recorded in the same moment the server accepts the message, so a task that runs again
(a retry, or a redelivery after its worker died) finds it and sends nothing.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import SentMail


class TemporaryMailError(Exception):
    """The mail server could not take the message now (a 4xx answer, or no connection):
    sending again later may work."""


def already_sent(key):
    return db.session.scalar(select(SentMail.id).filter_by(key=key)) is not None


def deliver(key, to, subject, body):
    """Send one message for ``key`` unless it was sent already; True when sent now.

    Whatever is pending in the session (a digest's bookmark) is committed together with the
    record of the message. A 5xx answer (a permanent refusal) is raised as it is; a 4xx
    answer or a lost connection as :class:`TemporaryMailError`.
    """
    if already_sent(key):
        return False
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    config = current_app.config
    try:
        if config["MAIL_SUPPRESS_SEND"]:
            record(key, to)
            return True
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            smtp.send_message(message)
            # Accepted: record it now, before QUIT, which may still fail.
            record(key, to)
    except smtplib.SMTPResponseException as exc:
        db.session.rollback()
        if already_sent(key):
            return True  # delivered; only the goodbye failed
        if 400 <= exc.smtp_code < 500:
            raise TemporaryMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        db.session.rollback()
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            raise TemporaryMailError(f"recipients refused for now: {codes}") from exc
        raise
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        db.session.rollback()
        if already_sent(key):
            return True
        raise TemporaryMailError(f"no connection to the mail server: {exc}") from exc
    return True


def record(key, to):
    db.session.add(SentMail(key=key, recipient=to))
    db.session.commit()
