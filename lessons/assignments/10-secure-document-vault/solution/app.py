"""Lesson a10 · Secure Document Vault (reference solution).

A JSON API for classified documents. Users log in with a password (kept as an Argon2id
hash) and get a short-lived JWT; every other route wants that token in the Authorization
header, checks its scopes, and shows a user only the documents at or below their clearance.
"""

import os
import secrets
import threading
from datetime import UTC, datetime, timedelta
from functools import wraps

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask, abort, g, jsonify, request, url_for
from flask_limiter import Limiter
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's int converter matches \\d, which also takes other scripts' digits (the
    Arabic-Indic "٣" is 3 to int()); a document id is written in 0-9 only."""

    regex = r"[0-9]+"


app = Flask(__name__)
app.url_map.converters["int"] = AsciiIntegerConverter  # before any route is added

# -- the signing key ------------------------------------------------------------------------

#: Used only when JWT_SECRET_KEY is not set. It is printed in the README, so anyone can forge
#: tokens for an app that runs with it: a real deployment must set its own key.
DEVELOPMENT_KEY = "dev-only-a10-key-replace-me-before-deploying"
MIN_KEY_BYTES = 32  # HS256 signs with SHA-256: a key shorter than its 32-byte output is weaker


def signing_key() -> str:
    """JWT_SECRET_KEY from the environment; refuse to start with a key that is too short."""
    key = os.environ.get("JWT_SECRET_KEY")
    if key is None:
        app.logger.warning("JWT_SECRET_KEY is not set: using the public development key.")
        key = DEVELOPMENT_KEY
    if len(key.encode()) < MIN_KEY_BYTES:
        raise RuntimeError(
            f"JWT_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long; make one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
        )
    return key


app.config["JWT_SECRET_KEY"] = signing_key()
ALGORITHM = "HS256"
TOKEN_LIFETIME = timedelta(minutes=15)

# -- users and passwords --------------------------------------------------------------------

# argon2-cffi's defaults are Argon2id with the parameters RFC 9106 recommends.
password_hasher = PasswordHasher()


def new_user(username: str, password: str, scopes: list[str], clearance: int) -> dict:
    return {
        "username": username,
        "password_hash": password_hasher.hash(password),
        "scopes": scopes,
        "clearance": clearance,
    }


USERS = {
    "alice": new_user("alice", "alice123", ["vault:read", "vault:write"], 2),
    "admin": new_user("admin", "admin123", ["vault:read", "vault:write", "admin"], 5),
}
# An unknown username is checked against this hash too, so that it takes as long to refuse
# as a wrong password: the time of the answer does not tell which usernames exist.
DUMMY_HASH = password_hasher.hash(secrets.token_urlsafe(16))


def authenticate(username: str, password: str) -> dict | None:
    """The user if the password is theirs, else None (same work either way)."""
    user = USERS.get(username)
    try:
        password_hasher.verify(user["password_hash"] if user else DUMMY_HASH, password)
    except VerificationError:
        return None
    if user and password_hasher.check_needs_rehash(user["password_hash"]):
        user["password_hash"] = password_hasher.hash(password)  # parameters were raised
    return user


# -- documents ------------------------------------------------------------------------------

# The development server answers on several threads: the lock makes each change of the
# store and of the id counter happen one request at a time.
lock = threading.Lock()
documents: dict[int, dict] = {}
next_id = 1


def store(title: str, content: str, secret_level: int, owner: str) -> dict:
    global next_id
    with lock:
        document = {
            "id": next_id,
            "title": title,
            "content": content,
            "secret_level": secret_level,
            "owner": owner,
        }
        documents[next_id] = document
        next_id += 1
    return document


store("Cafeteria menu", "Pizza on Fridays.", 1, "admin")
store("Team roster", "Alice, Bob, Carol.", 2, "admin")
store("Budget 2026", "Mostly rocket fuel.", 3, "admin")
store("Launch codes", "0000 (change me).", 5, "admin")

# -- brute-force protection -----------------------------------------------------------------


def login_attempt_key() -> str:
    """Rate-limit logins per username, whether or not that user exists."""
    try:
        data = request.get_json(silent=True)  # silent covers ValueError only
    except RecursionError:  # JSON nested too deeply: the view answers 400
        data = None
    username = data.get("username") if isinstance(data, dict) else None
    return f"login:{username}" if isinstance(username, str) else "login:<no username>"


limiter = Limiter(
    login_attempt_key,
    app=app,
    storage_uri="memory://",  # one process; use Redis when several workers share the limit
    strategy="moving-window",  # "within the last minute", not "since the minute began"
)

# -- tokens ---------------------------------------------------------------------------------


def issue_token(user: dict) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": user["username"],
        "scope": " ".join(user["scopes"]),
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
    }
    return jwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm=ALGORITHM)


def unauthorized(description: str, *, token_sent: bool = True):
    """401 with the WWW-Authenticate challenge RFC 6750 defines for bearer tokens."""
    challenge = {"realm": "vault"}
    if token_sent:
        challenge["error"] = "invalid_token"
    raise Unauthorized(description, www_authenticate=WWWAuthenticate("Bearer", challenge))


def bearer_token() -> str:
    """The token from `Authorization: Bearer <token>`, and from nowhere else."""
    header = request.headers.get("Authorization")
    if not header:
        unauthorized("Send your token as 'Authorization: Bearer <token>'.", token_sent=False)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        unauthorized("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def verified_claims(token: str) -> dict:
    try:
        # algorithms= is a list of what *we* accept; the token's own "alg" header is never
        # trusted, which is what stops "alg": "none" and algorithm-confusion tricks.
        claims = jwt.decode(
            token,
            app.config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        unauthorized("Your token has expired: log in again.")
    except jwt.InvalidTokenError:
        unauthorized("Your token is not valid.")
    if not isinstance(claims.get("scope"), str):
        unauthorized("Your token is not valid.")
    return claims


def token_required(scopes: list[str] | tuple[str, ...] = ()):
    """Let the view run only for a valid token that grants every scope in ``scopes``.

    401 for a missing or invalid token, 403 for a valid one without a needed scope. The
    caller is put on ``g.user`` and the token's scopes on ``g.scopes``.
    """

    def decorator(view):
        @wraps(view)  # keeps the view's name, which Flask uses as the endpoint
        def wrapper(*args, **kwargs):
            claims = verified_claims(bearer_token())
            user = USERS.get(claims["sub"])
            if user is None:
                unauthorized("The user of this token no longer exists.")
            granted = set(claims["scope"].split())
            missing = [scope for scope in scopes if scope not in granted]
            if missing:
                abort(403, description=f"Your token lacks the scope {', '.join(missing)}.")
            g.user, g.scopes = user, granted
            return view(*args, **kwargs)

        return wrapper

    return decorator


# -- routes ---------------------------------------------------------------------------------


def is_text(value: object) -> bool:
    """Whether ``value`` is a string UTF-8 can encode. JSON's "\\ud800" escape gives a lone
    surrogate, no character: PasswordHasher.verify would raise UnicodeEncodeError on it."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_object() -> dict:
    try:
        data = request.get_json()  # 415 if not sent as JSON, 400 if it does not parse
    except RecursionError:  # JSON nested thousands of levels deep is not a ValueError
        abort(400, description="The body is nested too deeply.")
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


