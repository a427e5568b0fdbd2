"""The mail module itself, with smtplib replaced by a mock: no SMTP server is needed."""

from unittest import mock

from app import mail

# The real function, taken before the ``outbox`` fixture replaces it for each test.
real_send_mail = mail.send_mail


def test_send_mail_talks_to_the_configured_server(app):
    app.config.update(MAIL_SERVER="smtp.example", MAIL_PORT=2525)
    with mock.patch("app.mail.smtplib.SMTP") as smtp_class, app.app_context():
        real_send_mail("ada@example.com", "Hi", "Hello Ada")
    smtp_class.assert_called_once_with("smtp.example", 2525, timeout=10)
    smtp = smtp_class.return_value.__enter__.return_value
    message = smtp.send_message.call_args.args[0]
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Hi"
    assert message.get_content().strip() == "Hello Ada"


def test_welcome_email_says_whether_it_was_sent(app, outbox, monkeypatch):
    user = mock.Mock(username="ada", email="ada@example.com")
    with app.test_request_context():
        assert mail.send_welcome_email(user) is True
        monkeypatch.setattr(mail, "send_mail", mock.Mock(side_effect=OSError("down")))
        assert mail.send_welcome_email(user) is False
    assert len(outbox) == 1
