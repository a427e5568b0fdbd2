import pytest
from app import create_app


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


def test_two_apps_share_nothing(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    first, second = create_app("testing"), create_app("testing")
    first.config["SECRET_KEY"] = "changed"
    assert second.config["SECRET_KEY"] != "changed"
