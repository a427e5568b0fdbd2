"""JWT access tokens: HS256, signed with ``JWT_SECRET_KEY``, valid for 15 minutes.
Decoding pins the algorithm and requires ``exp``, ``iat`` and ``sub``."""

from datetime import UTC, datetime, timedelta
from functools import wraps

import jwt
from flask import current_app, g, request

from app.errors import ApiError
from app.models import User, db

ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=15)


def issue(user):
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, current_app.config["JWT_SECRET_KEY"], algorithm=ALGORITHM)


def token_required(view):
    """Run the view only with ``Authorization: Bearer <valid token>``; the user is then
    ``g.api_user``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Send Authorization: Bearer <token> (POST /api/v1/tokens)")
        try:
            claims = jwt.decode(
                token.strip(),
                current_app.config["JWT_SECRET_KEY"],
                algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "sub"]},
            )
            user = db.session.get(User, int(claims["sub"]))
        except (jwt.InvalidTokenError, ValueError, TypeError):
            user = None
        if user is None:
            raise ApiError(401, "The token is missing, expired or not valid")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper
