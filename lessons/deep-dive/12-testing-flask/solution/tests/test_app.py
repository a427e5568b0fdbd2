"""The factory, the configuration, and pieces tested inside a request context."""

import pytest
from app import create_app
from app.api.errors import is_api_request
from app.auth.routes import safe_next
from flask import request, url_for


def test_index_uses_the_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<nav>" in response.data


def test_healthz_names_the_config(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "config": "testing"}


def test_unknown_page_is_the_404_page(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert b"Page not found" in response.data


def test_unknown_config_is_refused():
    with pytest.raises(ValueError, match="development, testing, production"):
        create_app("staging")


def test_production_needs_a_secret_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_reads_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://blog@db.example/blog")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    app = create_app("production")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://blog@db.example/blog"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) == ("smtp.example", 2525)


def test_two_apps_share_nothing(app):
    other = create_app("testing")
    app.config["SECRET_KEY"] = "changed"
    assert other.config["SECRET_KEY"] != "changed"


def test_url_for_and_request_need_a_request_context(app):
    """No view runs here: test_request_context makes ``request`` and ``url_for`` work."""
    with app.test_request_context("/api/v1/posts?page=2"):
        assert request.args["page"] == "2"
        assert is_api_request()
        assert url_for("main.post", post_id=3) == "/posts/3"
    with app.test_request_context("/posts"):
        assert not is_api_request()


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/posts/1", "/posts/1"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("", None),
    ],
)
def test_safe_next_only_follows_paths_of_this_site(target, followed):
    assert safe_next(target) == followed
