"""The mail module itself (app/mail.py)."""

# TODO (d12): send_mail with smtplib.SMTP replaced by a unittest.mock.Mock: it connects to
# MAIL_SERVER:MAIL_PORT and sends one message To the address given. Keep a reference to the
# real function at import time if an autouse fixture replaces it for every test.
# TODO (d12): send_welcome_email returns True when the mail went, False when sending raised.
