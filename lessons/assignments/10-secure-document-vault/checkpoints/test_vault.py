"""Checkpoints for a10 · Secure Document Vault.

The first checkpoints are what an honest client sees: logging in, the token's claims, the
documents and the clearance levels. The attack suite (``attack-*``) then sends what an
attacker would: unsigned, re-signed, expired and tampered tokens, a token in the URL, and a
password-guessing run. Tokens are built here with the standard library alone (base64, json,
hmac, hashlib), exactly as a JWT library builds them.

State-robust and order-independent: each checkpoint logs in for itself (a token is kept for
the rest of the run, which spares Argon2 time) and creates the documents it needs with unique
titles. Alice gets at most one wrong password per run and the brute-force attack uses a
made-up username, so no checkpoint locks alice or admin out for the others.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import time
import uuid

import pytest

from mission_control.check import checkpoint, expect, expect_equal, fail, same_path

#: The JWT_SECRET_KEY lesson.toml gives the app ([check] env). Checkpoints that must sign a
#: token as the app would ("expired", "no exp") need it; with --url they need the learner's
#: server to run with it.
CHECK_KEY = "mission-check-a10-signing-key-0123456789abcdef"
PASSWORDS = {"alice": "alice123", "admin": "admin123"}
SCOPES = {"alice": {"vault:read", "vault:write"}, "admin": {"vault:read", "vault:write", "admin"}}
CLEARANCE = {"alice": 2, "admin": 5}
MISSING = 2_000_000_000  # a document id no vault will have handed out

LOGIN_HINT = (
    "POST /token reads {username, password}, checks the password with "
    "PasswordHasher().verify(stored_hash, password), and answers "
    'jsonify(access_token=jwt.encode(claims, key, algorithm="HS256"), token_type="bearer", '
    "expires_in=900)."
)
LOCKED_HINT = (
    "The brute-force limit must count failed logins per username (5 a minute), not per "
    "client address and not successful logins: the attack-brute-force checkpoint locks out a "
    "made-up username, and alice must still get in. If you ran the check many times within "
    "a minute against one server, wait a minute and run it again."
)
DECORATOR_HINT = (
    "Put @token_required(scopes=[...]) on every protected view: it reads "
    "`Authorization: Bearer <token>`, decodes it with jwt.decode(token, key, "
    'algorithms=["HS256"], options={"require": ["exp", "iat", "sub"]}) and answers 401 '
    "(with WWW-Authenticate: Bearer) when anything is wrong."
)
CHALLENGE_HINT = (
    "A 401 must say how to authenticate: raise Unauthorized(description, "
    'www_authenticate=WWWAuthenticate("Bearer", {"realm": "vault"})) and let your JSON '
    "error handler copy error.get_headers() into the response."
)
KEY_HINT = (
    'Sign with app.config["JWT_SECRET_KEY"] = os.environ["JWT_SECRET_KEY"] (the development '
    "default only when the variable is not set). The checker starts your app with "
    "JWT_SECRET_KEY=" + CHECK_KEY + "."
)
URL_KEY_MESSAGE = (
    "this checkpoint signs tokens with your server's JWT_SECRET_KEY, and alice's token is not "
    "signed with the key the checker knows. Restart your server with "
    f"`JWT_SECRET_KEY={CHECK_KEY} python app.py`, or run `mission check a10` (the checker "
    "then starts your app with that key itself)"
)
CREATE_HINT = (
    "POST /documents (vault:write) validates title, content and secret_level, stores the "
    'document with owner=g.user["username"], and answers jsonify(document), 201, '
    '{"Location": url_for("get_document", document_id=...)}.'
)

# Kept for the rest of the run: a login costs an Argon2 hash on purpose.
_tokens: dict[str, str] = {}


# -- JWTs by hand --------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_json(value) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def hs256(header: str, payload: str, key: bytes | str) -> str:
    key = key.encode() if isinstance(key, str) else key
    return b64url_encode(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())


def split_token(token: str) -> tuple[dict, dict, str, str, str]:
    """(header, payload, header part, payload part, signature) of a JWT; fails if it is not one."""
    try:
        header_part, payload_part, signature = token.split(".")
        header = json.loads(b64url_decode(header_part))
        payload = json.loads(b64url_decode(payload_part))
    except (ValueError, binascii.Error):
        fail(
            "expected a JWT: base64url(header JSON) . base64url(payload JSON) . signature, "
            f"not {token[:80]!r}",
            hint=LOGIN_HINT,
        )
    expect(
        isinstance(header, dict) and isinstance(payload, dict),
        "a JWT whose header and payload are JSON objects",
        f"{header!r} and {payload!r}",
        hint=LOGIN_HINT,
    )
    return header, payload, header_part, payload_part, signature


def is_jwt(value) -> bool:
    return isinstance(value, str) and value.count(".") == 2 and all(value.split("."))


DEEP_JSON = '{"a": ' * 100_000 + '"x"' + "}" * 100_000  # RecursionError in Python's parser
DEEP_HINT = (
    "request.get_json() raises RecursionError (not a ValueError) for JSON nested that deep, "
    "and get_json(silent=True) lets it through too: catch it and abort(400)."
)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


# -- talking to the vault ------------------------------------------------------------------


def login(client, username: str, password: str):
    return client.post("/token", json={"username": username, "password": password})


def token_for(client, username: str = "alice", *, fresh: bool = False) -> str:
    """A token for ``username`` (kept for the run); fails the checkpoint if login fails."""
    if username in _tokens and not fresh:
        return _tokens[username]
    r = login(client, username, PASSWORDS[username])
    if r.status_code == 429:
        fail(
            f"expected {username} to log in, but POST /token answered 429: {username} is "
            "locked out",
            hint=LOCKED_HINT,
            response=r,
        )
    r.expect_status(200, hint=LOGIN_HINT)
    token = r.expect_json(dict, hint=LOGIN_HINT).get("access_token")
    expect(
        is_jwt(token),
        'an "access_token" that is a JWT (three base64url parts joined by dots)',
        repr(token)[:120],
        hint=LOGIN_HINT,
        response=r,
    )
    _tokens[username] = token
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expect_unauthorized(r, what: str, *, challenge: bool = False) -> None:
    """401 for ``what`` (the request, in words) with a JSON error; with ``challenge``, also a
    WWW-Authenticate header for the Bearer scheme (checked by the no-token and malformed
    checkpoints, so a missing header fails those two and not every attack)."""
    if r.status_code != 401:
        got = r.status_line + (f" (your app raised {r.raised})" if r.raised else "")
        fail(f"expected 401 Unauthorized for {what}, not {got}", response=r)
    r.expect_error(401)
    if not challenge:
        return
    r.expect_header(
        "WWW-Authenticate",
        lambda value: value.strip().lower().startswith("bearer"),
        expected='a challenge starting with "Bearer"',
        hint=CHALLENGE_HINT,
    )


def expect_accepted(client, token: str, why: str) -> None:
    """The control of an attack: a genuine token opens GET /documents."""
    r = client.get("/documents", headers=bearer(token))
    r.expect_status(
        200,
        hint=f"A valid token must open GET /documents, or {why} proves nothing. " + DECORATOR_HINT,
    )


def real_key_parts(client, target_kind: str) -> tuple[str, dict]:
    """Alice's token's header part and payload, once her token is known to be signed with
    CHECK_KEY; skipped with --url (the learner's server may use another key), failed else."""
    token = token_for(client, "alice")
    _, payload, header_part, payload_part, signature = split_token(token)
    if hmac.compare_digest(hs256(header_part, payload_part, CHECK_KEY), signature):
        return header_part, payload
    if target_kind == "url":
        pytest.skip(URL_KEY_MESSAGE)
    fail(
        "expected alice's token to be signed (HS256) with the JWT_SECRET_KEY the checker gave "
        "your app, but its signature does not match that key",
        hint=KEY_HINT,
    )


def signed(header_part: str, payload: dict, key: bytes | str = CHECK_KEY) -> str:
    payload_part = encode_json(payload)
    return f"{header_part}.{payload_part}.{hs256(header_part, payload_part, key)}"


def expect_document(document, response) -> dict:
    ok = (
        isinstance(document, dict)
        and type(document.get("id")) is int
        and isinstance(document.get("title"), str)
        and isinstance(document.get("content"), str)
        and type(document.get("secret_level")) is int
        and isinstance(document.get("owner"), str)
    )
    expect(
        ok,
        'a document like {"id": 5, "title": "...", "content": "...", "secret_level": 2, '
        '"owner": "alice"}',
        repr(document)[:200],
        response=response,
    )
    return document


def create(client, username: str, level: int, title: str | None = None) -> dict:
    """File a document as ``username`` and return it (fails the checkpoint if that fails)."""
    body = {"title": title or unique("Report"), "content": "Eyes only.", "secret_level": level}
    r = client.post("/documents", json=body, headers=bearer(token_for(client, username)))
    r.expect_status(201, hint=CREATE_HINT)
    return expect_document(r.expect_json(dict, hint=CREATE_HINT), r)


def titles(client, username: str) -> tuple[list[dict], set[str]]:
    r = client.get("/documents", headers=bearer(token_for(client, username)))
    r.expect_status(200)
    listed = r.expect_json(list)
    for document in listed:
        expect_document(document, r)
    return listed, {document["title"] for document in listed}


# -- logging in ----------------------------------------------------------------------------


@checkpoint("token-issued", hint=LOGIN_HINT)
def test_token_issued(client):
    """POST /token with alice's password answers 200 with a JWT as access_token"""
    # The one true precondition of every checkpoint that needs a token: the rest of the
    # answer (token_type, expires_in) is login-returns-token's alone, so a wrong setting
    # there fails that checkpoint and skips nothing.
    token_for(client, "alice", fresh=True)


@checkpoint("login-returns-token", requires="token-issued", hint=LOGIN_HINT)
def test_login_returns_token(client):
    """POST /token with alice's password answers 200 with an access_token, token_type
    "bearer" and expires_in"""
    token_for(client, "alice", fresh=True)
    r = client.exchanges[-1]
    body = r.expect_json(dict)
    expect_equal(str(body.get("token_type")).lower(), "bearer", '"token_type"', response=r)
    expires_in = body.get("expires_in")
    expect(
        type(expires_in) is int and 0 < expires_in <= 900,
        '"expires_in" to be the lifetime in seconds, at most 900 (15 minutes)',
        repr(expires_in),
        response=r,
    )


@checkpoint(
    "token-claims",
    requires="token-issued",
    hint='jwt.encode({"sub": user["username"], "scope": " ".join(user["scopes"]), '
    '"iat": now, "exp": now + timedelta(minutes=15)}, key, algorithm="HS256") with '
    "now = datetime.now(UTC).",
)
def test_token_claims(client):
    """The token is an HS256 JWT with sub (the username), scope, iat, and exp at most 15
    minutes after iat"""
    for username in ("alice", "admin"):
        header, payload, *_ = split_token(token_for(client, username))
        expect_equal(header.get("alg"), "HS256", 'the token header\'s "alg"')
        expect_equal(payload.get("sub"), username, f'"sub" of {username}\'s token')
        scope = payload.get("scope")
        expect(
            isinstance(scope, str) and set(scope.split()) == SCOPES[username],
            f'"scope" of {username}\'s token to be "{" ".join(sorted(SCOPES[username]))}" '
            "(one string, scopes separated by spaces)",
            repr(scope),
        )
        iat, exp = payload.get("iat"), payload.get("exp")
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (iat, exp))
        expect(numbers, '"iat" and "exp" as Unix times (numbers)', f"iat={iat!r}, exp={exp!r}")
        expect(
            0 < exp - iat <= 900,
            "exp to be at most 15 minutes (900 s) after iat",
            f"{exp - iat:g} s",
        )
        expect(
            abs(iat - time.time()) <= 300,
            '"iat" to be the time the token was issued (now, in UTC seconds)',
            f"{iat - time.time():+.0f} s from now: did you use a naive local datetime?",
        )


