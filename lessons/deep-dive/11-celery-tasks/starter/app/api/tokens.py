"""JWT access tokens: HS256, signed with ``JWT_SECRET_KEY``, valid for 15 minutes.

Decoding pins the algorithm (a token that says ``alg: none`` or RS256 is refused, not
trusted) and requires ``exp`` and ``sub``: a token without an expiry would work forever.
"""

from datetime import UTC, datetime, timedelta
from functools import wraps

import jwt
from flask import current_app, g, request

from app.api.errors import ApiError
from app.extensions import db
from app.models import User

ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=15)


def issue(user):
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, current_app.config["JWT_SECRET_KEY"], algorithm=ALGORITHM)


def user_from(token):
    """The user a valid token names, or an ApiError 401."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        user = db.session.get(User, int(claims["sub"]))
    except (jwt.InvalidTokenError, ValueError):
        user = None
    if user is None:
        raise ApiError(401, "The token is missing, expired or not valid")
    return user


def token_required(view):
    """Let the view run only with ``Authorization: Bearer <valid token>``; the user is
    then ``g.api_user``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Send Authorization: Bearer <token> (POST /api/v1/tokens)")
        g.api_user = user_from(token.strip())
        return view(*args, **kwargs)

    return wrapper
