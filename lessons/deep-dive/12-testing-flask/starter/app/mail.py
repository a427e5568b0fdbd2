"""Mail, in one place: ``send_mail`` is the app's only door to the SMTP server, so a test
replaces that one function (``monkeypatch.setattr(mail, "send_mail", fake)``) and no test
needs a mail server.

``send_welcome_email`` is what registering calls (d12). A mail that cannot be delivered is
logged, never raised: the account exists either way, and the page must not become a 500.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app, render_template


def send_mail(to, subject, body):
    """Send one plain-text mail through ``MAIL_SERVER``:``MAIL_PORT``."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(message)


def send_welcome_email(user):
    """Welcome ``user`` by mail; True if the server took the mail, False (and a warning in
    the log) if it did not."""
    body = render_template("mail/welcome.txt", user=user)
    try:
        send_mail(user.email, "Welcome to the blog", body)
    except (OSError, smtplib.SMTPException) as error:  # refused, unreachable, timed out
        current_app.logger.warning("welcome mail to %s not sent: %s", user.email, error)
        return False
    return True