@app.post("/token")
@limiter.limit(
    "5 per minute",
    deduct_when=lambda response: response.status_code == 401,  # count failed logins only
    error_message="Too many failed logins for this username: wait a minute.",
)
def login():
    data = json_object()
    username, password = data.get("username"), data.get("password")
    if not is_text(username) or not is_text(password):
        abort(400, description="Send 'username' and 'password' as strings of characters.")
    user = authenticate(username, password)
    if user is None:
        abort(401, description="Wrong username or password.")  # the same for both
    return jsonify(
        access_token=issue_token(user),
        token_type="bearer",
        expires_in=int(TOKEN_LIFETIME.total_seconds()),
    )


@app.get("/documents")
@token_required(scopes=["vault:read"])
def list_documents():
    with lock:
        visible = [d for d in documents.values() if d["secret_level"] <= g.user["clearance"]]
    return jsonify(visible)


@app.post("/documents")
@token_required(scopes=["vault:write"])
def create_document():
    data = json_object()
    title, content, level = data.get("title"), data.get("content"), data.get("secret_level")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        abort(400, description="'title' must be a string of 1-200 characters.")
    if not isinstance(content, str) or len(content) > 10_000:
        abort(400, description="'content' must be a string of at most 10,000 characters.")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        abort(400, description="'secret_level' must be an integer from 1 to 5.")
    if level > g.user["clearance"]:
        abort(403, description=f"Your clearance is {g.user['clearance']}: you cannot file this.")
    document = store(title.strip(), content, level, g.user["username"])
    location = url_for("get_document", document_id=document["id"])
    return jsonify(document), 201, {"Location": location}


@app.get("/documents/<int:document_id>")
@token_required(scopes=["vault:read"])
def get_document(document_id: int):
    with lock:
        document = documents.get(document_id)
    if document is None:
        abort(404, description=f"There is no document {document_id}.")
    if document["secret_level"] > g.user["clearance"]:
        abort(403, description="This document is above your clearance.")
    return jsonify(document)


@app.get("/admin/users")
@token_required(scopes=["admin"])
def list_users():
    # Never the hashes: even a hash lets an attacker guess passwords offline.
    return jsonify(
        [
            {"username": u["username"], "scopes": u["scopes"], "clearance": u["clearance"]}
            for u in USERS.values()
        ]
    )


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (WWW-Authenticate, Allow)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if error.code == 429:
        response.headers["Retry-After"] = "60"  # the limit counts the last minute
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