@checkpoint(
    "login-wrong-password-401",
    hint="Answer abort(401, ...) with one message for both cases: a different message for "
    '"no such user" tells an attacker which usernames exist.',
)
def test_login_wrong_password_401(client):
    """A wrong password and an unknown username both answer 401 with the same JSON error"""
    wrong = login(client, "alice", f"wrong-{uuid.uuid4().hex[:6]}")
    wrong_error = wrong.expect_error(401)
    expect("access_token" not in wrong_error, "no token for a wrong password", response=wrong)
    nobody = login(client, f"nobody-{uuid.uuid4().hex[:8]}", "alice123")
    nobody_error = nobody.expect_error(401)
    expect_equal(
        nobody_error["error"],
        wrong_error["error"],
        "the error for an unknown user (it must be the same as for a wrong password)",
        response=nobody,
    )


@checkpoint(
    "login-bad-body-400",
    hint="Check isinstance(data, dict) and that username and password are strings before "
    "you look the user up; abort(400, ...) otherwise.",
)
def test_login_bad_body_400(client):
    """POST /token answers 400 for a body that is not a JSON object with string username and
    password (415 also for a body not sent as JSON)"""

    def name() -> str:  # a username of its own for each body: no limit can get in the way
        return f"probe-{uuid.uuid4().hex[:8]}"

    for body in (
        [name(), "secret"],
        "secret",
        {},
        {"username": name()},
        {"password": "secret"},
        {"username": name(), "password": 123},
        {"username": name(), "password": None},
        {"username": [name()], "password": "secret"},
    ):
        expect_bad_request(client.post("/token", json=body))
    broken = {"Content-Type": "application/json"}
    expect_bad_request(client.post("/token", data='{"username": "x"', headers=broken))
    expect_bad_request(client.post("/token", data={"username": name(), "password": "x"}), 415)
    # JSON's \ud800 escape is a lone surrogate: a str no UTF-8 encoder (nor Argon2) takes.
    for body, what in (
        ({"username": name(), "password": "pass\ud800"}, "a password ending in \\ud800"),
        ({"username": name(), "password": "\udfff"}, "the password \\udfff"),
        ({"username": name() + "\ud800", "password": "secret"}, "a username ending in \\ud800"),
    ):
        raw = json.dumps(body, ensure_ascii=True)
        r = client.post("/token", data=raw, headers=broken)
        if r.status_code != 400:
            fail(
                f"expected 400 Bad Request for {what} (a lone surrogate, not a character), "
                f"not {r.status_line}",
                hint="PasswordHasher.verify encodes the password to UTF-8 and raises "
                "UnicodeEncodeError for a lone surrogate: check that username and password "
                "encode (value.encode('utf-8') in a try) and abort(400) when they do not.",
                response=r,
            )
        expect_bad_request(r)
    r = client.post("/token", data=DEEP_JSON, headers=broken)
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint=DEEP_HINT + " The limiter's key function reads the body first: there too.",
            response=r,
        )
    expect_bad_request(r)


