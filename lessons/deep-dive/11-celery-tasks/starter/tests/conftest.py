import pytest
from app import create_app
from app.extensions import db


@pytest.fixture
def app(monkeypatch):
    # The tests' own database, in memory, whatever DATABASE_URL says in your shell.
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
