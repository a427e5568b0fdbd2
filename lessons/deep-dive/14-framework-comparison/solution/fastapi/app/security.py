"""Passwords (argon2) and JWT access tokens: HS256, signed with ``JWT_SECRET_KEY``, valid
for 15 minutes. Decoding pins the algorithm and requires ``exp``, ``iat`` and ``sub``."""

import os
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import User

ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=15)
hasher = PasswordHasher()


def secret_key():
    key = os.environ.get("JWT_SECRET_KEY")
    if not key:
        raise RuntimeError("JWT_SECRET_KEY is not set: export a key of 32 characters or more")
    return key


def password_matches(user, password):
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue(user):
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, secret_key(), algorithm=ALGORITHM)


def unauthorized(message):
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def current_user(request: Request, db: Annotated[Session, Depends(get_db)]) -> User:
    """The user of ``Authorization: Bearer <token>``; a 401 for anything else."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Send Authorization: Bearer <token> (POST /api/v1/tokens)")
    try:
        claims = jwt.decode(
            token.strip(),
            secret_key(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        user = db.get(User, int(claims["sub"]))
    except (jwt.InvalidTokenError, ValueError, TypeError):
        user = None
    if user is None:
        raise unauthorized("The token is missing, expired or not valid")
    return user