def expect_bad_request(r, *also: int) -> None:
    if r.status_code == 429:
        fail(
            "expected 400 for a body without a string username and password, not 429: only "
            "failed logins (401) count toward the limit",
            hint="Give @limiter.limit(...) deduct_when=lambda response: response.status_code "
            "== 401, so that a request the app refuses as malformed is not counted.",
            response=r,
        )
    r.expect_error(400, *also)


@checkpoint(
    "successful-logins-not-limited",
    requires="token-issued",
    hint="Count failed logins only: deduct_when=lambda response: response.status_code == 401 "
    "in @limiter.limit(...). Without it Flask-Limiter counts every request, and a user who "
    "logs in from a few devices is locked out.",
)
def test_successful_logins_not_limited(client):
    """Successful logins are not limited: admin logs in 7 times in a row"""
    for attempt in range(1, 8):
        r = login(client, "admin", PASSWORDS["admin"])
        if attempt == 1 and r.status_code == 429:
            fail(
                "expected admin to log in, but POST /token answered 429 to admin's first login "
                "in this checkpoint",
                hint=LOCKED_HINT,
                response=r,
            )
        expect(
            r.status_code == 200,
            f"successful login {attempt} of 7 to be 200: only failed logins count",
            r.status_line,
            response=r,
        )


