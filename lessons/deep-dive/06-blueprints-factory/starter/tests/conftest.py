import pytest

# TODO: from app import create_app


@pytest.fixture
def app():
    # TODO: return create_app("testing")
    raise NotImplementedError


@pytest.fixture
def client(app):
    return app.test_client()
