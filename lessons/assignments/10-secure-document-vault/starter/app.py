"""Lesson a10 · Secure Document Vault (your starter).

Fill in every TODO until `mission check a10` is all green. The lesson's README.md has the
contract each route must keep. Run the app with `python app.py`; attack it with
`python forge_token.py` (see the README's "Testing step by step").
"""

import os
import threading
from functools import wraps

from argon2 import PasswordHasher
from flask import Flask, jsonify
from flask_limiter import Limiter
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

# -- the signing key ------------------------------------------------------------------------

#: Used only when JWT_SECRET_KEY is not set. It is printed in the README, so anyone can forge
#: tokens for an app that runs with it: a real deployment must set its own key.
DEVELOPMENT_KEY = "dev-only-a10-key-replace-me-before-deploying"
MIN_KEY_BYTES = 32

# TODO: read the key from the JWT_SECRET_KEY environment variable (DEVELOPMENT_KEY only when
#   it is not set, with a warning), and raise RuntimeError when it is shorter than
#   MIN_KEY_BYTES bytes (len(key.encode())).
app.config["JWT_SECRET_KEY"] = DEVELOPMENT_KEY

# -- users and passwords --------------------------------------------------------------------

# argon2-cffi's defaults are Argon2id with the parameters RFC 9106 recommends.
password_hasher = PasswordHasher()

# TODO: never keep a password: store password_hasher.hash(password) as "password_hash"
#   instead, and check a login with password_hasher.verify(stored_hash, password).
USERS = {
    "alice": {
        "username": "alice",
        "password": "alice123",
        "scopes": ["vault:read", "vault:write"],
        "clearance": 2,
    },
    "admin": {
        "username": "admin",
        "password": "admin123",
        "scopes": ["vault:read", "vault:write", "admin"],
        "clearance": 5,
    },
}

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
    """The key the limiter counts failed logins under."""
    # TODO: return a key made from the "username" of the JSON body (whether or not that user
    #   exists), so that the limit counts attempts per username.
    return "everyone"


limiter = Limiter(login_attempt_key, app=app, storage_uri="memory://", strategy="moving-window")

# -- tokens ---------------------------------------------------------------------------------


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


def token_required(scopes=()):
    """Let the view run only for a valid token that grants every scope in ``scopes``."""

    def decorator(view):
        @wraps(view)  # keeps the view's name, which Flask uses as the endpoint
        def wrapper(*args, **kwargs):
            # TODO: read the token from `Authorization: Bearer <token>` (and from nowhere
            #   else); decode it with jwt.decode(token, key, algorithms=["HS256"],
            #   options={"require": ["exp", "iat", "sub"]}); answer 401 with
            #   WWW-Authenticate: Bearer for a missing or invalid token, and 403 when its
            #   "scope" claim lacks one of `scopes`. Then put the user on g.user.
            return not_implemented("token_required")

        return wrapper

    return decorator


# -- routes ---------------------------------------------------------------------------------


# TODO: limit this route: @limiter.limit("5 per minute", deduct_when=...) so that only
#   failed logins (401) count.
@app.post("/token")
def login():
    # TODO: read {"username", "password"} (400 unless both are strings); 401 with one
    #   message for a wrong password or an unknown user; otherwise answer 200 with
    #   {"access_token": <a JWT>, "token_type": "bearer", "expires_in": 900}. The JWT is
    #   signed with HS256 and holds sub (the username), scope, iat and exp (15 minutes).
    return not_implemented("POST /token")


@app.get("/documents")
@token_required(scopes=["vault:read"])
def list_documents():
    # TODO: only the documents at or below the caller's clearance.
    return not_implemented("GET /documents")


@app.post("/documents")
@token_required(scopes=["vault:write"])
def create_document():
    # TODO: validate title, content and secret_level (400); 403 above the caller's
    #   clearance; store it with the caller as owner; 201 with a Location header.
    return not_implemented("POST /documents")


@app.get("/documents/<int:document_id>")
@token_required(scopes=["vault:read"])
def get_document(document_id: int):
    # TODO: 404 for an unknown id, 403 above the caller's clearance, else 200.
    return not_implemented("GET /documents/<id>")


@app.get("/admin/users")
@token_required(scopes=["admin"])
def list_users():
    # TODO: every user as {username, scopes, clearance}: never a password or a hash.
    return not_implemented("GET /admin/users")


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (WWW-Authenticate, Allow)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