# -- the token decorator ------------------------------------------------------------------


@checkpoint("no-token-401", hint=DECORATOR_HINT)
def test_no_token_401(client):
    """Every protected route answers 401 with WWW-Authenticate: Bearer when no token is sent"""
    r = client.get("/documents")
    expect_unauthorized(r, "GET /documents without a token", challenge=True)
    r = client.get("/documents/1")
    expect_unauthorized(r, "GET /documents/1 without a token", challenge=True)
    body = {"title": unique("Sneaky"), "content": "x", "secret_level": 1}
    r = client.post("/documents", json=body)
    expect_unauthorized(r, "POST /documents without a token", challenge=True)
    r = client.get("/admin/users")
    expect_unauthorized(r, "GET /admin/users without a token", challenge=True)


@checkpoint(
    "malformed-auth-401",
    requires="token-issued",
    hint="Split the header once: scheme, _, token = header.partition(' '); anything but "
    "'Bearer <token>' is a 401, and catch jwt.InvalidTokenError (the base of every PyJWT "
    "error) so a garbage token is a 401 too, never a 500.",
)
def test_malformed_auth_401(client):
    """A malformed Authorization header or a garbage token answers 401 (never 500)"""
    token = token_for(client, "alice")
    header_part, payload_part, _ = token.split(".")
    for value in (
        "Bearer",
        token,  # no scheme
        f"Basic {base64.b64encode(b'alice:alice123').decode()}",
        f"Token {token}",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer e30.e30.",  # {} . {} . no signature
        "Bearer W10.W10.c2ln",  # [] . [] . "sig"
        f"Bearer {header_part}.{b64url_encode(b'not json')}.c2ln",
        f"Bearer {header_part}.{payload_part}",  # the signature cut off
        f"Bearer {header_part}.{payload_part}.%%%",
        f"Bearer {token} {token}",
        "Bearer " + "x" * 3000,
    ):
        r = client.get("/documents", headers={"Authorization": value})
        expect_unauthorized(r, f"the header `Authorization: {value[:60]}`", challenge=True)


# -- documents and clearance --------------------------------------------------------------


@checkpoint("create-document", requires="token-issued", hint=CREATE_HINT)
def test_create_document(client):
    """POST /documents files a document: 201, the document (with its owner) and a Location
    header; GET /documents/<id> then returns it"""
    title = unique("Mission log")
    body = {"title": f"  {title} ", "content": "All systems go.", "secret_level": 2}
    r = client.post("/documents", json=body, headers=bearer(token_for(client, "alice")))
    r.expect_status(201)
    document = expect_document(r.expect_json(dict), r)
    expect_equal(document["title"], title, "the title, stored without surrounding spaces")
    expect_equal(document["content"], "All systems go.", "the content", response=r)
    expect_equal(document["secret_level"], 2, "the secret_level", response=r)
    expect_equal(document["owner"], "alice", "the owner (the user of the token)", response=r)
    r.expect_header(
        "Location",
        lambda value: same_path(value, f"/documents/{document['id']}"),
        expected=f"/documents/{document['id']}",
    )
    again = client.get(f"/documents/{document['id']}", headers=bearer(token_for(client)))
    again.expect_status(200)
    expect_equal(again.expect_json(dict), document, f"document {document['id']}", response=again)


@checkpoint(
    "create-validates",
    requires="create-document",
    hint="Validate before you store: title a string of 1-200 characters once stripped, "
    "content a string of at most 10,000 characters, secret_level an int from 1 to 5 "
    "(isinstance(level, int) and not isinstance(level, bool)). An invalid level is a 400 "
    "even when it is also above the caller's clearance.",
)
def test_create_validates(client):
    """POST /documents answers 400 for a missing or invalid title, content or secret_level,
    or a body that is not a JSON object, and stores nothing"""
    headers = bearer(token_for(client, "alice"))
    tag = unique("Rejected")
    bodies = [
        {},
        {"title": "", "content": "x", "secret_level": 1},
        {"title": "   ", "content": "x", "secret_level": 1},
        {"title": "x" * 201, "content": "x", "secret_level": 1},
        {"title": 5, "content": "x", "secret_level": 1},
        {"title": f"{tag} a", "secret_level": 1},
        {"title": f"{tag} b", "content": 7, "secret_level": 1},
        {"title": f"{tag} c", "content": "x" * 10_001, "secret_level": 1},
        {"title": f"{tag} d", "content": "x"},
        {"title": f"{tag} e", "content": "x", "secret_level": 0},
        {"title": f"{tag} f", "content": "x", "secret_level": 6},
        {"title": f"{tag} g", "content": "x", "secret_level": "1"},
        {"title": f"{tag} h", "content": "x", "secret_level": 1.5},
        {"title": f"{tag} i", "content": "x", "secret_level": True},
        {"title": f"{tag} j", "content": "x", "secret_level": None},
        [{"title": f"{tag} k", "content": "x", "secret_level": 1}],
    ]
    for body in bodies:
        client.post("/documents", json=body, headers=headers).expect_error(400)
    broken = {**headers, "Content-Type": "application/json"}
    client.post("/documents", data='{"title": ', headers=broken).expect_error(400)
    r = client.post("/documents", data=DEEP_JSON, headers=broken)
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint=DEEP_HINT,
            response=r,
        )
    r.expect_error(400)
    _, stored = titles(client, "admin")
    leaked = sorted(title for title in stored if title.startswith(tag))
    expect(not leaked, "rejected documents not to be stored", repr(leaked))


