"""The fixtures every test builds on (pytest finds this file by its name).

Each test gets a new app, with its own empty in-memory database and its own instance folder,
so no test sees what another one wrote: the suite passes in any order.
"""

import functools

import pytest
from app import create_app, mail, models
from app.extensions import db
from app.models import Post, User
from werkzeug.security import generate_password_hash

PASSWORD = "correct horse"


@pytest.fixture
def app(monkeypatch, tmp_path):
    # The tests' own database, in memory, whatever DATABASE_URL says in your shell.
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("testing")
    app.instance_path = str(tmp_path)  # uploads land in this test's own folder
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the in-memory database goes with its last connection


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch):
    """A password hash is slow on purpose (an attacker must pay for every guess); the tests
    make hundreds, so they use a cheap one. check_password reads the method from the hash."""
    cheap = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr(models, "generate_password_hash", cheap)


@pytest.fixture(autouse=True)
def outbox(monkeypatch):
    """Every mail the app sends, as ``(to, subject, body)``, instead of an SMTP server:
    the boundary (``app.mail.send_mail``) is replaced for every test."""
    sent = []

    def send_mail(to, subject, body):
        sent.append((to, subject, body))

    monkeypatch.setattr(mail, "send_mail", send_mail)
    return sent


@pytest.fixture
def make_user(app):
    """``make_user("bob")`` puts a user in the database directly (faster than the register
    page) and returns its id; the password is ``PASSWORD``."""

    def make(username, password=PASSWORD):
        with app.app_context():
            user = User(username=username, email=f"{username}@example.com")
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def auth_client(client, make_user):
    """A client logged in as ``ada`` (through the login form, as a browser would)."""
    make_user("ada")
    response = client.post("/auth/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def token_for(client):
    """``token_for("ada")``: an API token from POST /api/v1/tokens, as a header."""

    def token(username, password=PASSWORD):
        credentials = {"email": f"{username}@example.com", "password": password}
        response = client.post("/api/v1/tokens", json=credentials)
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return token


@pytest.fixture
def make_post(app):
    """``make_post(user_id, title)`` puts a post in the database and returns its id."""

    def make(user_id, title="A post of mine", category="tech"):
        with app.app_context():
            post = Post(title=title, body="Some text", category=category, user_id=user_id)
            db.session.add(post)
            db.session.commit()
            return post.id

    return make
