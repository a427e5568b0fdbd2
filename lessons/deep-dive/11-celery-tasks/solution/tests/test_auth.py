from app.extensions import db
from app.models import User
from sqlalchemy import select


def register(client, username="ada", password="correct horse"):
    return client.post(
        "/auth/register",
        data={
            "username": username,
            "email": f"{username}@example.com",
            "password": password,
            "confirm": password,
        },
    )


def test_register_stores_a_hash(app, client):
    assert register(client).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="ada"))
        assert user.password_hash != "correct horse"
        assert user.check_password("correct horse")


def test_short_password_is_refused(client):
    assert register(client, password="short").status_code == 422


def test_login_then_dashboard(client):
    register(client)
    response = client.post(
        "/auth/login", data={"email": "ada@example.com", "password": "correct horse"}
    )
    assert response.headers["Location"] == "/dashboard"
    assert b"ada" in client.get("/dashboard").data


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard")
    assert response.headers["Location"] == "/auth/login?next=%2Fdashboard"
