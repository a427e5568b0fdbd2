"""A CSRF token for the hub's forms: one random token per browser session, checked on POST.

Every state-changing request is a POST form that carries the token as ``csrf_token``; a page on
another site cannot read it (same-origin policy), so it cannot make the learner's browser start
runs. The session cookie is signed with a key made when the hub starts (``SECRET_KEY``).
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"


def csrf_token() -> str:
    """This session's token, made on first use (templates call it as ``csrf_token()``)."""
    token = session.get(FIELD)
    if not isinstance(token, str):
        token = session[FIELD] = secrets.token_urlsafe(32)
    return token


def protect() -> None:
    """Refuse a POST whose form does not carry this session's token."""
    if request.method != "POST" or request.url_rule is None:
        return  # not a form, or no such page (the 404/405 says so)
    sent = request.form.get(FIELD, "")
    expected = session.get(FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(
            400,
            description="This form has expired or did not come from Mission Control. Go back, "
            "reload the page and press the button again.",
        )
