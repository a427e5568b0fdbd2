"""The fixtures every test builds on (pytest finds this file by its name).

d10's tests (test_*.py here) already use ``app``, ``client`` and ``runner``; d12 is about
writing these fixtures well and the tests that need them. Until ``app`` is written, every
test that asks for it errors with the message below.
"""

import pytest


@pytest.fixture
def app(monkeypatch):
    # TODO (d12): the app for ONE test: create_app("testing") (CSRF off, exceptions reach
    # the test), with its own empty database (DATABASE_URL=sqlite:// is in memory, so a new
    # app is a new database; db.create_all() inside app.app_context()), and, after the
    # `yield`, its clean-up (db.session.remove(), db.engine.dispose()).
    pytest.fail("TODO (d12): write the `app` fixture in tests/conftest.py")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# TODO (d12): an autouse fixture that replaces the mail sender (app.mail.send_mail) with a
# fake recording (to, subject, body) in a list, so no test talks to an SMTP server and a
# test can assert what would have been sent (monkeypatch.setattr).
# TODO (d12): `auth_client`: the client, logged in as a user of this test's database.
# TODO (d12): helpers as fixtures, e.g. `make_user("bob")` and `make_post(user_id)`, so that
# each test makes the users and posts it needs itself (never counting on another test).