@checkpoint(
    "create-above-clearance-403",
    requires="create-document",
    hint='After validation: if secret_level > g.user["clearance"], abort(403, ...). A user '
    "may only file documents they would be allowed to read.",
)
def test_create_above_clearance_403(client):
    """POST /documents above the caller's clearance answers 403 and stores nothing"""
    headers = bearer(token_for(client, "alice"))
    refused = []
    for level in (3, 5):
        title = unique(f"Level {level} leak")
        body = {"title": title, "content": "x", "secret_level": level}
        client.post("/documents", json=body, headers=headers).expect_error(403)
        refused.append(title)
    _, stored = titles(client, "admin")
    expect(not set(refused) & stored, "refused documents not to be stored", repr(refused))
    create(client, "admin", 5)  # admin's clearance is 5


@checkpoint(
    "list-by-clearance",
    requires="create-document",
    hint='GET /documents returns only documents with secret_level <= g.user["clearance"], '
    "whoever filed them.",
)
def test_list_by_clearance(client):
    """GET /documents lists only the documents at or below the caller's clearance"""
    tag = unique("Briefing")
    for level in range(1, 6):
        create(client, "admin", level, f"{tag} level {level}")
    for username in ("alice", "admin"):
        listed, stored = titles(client, username)
        above = [d["id"] for d in listed if d["secret_level"] > CLEARANCE[username]]
        expect(
            not above,
            f"only documents at or below clearance {CLEARANCE[username]} for {username}",
            f"documents {above} above it",
        )
        wanted = {f"{tag} level {n}" for n in range(1, CLEARANCE[username] + 1)}
        expect_equal(
            {title for title in stored if title.startswith(tag)},
            wanted,
            f"the new documents {username} sees",
        )


@checkpoint(
    "get-document-clearance",
    requires="create-document",
    hint="In get_document: 404 if there is no such document, then 403 if its secret_level is "
    'above g.user["clearance"]; checking the list is not enough, every route that returns a '
    "document must check.",
)
def test_get_document_clearance(client):
    """GET /documents/<id> answers 200, 403 above the caller's clearance, and 404 for an
    unknown id"""
    alice = bearer(token_for(client, "alice"))
    for level in (3, 5):
        secret = create(client, "admin", level)
        client.get(f"/documents/{secret['id']}", headers=alice).expect_error(403)
        r = client.get(f"/documents/{secret['id']}", headers=bearer(token_for(client, "admin")))
        r.expect_status(200)
        expect_equal(r.expect_json(dict), secret, f"document {secret['id']} for admin")
    own = create(client, "alice", 1)
    r = client.get(f"/documents/{own['id']}", headers=alice)
    r.expect_status(200)
    client.get(f"/documents/{MISSING}", headers=alice).expect_error(404)


@checkpoint(
    "id-ascii-digits-404",
    requires="create-document",
    hint="Flask's int converter matches \\d, which takes any script's digits, and int('٣') is "
    '3: register a subclass of werkzeug.routing.IntegerConverter with regex = r"[0-9]+" as '
    'app.url_map.converters["int"] before your routes.',
)
def test_id_ascii_digits_404(client):
    """GET /documents/<id> with the id in other digits (Arabic-Indic ٣, full-width ３) answers
    404, not that document"""
    alice = bearer(token_for(client, "alice"))
    own = create(client, "alice", 1)
    for digits, script in (("٠١٢٣٤٥٦٧٨٩", "Arabic-Indic"), ("０１２３４５６７８９", "full-width")):
        other = str(own["id"]).translate(str.maketrans("0123456789", digits))
        r = client.get(f"/documents/{other}", headers=alice)
        if r.status_code != 404:
            fail(
                f"expected 404 Not Found for GET /documents/{other} (document {own['id']} in "
                f"{script} digits), not {r.status_line}",
                response=r,
            )
        r.expect_error(404)
    r = client.get(f"/documents/{own['id']}", headers=alice)
    r.expect_status(200)
    expect_equal(r.expect_json(dict), own, f"document {own['id']}", response=r)


@checkpoint(
    "admin-users",
    requires="token-issued",
    hint="Build each user as {username, scopes, clearance} by hand: jsonify(list(USERS.values())) "
    "would publish the password hashes, and a hash can be cracked offline.",
)
def test_admin_users(client):
    """GET /admin/users with admin's token lists every user with scopes and clearance, and no
    password or hash"""
    r = client.get("/admin/users", headers=bearer(token_for(client, "admin")))
    r.expect_status(200)
    users = r.expect_json(list)
    by_name = {u.get("username"): u for u in users if isinstance(u, dict)}
    for username in ("alice", "admin"):
        user = by_name.get(username)
        expect(user is not None, f"{username} in the list", repr(sorted(map(str, by_name))))
        expect_equal(user.get("clearance"), CLEARANCE[username], f"{username}'s clearance")
        scopes = user.get("scopes")
        expect(
            isinstance(scopes, list) and set(scopes) == SCOPES[username],
            f"{username}'s scopes as a list {sorted(SCOPES[username])}",
            repr(scopes),
        )
    secrets = list(dict.fromkeys(find_secrets(users)))
    expect(not secrets, "no password or password hash in the answer", "; ".join(secrets))


