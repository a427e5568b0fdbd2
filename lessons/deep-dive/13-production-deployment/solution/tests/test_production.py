import io
import json
import logging

import pytest
from app import create_app
from config import MissingSetting


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_a_setting(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv(missing, "")
    with pytest.raises(MissingSetting, match=missing):
        create_app("production")


def test_every_response_has_the_security_headers(client):
    response = client.get("/healthz")
    assert "default-src" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # not over http
    assert (
        client.get("/healthz", base_url="https://localhost")
        .headers["Strict-Transport-Security"]
        .startswith("max-age=")
    )


def test_readyz_asks_the_database(client):
    assert client.get("/readyz").get_json()["status"] == "ready"


def test_one_json_line_per_request(client):
    stream = io.StringIO()
    logging.getLogger("app.request").handlers[0].setStream(stream)  # instead of stdout
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    entry = next(line for line in lines if line.get("request_id") == "abc-123")
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
