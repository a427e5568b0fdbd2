"""Sending mail through SMTP, at most once for each purpose (d11).

TODO (d11): ``deliver(key, to, subject, body)``: unless a SentMail row has ``key``, build an
EmailMessage (From: MAIL_DEFAULT_SENDER) and send it with
``smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"])``; record the key the
moment the server accepted it (before QUIT); turn a 4xx answer or a lost connection into
TemporaryMailError, so the task can retry.
"""


class TemporaryMailError(Exception):
    """The mail server could not take the message now: sending again later may work."""


def deliver(key, to, subject, body):
    raise NotImplementedError("TODO (d11): send the message through SMTP, once per key")