def find_secrets(value, where: str = "the answer"):
    """Where ``value`` holds something that looks like a password or a password hash."""
    if isinstance(value, dict):
        for key, item in value.items():
            if any(word in str(key).lower() for word in ("password", "hash", "salt")):
                yield f"a field {key!r}"
            yield from find_secrets(item, f"{key!r}")
    elif isinstance(value, list):
        for item in value:
            yield from find_secrets(item, where)
    elif isinstance(value, str) and (
        value.startswith(("$argon2", "$2b$", "$2a$", "$2y$", "pbkdf2", "scrypt"))
        or value in PASSWORDS.values()
    ):
        yield f"{value[:24]!r} in {where}"


@checkpoint(
    "admin-needs-scope",
    requires="token-issued",
    hint="The decorator answers 403 (not 401) for a valid token that lacks a scope: "
    '@token_required(scopes=["admin"]) on GET /admin/users.',
)
def test_admin_needs_scope(client):
    """GET /admin/users with alice's token (no admin scope) answers 403"""
    client.get("/admin/users", headers=bearer(token_for(client, "alice"))).expect_error(403)


@checkpoint("signed-with-jwt-secret-key", requires="token-issued", hint=KEY_HINT)
def test_signed_with_jwt_secret_key(client, target_kind):
    """Tokens are signed (HS256) with the key in JWT_SECRET_KEY"""
    header_part, _ = real_key_parts(client, target_kind)
    expect_equal(json.loads(b64url_decode(header_part)).get("alg"), "HS256", '"alg"')


@checkpoint(
    "scope-from-token",
    requires="signed-with-jwt-secret-key",
    hint="Take the scopes from the token's scope claim (claims['scope'].split()), not from "
    "the user record: a token may grant less than its user could have.",
)
def test_scope_from_token(client, target_kind):
    """A valid token grants only the scopes in its scope claim: read-only cannot write,
    write-only cannot read"""
    header_part, payload = real_key_parts(client, target_kind)
    expect_accepted(client, signed(header_part, payload), "checking scopes")
    read_only = bearer(signed(header_part, {**payload, "scope": "vault:read"}))
    client.get("/documents", headers=read_only).expect_status(200)
    body = {"title": unique("Read-only"), "content": "x", "secret_level": 1}
    client.post("/documents", json=body, headers=read_only).expect_error(403)
    write_only = bearer(signed(header_part, {**payload, "scope": "vault:write"}))
    client.get("/documents", headers=write_only).expect_error(403)
    nothing = bearer(signed(header_part, {**payload, "scope": ""}))
    client.get("/documents", headers=nothing).expect_error(403)


@checkpoint(
    "unknown-subject-401",
    requires="signed-with-jwt-secret-key",
    hint="Look the user up by claims['sub'] with USERS.get(...): a token for a user who does "
    "not exist (any more) is a 401, not a KeyError and a 500.",
)
def test_unknown_subject_401(client, target_kind):
    """A correctly signed token for a user who does not exist answers 401"""
    header_part, payload = real_key_parts(client, target_kind)
    expect_accepted(client, signed(header_part, payload), "this check")
    ghost = {**payload, "sub": f"ghost-{uuid.uuid4().hex[:8]}"}
    r = client.get("/documents", headers=bearer(signed(header_part, ghost)))
    expect_unauthorized(r, f"a correctly signed token whose sub, {ghost['sub']!r}, is no user")


# -- the attack suite ----------------------------------------------------------------------


@checkpoint(
    "attack-alg-none",
    requires="token-issued",
    hint="Never let the token choose how it is checked: jwt.decode(token, key, algorithms="
    '["HS256"]) refuses "alg": "none", however it is spelled.',
)
def test_attack_alg_none(client):
    """Attack: a token with "alg": "none" (no signature) is refused with 401"""
    token = token_for(client, "alice")
    expect_accepted(client, token, "refusing forged ones")
    _, payload, _, payload_part, signature = split_token(token)
    raised = encode_json({**payload, "scope": "vault:read vault:write admin", "clearance": 5})
    for alg in ("none", "None", "NONE", "nOnE"):
        unsigned = encode_json({"alg": alg, "typ": "JWT"})
        for forged, what in (
            (f"{unsigned}.{payload_part}.", "no signature"),
            (f"{unsigned}.{payload_part}.{signature}", "the old signature left in place"),
        ):
            r = client.get("/documents", headers=bearer(forged))
            expect_unauthorized(r, f'alice\'s token with "alg": "{alg}" and {what}')
        r = client.get("/admin/users", headers=bearer(f"{unsigned}.{raised}."))
        expect_unauthorized(r, f'an unsigned ("alg": "{alg}") token claiming the admin scope')


