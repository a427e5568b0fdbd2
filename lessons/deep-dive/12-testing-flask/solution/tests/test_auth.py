"""Registering (with its welcome mail), logging in and out."""

from app.extensions import db
from app.models import User
from sqlalchemy import select

PASSWORD = "correct horse"  # the password of make_user (conftest.py)


def register(client, username="ada", email=None, password=PASSWORD, confirm=None):
    return client.post(
        "/auth/register",
        data={
            "username": username,
            "email": email or f"{username}@example.com",
            "password": password,
            "confirm": confirm or password,
        },
    )


def test_register_page_shows_the_form(client):
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert b'name="username"' in response.data


def test_register_stores_a_hash(app, client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="ada"))
        assert user.password_hash != PASSWORD
        assert user.check_password(PASSWORD)


def test_register_sends_one_welcome_mail(client, outbox):
    register(client)
    assert len(outbox) == 1
    to, subject, body = outbox[0]
    assert to == "ada@example.com"
    assert "Welcome" in subject
    assert "Hello ada" in body


def test_a_refused_mail_does_not_break_registering(app, client, monkeypatch, caplog):
    def refuse(to, subject, body):
        raise ConnectionRefusedError("no mail server here")

    monkeypatch.setattr("app.mail.send_mail", refuse)
    assert register(client).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="ada")) is not None
    assert "not sent" in caplog.text


def test_short_password_is_refused(client, outbox):
    assert register(client, password="short").status_code == 422
    assert outbox == []


def test_passwords_must_match(client):
    assert register(client, confirm="another horse").status_code == 422


def test_taken_username_and_email_are_refused(client, make_user):
    make_user("ada")
    assert register(client, email="new@example.com").status_code == 422
    response = register(client, username="bob", email="ada@example.com")
    assert response.status_code == 422
    assert b"already registered" in response.data


def test_login_then_dashboard(client):
    register(client)
    response = client.post("/auth/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    assert b"Hello, ada!" in client.get("/dashboard").data


def test_login_follows_a_safe_next(client, make_user):
    make_user("ada")
    response = client.post(
        "/auth/login?next=/posts", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/posts"


def test_wrong_password_is_refused(client, make_user):
    make_user("ada")
    response = client.post("/auth/login", data={"email": "ada@example.com", "password": "wrong!!!"})
    assert response.status_code == 422
    assert b"Wrong email or password" in response.data
    assert client.get("/dashboard").status_code == 302


def test_login_page_when_logged_in_goes_to_the_dashboard(auth_client):
    assert auth_client.get("/auth/login").headers["Location"] == "/dashboard"


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard")
    assert response.headers["Location"] == "/auth/login?next=%2Fdashboard"


def test_logout_ends_the_session(auth_client):
    response = auth_client.post("/auth/logout")
    assert response.headers["Location"] == "/"
    assert auth_client.get("/dashboard").status_code == 302


def test_an_old_session_cookie_stops_working_at_logout(app, auth_client):
    """Logout gives the user a new session token: a copy of the old cookie finds no one."""
    stolen = app.test_client()
    cookie = auth_client.get_cookie("session")
    stolen.set_cookie("session", cookie.value)
    assert stolen.get("/dashboard").status_code == 200
    auth_client.post("/auth/logout")
    assert stolen.get("/dashboard").status_code == 302