@checkpoint(
    "attack-wrong-key",
    requires="token-issued",
    hint="Decode with the key: jwt.decode(token, app.config['JWT_SECRET_KEY'], algorithms="
    "['HS256']). Never options={'verify_signature': False}, and never jwt.get_unverified_"
    "header/claims to decide anything.",
)
def test_attack_wrong_key(client):
    """Attack: a token signed with another key is refused with 401"""
    token = token_for(client, "alice")
    expect_accepted(client, token, "refusing forged ones")
    _, payload, header_part, _, _ = split_token(token)
    other_key = os.urandom(32)
    forged = signed(header_part, payload, other_key)
    r = client.get("/documents", headers=bearer(forged))
    expect_unauthorized(r, "alice's token signed again with a key the checker made up")
    admin = signed(header_part, {**payload, "scope": "vault:read vault:write admin"}, other_key)
    r = client.get("/admin/users", headers=bearer(admin))
    expect_unauthorized(r, "a token with the admin scope, signed with a made-up key")


@checkpoint(
    "attack-expired",
    requires="signed-with-jwt-secret-key",
    hint="jwt.decode checks exp for you (ExpiredSignatureError, a kind of InvalidTokenError) "
    'unless you turn it off: never options={"verify_exp": False}, and no large leeway.',
)
def test_attack_expired(client, target_kind):
    """Attack: an expired token, correctly signed, is refused with 401"""
    header_part, payload = real_key_parts(client, target_kind)
    expect_accepted(client, signed(header_part, payload), "refusing expired ones")
    now = int(time.time())
    expired = {**payload, "iat": now - 25 * 60, "exp": now - 10 * 60}
    r = client.get("/documents", headers=bearer(signed(header_part, expired)))
    expect_unauthorized(r, "a correctly signed token whose exp was 10 minutes ago")


@checkpoint(
    "attack-no-exp",
    requires="signed-with-jwt-secret-key",
    hint='PyJWT checks exp only if it is there: ask for it with options={"require": '
    '["exp", "iat", "sub"]}, or a token without exp is valid forever.',
)
def test_attack_no_exp(client, target_kind):
    """Attack: a correctly signed token without exp is refused with 401"""
    header_part, payload = real_key_parts(client, target_kind)
    expect_accepted(client, signed(header_part, payload), "refusing tokens without exp")
    forever = {key: value for key, value in payload.items() if key != "exp"}
    r = client.get("/documents", headers=bearer(signed(header_part, forever)))
    expect_unauthorized(r, "a correctly signed token without exp (it would never expire)")


@checkpoint(
    "attack-tampered-payload",
    requires="token-issued",
    hint="The signature covers the header and the payload: jwt.decode with your key refuses "
    "a token whose payload was changed. A JWT is signed, not encrypted: anyone can read and "
    "rewrite its payload, only the signature says it is yours.",
)
def test_attack_tampered_payload(client):
    """Attack: a token whose payload was changed (scope, clearance or sub raised) with the old
    signature is refused with 401"""
    token = token_for(client, "alice")
    expect_accepted(client, token, "refusing tampered ones")
    _, payload, header_part, _, signature = split_token(token)
    for change in (
        {"scope": "vault:read vault:write admin"},
        {"clearance": 5},
        {"sub": "admin"},
    ):
        forged = f"{header_part}.{encode_json({**payload, **change})}.{signature}"
        what = f"alice's token changed to {change} with the old signature"
        expect_unauthorized(client.get("/admin/users", headers=bearer(forged)), what)
        expect_unauthorized(client.get("/documents", headers=bearer(forged)), what)


@checkpoint(
    "attack-token-in-query",
    requires="token-issued",
    hint="Read the token from the Authorization header only: URLs end up in server logs, "
    "browser history and Referer headers, so a token in the query string leaks.",
)
def test_attack_token_in_query(client):
    """Attack: a valid token in the query string instead of the header is ignored (401)"""
    token = token_for(client, "alice")
    expect_accepted(client, token, "ignoring a token in the URL")
    for name in ("access_token", "token", "jwt"):
        r = client.get("/documents", query={name: token})
        expect_unauthorized(r, f"a valid token in the URL (?{name}=...) and none in the header")
    body = {"title": unique("Via URL"), "content": "x", "secret_level": 1}
    r = client.post("/documents", query={"access_token": token}, json=body)
    expect_unauthorized(r, "POST /documents with the token in the URL (?access_token=...)")


@checkpoint(
    "attack-brute-force",
    requires="token-issued",
    hint='Limit POST /token per username: @limiter.limit("5 per minute", key_func=<the '
    "username from the JSON body>, deduct_when=lambda response: response.status_code == "
    "401). Counting per username (not per address) stops the guessing without locking out "
    "everyone behind the same address.",
)
def test_attack_brute_force(client):
    """Attack: after 5 failed logins for one username within a minute, the next attempt
    answers 429, and other users still log in"""
    intruder = f"intruder-{uuid.uuid4().hex[:8]}"
    for attempt in range(1, 6):
        r = login(client, intruder, f"guess-{attempt}")
        if r.status_code == 429:
            fail(
                f"expected 401 for failed attempt {attempt} of {intruder!r}, a username that had "
                "never been tried before, not 429: 5 failed attempts are allowed per username",
                hint="Your limit counts more than this username's failed logins: everyone's, "
                "a client address's (get_remote_address), or successful logins as well.",
                response=r,
            )
        r.expect_error(401)
    login(client, intruder, "guess-6").expect_error(429)
    r = login(client, "alice", PASSWORDS["alice"])
    expect(
        r.status_code == 200,
        "alice to log in while another username is locked out",
        r.status_line,
        hint="Count failed logins per username, whether or not the user exists, and never "
        "per client address: everyone in a school shares one address.",
        response=r,
    )


# -- passwords and the key, checked in the app's folder ------------------------------------

#: Run in the app's folder: spies on argon2's PasswordHasher.verify while alice logs in.
SPY_SCRIPT = r"""
import json
import argon2

seen = []
original = argon2.PasswordHasher.verify


def spy(self, *args, **kwargs):
    stored = kwargs.get("hash", args[0] if args else None)
    seen.append(stored.decode() if isinstance(stored, bytes) else str(stored))
    return original(self, *args, **kwargs)


argon2.PasswordHasher.verify = spy
import app as module

seen.clear()
client = module.app.test_client()
r = client.post("/token", json={"username": "alice", "password": "alice123"})
print("MISSION-SPY " + json.dumps({"status": r.status_code, "hashes": seen}))
"""


@checkpoint(
    "passwords-argon2id",
    requires="token-issued",
    hint="Keep only password_hasher.hash(password) (argon2-cffi's PasswordHasher, Argon2id by "
    "default) and check a login with password_hasher.verify(stored_hash, password), catching "
    "argon2.exceptions.VerificationError.",
)
def test_passwords_argon2id(run_command):
    """Passwords are stored as Argon2id hashes: a login checks alice's password with
    PasswordHasher.verify against an Argon2id hash"""
    done = run_command("python -", input=SPY_SCRIPT, timeout=60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("MISSION-SPY ")]
    expect(
        done.exit_code == 0 and lines,
        "a script that imports app.py and logs alice in through app.test_client() to run",
        f"exit code {done.exit_code}:\n{done.output[-1500:]}",
    )
    result = json.loads(lines[-1].removeprefix("MISSION-SPY "))
    expect_equal(result["status"], 200, "the status of alice's login (through the test client)")
    hashes = result["hashes"]
    expect(
        hashes,
        "alice's password to be checked with PasswordHasher.verify(stored_hash, password)",
        "a login that never called it: is the password stored and compared in plain text?",
    )
    expect(
        any(h.startswith("$argon2id$") for h in hashes),
        "an Argon2id hash (it starts with $argon2id$)",
        ", ".join(repr(h[:30]) for h in hashes),
    )


@checkpoint(
    "short-key-refused",
    hint="At start-up: key = os.environ.get('JWT_SECRET_KEY'); if len(key.encode()) < 32, "
    "raise RuntimeError(...) naming the variable. A short HMAC key can be guessed offline "
    "from any one token.",
)
def test_short_key_refused(run_command):
    """The app refuses to start with a JWT_SECRET_KEY shorter than 32 bytes"""
    short = run_command("python -c 'import app'", env={"JWT_SECRET_KEY": "k" * 31}, timeout=60)
    expect(
        short.exit_code not in (0, None),
        "`python -c 'import app'` to fail with JWT_SECRET_KEY of 31 bytes",
        f"exit code {short.exit_code}",
    )
    expect(
        "JWT_SECRET_KEY" in short.stderr,
        "the error to name the variable, JWT_SECRET_KEY, so whoever starts the app knows "
        "what to fix",
        short.stderr.strip()[-300:] or "nothing on standard error",
    )
    ok = run_command("python -c 'import app'", env={"JWT_SECRET_KEY": "k" * 32}, timeout=60)
    expect(
        ok.exit_code == 0,
        "`python -c 'import app'` to work with JWT_SECRET_KEY of 32 bytes",
        f"exit code {ok.exit_code}:\n{ok.output[-1500:]}",
    )


DEFAULT_KEY_PROBE = r"""
import base64, hashlib, hmac, json, os, sys
os.environ.pop("JWT_SECRET_KEY", None)
sys.path.insert(0, os.getcwd())
import app as module
print("--- imported ---", file=sys.stderr, flush=True)
r = module.app.test_client().post("/token", json={"username": "alice", "password": "alice123"})
token = (r.get_json(silent=True) or {}).get("access_token") or ""
head, _, rest = token.partition(".")
body, _, signature = rest.partition(".")
key = b"dev-only-a10-key-replace-me-before-deploying"
mac = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
wanted = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
default = hmac.compare_digest(wanted, signature)
print(json.dumps({"status": r.status_code, "signed_with_default": default}))
"""


@checkpoint(
    "default-key-warns",
    hint="When os.environ.get('JWT_SECRET_KEY') is None, log a warning "
    "(app.logger.warning(...)) and use the README's development key: it is public, so whoever "
    "starts the app must be told.",
)
def test_default_key_warns(run_command):
    """Without JWT_SECRET_KEY the app starts with the development key and logs a warning"""
    done = run_command(["python", "-c", DEFAULT_KEY_PROBE], timeout=60)
    if done.exit_code != 0 or "--- imported ---" not in done.stderr:
        fail(
            "expected `import app` to work without JWT_SECRET_KEY (the development key is "
            f"used), but it stopped (exit code {done.exit_code}):\n{done.output[-1500:]}"
        )
    before = done.stderr.split("--- imported ---")[0]
    expect(
        re.search(r"warn", before, re.IGNORECASE) is not None,
        "a warning on standard error when the app starts without JWT_SECRET_KEY",
        before.strip()[-300:] or "nothing on standard error",
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    expect(
        report["status"] == 200 and report["signed_with_default"],
        "alice's token, without JWT_SECRET_KEY, signed with the development key "
        "dev-only-a10-key-replace-me-before-deploying",
        f"POST /token answered {report['status']}"
        + ("" if report["status"] != 200 else ", a token signed with another key"),
    )
