"""Checkpoints for d14 · The same blog in Flask, Django and FastAPI: the JSON API.

The same checkpoints run against every app of the lesson (flask, django, fastapi). They
speak HTTP only, so they cannot tell which framework answers: each registers its own users
through POST /api/v1/users (names no other checkpoint uses), so they pass in any order on a
database that already holds posts. Tokens they forge are signed with the JWT_SECRET_KEY
that lesson.toml gives every app ([check] env).
"""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from urllib.parse import urlsplit

from mission_control.check import checkpoint, expect, expect_equal

CHECK_KEY = "mission-check-d14-signing-key-0123456789abcdef"
PASSWORD = "correct horse battery"
API = "/api/v1"
ERROR_HINT = (
    'Answer every API error as {"error": "<code>", "message": "<text>"}. Each framework has '
    "its own default (Flask an HTML page, Django an HTML page or plain text, FastAPI "
    '{"detail": ...}): replace it with a handler of your own for every status, the 404 and '
    "405 of unknown URLs under /api/ included."
)
USERS_HINT = (
    "POST /api/v1/users takes a JSON object with username, email and password and answers "
    '201 {"id", "username"}.'
)
TOKEN_HINT = (
    'jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)}, '
    'JWT_SECRET_KEY, algorithm="HS256"), the key from the environment variable of that name.'
)
DECODE_HINT = (
    'jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "iat", '
    '"sub"]}); any jwt.InvalidTokenError is a 401 with WWW-Authenticate: Bearer.'
)
RULES_HINT = (
    "Check every field with the spec's rules (Django: in the view or a form; FastAPI: the "
    'Pydantic model) and answer 422 {"error": "validation_error", "message", "fields": '
    '{"<field>": ["..."]}}; FastAPI\'s own 422 must be turned into that shape.'
)
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims, key=CHECK_KEY, header=None):
    """A JWT signed with HS256 (or not at all, for alg none)."""
    header = header or {"alg": "HS256", "typ": "JWT"}
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    if header["alg"] == "none":
        return head + "."
    signature = hmac.new(key.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + b64(signature)


def register(client):
    """A new user through POST /api/v1/users: (their username, their id)."""
    username = unique()
    sent = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = client.post(f"{API}/users", json=sent)
    body = response.expect_status(201, hint=USERS_HINT).expect_json(dict, hint=USERS_HINT)
    expect(
        isinstance(body.get("id"), int) and not isinstance(body.get("id"), bool),
        'the new user\'s "id" (a whole number)',
        repr(body.get("id")),
        response=response,
        hint=USERS_HINT,
    )
    return username, body["id"]


def token_for(client, username):
    response = client.post(
        f"{API}/tokens", json={"email": f"{username}@example.com", "password": PASSWORD}
    )
    response.expect_status(200, hint=TOKEN_HINT)
    return response.expect_json(dict)["access_token"]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def new_post(**changes):
    post = {"title": unique("API post "), "body": "Some text.", "category": "news"}
    post.update(changes)
    return post


def create(client, token, **changes):
    post = new_post(**changes)
    response = client.post(f"{API}/posts", json=post, headers=auth(token))
    response.expect_status(201, hint=RULES_HINT)
    return response.expect_json(dict)


def expect_api_error(response, status, code, what, hint=ERROR_HINT):
    expect_equal(
        response.status_code, status, f"the status of {what}", response=response, hint=hint
    )
    body = response.expect_json(dict, hint=hint)
    expect_equal(body.get("error"), code, f'"error" of {what}', response=response, hint=hint)
    expect(
        isinstance(body.get("message"), str) and body["message"],
        f'a "message" (text) in the answer to {what}',
        repr(body.get("message")),
        response=response,
        hint=hint,
    )
    if status == 401:
        value = response.headers.get("WWW-Authenticate") or ""
        expect(
            value.lower().startswith("bearer"),
            f"WWW-Authenticate: Bearer on the 401 of {what}",
            value or "no header",
            response=response,
            hint="Add the header to every 401 of the API.",
        )
    return body


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- errors, users and tokens ----------------------------------------------------------------


@checkpoint("error-shape", hint=ERROR_HINT)
def test_error_shape(client):
    """API errors are JSON {"error", "message"}: not_found 404 (an unknown URL under /api/v1
    too), method_not_allowed 405, unsupported_media_type 415, bad_request 400"""
    expect_api_error(
        client.get(f"{API}/{unique('nothing')}"),
        404,
        "not_found",
        "GET of an unknown URL under /api/v1",
    )
    expect_api_error(
        client.get(f"{API}/posts/999999999"), 404, "not_found", "GET /api/v1/posts/999999999"
    )
    expect_api_error(
        client.delete(f"{API}/tokens"), 405, "method_not_allowed", "DELETE /api/v1/tokens"
    )
    expect_api_error(
        client.post(
            f"{API}/tokens",
            data="email=a",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
        "unsupported_media_type",
        "POST /api/v1/tokens with a form instead of JSON",
    )
    expect_api_error(
        client.post(f"{API}/users", json=["not", "an", "object"]),
        400,
        "bad_request",
        "POST /api/v1/users with a JSON array",
    )


@checkpoint("register", hint=USERS_HINT)
def test_register(client):
    """POST /api/v1/users → 201 {id, username}; a taken username or email, or a bad field,
    → 422 validation_error naming the field"""
    username, _ = register(client)
    cases = {
        "username": [
            {"username": username, "email": f"{unique()}@example.com"},
            {"username": "Not OK!", "email": f"{unique()}@example.com"},
        ],
        "email": [
            {"username": unique(), "email": f"{username}@example.com"},
            {"username": unique(), "email": "no-at-sign"},
        ],
        "password": [
            {"username": unique(), "email": f"{unique()}@example.com", "password": "short"}
        ],
    }
    for field, attempts in cases.items():
        for changes in attempts:
            sent = {"password": PASSWORD, **changes}
            what = f"POST /api/v1/users with {json.dumps(changes)[:70]}"
            error = expect_api_error(
                client.post(f"{API}/users", json=sent),
                422,
                "validation_error",
                what,
                hint=RULES_HINT,
            )
            expect(
                isinstance(error.get("fields"), dict) and field in error["fields"],
                f'"fields" of {what} to name {field!r}',
                repr(error.get("fields")),
                hint=RULES_HINT,
            )


@checkpoint("token", hint=TOKEN_HINT, requires="register")
def test_token(client):
    """POST /api/v1/tokens → 200 {access_token, token_type: Bearer, expires_in: 900}: an
    HS256 JWT with sub (the user id as a string), iat and exp"""
    username, user_id = register(client)
    response = client.post(
        f"{API}/tokens", json={"email": f"{username}@example.com", "password": PASSWORD}
    )
    body = response.expect_status(200).expect_json(dict)
    expect_equal(body.get("token_type"), "Bearer", '"token_type"', response=response)
    expect_equal(body.get("expires_in"), 900, '"expires_in" (15 minutes)', response=response)
    token = body.get("access_token")
    expect(
        isinstance(token, str) and token.count(".") == 2,
        "access_token to be a JWT (three parts)",
        repr(token),
    )
    header, claims = (json.loads(unb64(part)) for part in token.split(".")[:2])
    expect_equal(header.get("alg"), "HS256", "the token's alg")
    expect_equal(claims.get("sub"), str(user_id), "the token's sub (the user id, a string)")
    for claim in ("iat", "exp"):
        expect(isinstance(claims.get(claim), int), f"a whole-number {claim} claim", str(claims))
    expect_equal(claims["exp"] - claims["iat"], 900, "exp - iat (seconds)")
    expect(abs(claims["iat"] - time.time()) < 300, "iat to be now", str(claims["iat"]))


@checkpoint("token-refuses", hint=TOKEN_HINT, requires="token")
def test_token_refuses(client):
    """A wrong password or an unknown email → 401 unauthorized, with WWW-Authenticate"""
    username, _ = register(client)
    for what, email, password in (
        ("a wrong password", f"{username}@example.com", "wrong password"),
        ("an unknown email", f"{unique()}@example.com", PASSWORD),
    ):
        response = client.post(f"{API}/tokens", json={"email": email, "password": password})
        expect_api_error(response, 401, "unauthorized", f"POST /api/v1/tokens with {what}")


@checkpoint("bad-tokens", hint=DECODE_HINT, requires="token")
def test_bad_tokens(client):
    """Forged, expired, alg none, wrong-key, exp-less and sub-less tokens → 401"""
    username, user_id = register(client)
    good = token_for(client, username)
    now = int(time.time())
    head, payload, signature = good.split(".")
    other = json.loads(unb64(payload))
    other["sub"] = str(user_id + 1)
    forged = f"{head}.{b64(json.dumps(other).encode())}.{signature}"
    sub = str(user_id)
    cases = {
        "no token": None,
        "a forged token (another sub, the old signature)": forged,
        "an expired token": sign({"sub": sub, "iat": now - 2000, "exp": now - 1000}),
        "a token with alg none": sign(
            {"sub": sub, "iat": now, "exp": now + 900}, header={"alg": "none", "typ": "JWT"}
        ),
        "a token signed with another key": sign(
            {"sub": sub, "iat": now, "exp": now + 900}, key="not-the-key-" + "x" * 32
        ),
        "a token without exp": sign({"sub": sub, "iat": now}),
        "a token without sub": sign({"iat": now, "exp": now + 900}),
    }
    for what, token in cases.items():
        headers = auth(token) if token else {}
        response = client.post(f"{API}/posts", json=new_post(), headers=headers)
        expect_api_error(
            response, 401, "unauthorized", f"POST /api/v1/posts with {what}", hint=DECODE_HINT
        )
    response = client.post(
        f"{API}/posts",
        json=new_post(),
        headers=auth(sign({"sub": sub, "iat": now, "exp": now + 900})),
    )
    expect_equal(
        response.status_code,
        201,
        "the status of POST /api/v1/posts with a token signed with JWT_SECRET_KEY",
        response=response,
        hint=TOKEN_HINT,
    )


# -- posts -----------------------------------------------------------------------------------


def expect_post(item, what):
    keys = {"id", "title", "body", "category", "author", "created_at", "url"}
    expect(
        isinstance(item, dict) and keys <= set(item),
        f"{what} to have the keys {sorted(keys)}",
        repr(item)[:300],
    )
    expect(
        ISO_Z.fullmatch(str(item["created_at"])),
        f"created_at of {what} in ISO 8601, UTC, with Z",
        repr(item["created_at"]),
        hint="An aware datetime in UTC, .isoformat() with +00:00 replaced by Z.",
    )
    expect(
        path_of(str(item["url"])) == f"{API}/posts/{item['id']}",
        f"url of {what} to be {API}/posts/<id>",
        repr(item["url"]),
    )


@checkpoint("create-post", hint=RULES_HINT, requires="token")
def test_create_post(client):
    """POST /api/v1/posts with a token → 201 with Location; GET /api/v1/posts/<id> returns
    it; bad fields → 422 validation_error naming each; a body that is not a JSON object → 400"""
    username, _ = register(client)
    token = token_for(client, username)
    sent = new_post(category="tech")
    response = client.post(f"{API}/posts", json=sent, headers=auth(token))
    body = response.expect_status(201, hint=RULES_HINT).expect_json(dict)
    expect_post(body, "the new post")
    expect_equal(
        (body["title"], body["body"], body["category"], body["author"]),
        (sent["title"], sent["body"], "tech", username),
        "the new post's title, body, category and author",
        response=response,
    )
    location = response.headers.get("Location") or ""
    expect_equal(
        path_of(location), f"{API}/posts/{body['id']}", "the Location of the 201", response=response
    )
    again = client.get(f"{API}/posts/{body['id']}").expect_status(200).expect_json(dict)
    expect_equal(again.get("title"), body["title"], "the title from GET /api/v1/posts/<id>")
    cases = {
        "title": [{"title": "Four"}, {"title": "Buy SpAm " + unique()}, {"title": "x" * 121}],
        "body": [{"body": ""}, {"body": "x" * 10_001}],
        "category": [{"category": "sports"}],
    }
    for field, attempts in cases.items():
        for changes in attempts:
            post = new_post(**changes)
            what = f"POST /api/v1/posts with {json.dumps(changes)[:60]}"
            error = expect_api_error(
                client.post(f"{API}/posts", json=post, headers=auth(token)),
                422,
                "validation_error",
                what,
                hint=RULES_HINT,
            )
            expect(
                isinstance(error.get("fields"), dict) and field in error["fields"],
                f'"fields" of {what} to name {field!r}',
                repr(error.get("fields")),
                hint=RULES_HINT,
            )
    expect_api_error(
        client.post(f"{API}/posts", json=[1, 2], headers=auth(token)),
        400,
        "bad_request",
        "POST /api/v1/posts with a JSON array",
    )


@checkpoint(
    "list-posts",
    hint="Order by created_at, then id, both descending; slice per_page posts from "
    "(page - 1) * per_page; refuse page < 1 and per_page outside 1..100 with 400.",
    requires="create-post",
)
def test_list_posts(client):
    """GET /api/v1/posts?page=&per_page= → posts newest first, total, page, per_page, pages
    and links; bad values → 400"""
    username, _ = register(client)
    token = token_for(client, username)
    made = [create(client, token)["id"] for _ in range(3)]
    response = client.get(f"{API}/posts", query={"per_page": 2}).expect_status(200)
    body = response.expect_json(dict)
    for key in ("posts", "total", "page", "per_page", "pages", "links"):
        expect(key in body, f'a "{key}" in the list', str(sorted(body)), response=response)
    total = body["total"]
    expect(isinstance(total, int) and total >= 3, "a total of at least 3 posts", repr(total))
    expect_equal(
        (body["page"], body["per_page"], body["pages"]),
        (1, 2, (total + 1) // 2),
        f"page, per_page and pages (for a total of {total})",
        response=response,
    )
    expect_equal(
        [p.get("id") for p in body["posts"]],
        [made[2], made[1]],
        "the ids on page 1 (the two posts just created, newest first)",
        response=response,
    )
    for item in body["posts"]:
        expect_post(item, "a post in the list")
    links = body["links"]
    expect(links.get("prev") is None, "links.prev to be null on page 1", repr(links.get("prev")))
    expect(links.get("next"), "links.next on page 1", repr(links))
    second = client.get(path_of(links["next"])).expect_status(200).expect_json(dict)
    expect_equal(
        [p.get("id") for p in second["posts"]][:1], [made[0]], "the first id behind links.next"
    )
    expect_equal(second.get("page"), 2, "page behind links.next")
    expect(second["links"].get("prev"), "links.prev on page 2", repr(second["links"]))
    default = client.get(f"{API}/posts").expect_status(200).expect_json(dict)
    expect_equal(default.get("per_page"), 20, "per_page without the argument")
    for query in (
        {"per_page": 0},
        {"per_page": 101},
        {"per_page": "ten"},
        {"page": 0},
        {"page": "x"},
    ):
        expect_api_error(
            client.get(f"{API}/posts", query=query),
            400,
            "bad_request",
            f"GET /api/v1/posts?{'&'.join(f'{k}={v}' for k, v in query.items())}",
            hint="page and per_page are checked by your own code: a bad value is a 400 "
            "bad_request (FastAPI's own check would answer 422).",
        )


@checkpoint(
    "author-only",
    hint="Compare the post's author with the token's user: 403 for anyone else, in PATCH "
    "and DELETE.",
    requires="create-post",
)
def test_author_only(client):
    """PATCH and DELETE /api/v1/posts/<id>: the author only (403 forbidden for another
    user); PATCH changes what it sends, DELETE → 204 and then 404"""
    author = token_for(client, register(client)[0])
    other = token_for(client, register(client)[0])
    post = create(client, author)
    path = f"{API}/posts/{post['id']}"
    expect_api_error(
        client.patch(path, json={"title": "Not yours at all"}, headers=auth(other)),
        403,
        "forbidden",
        "PATCH of another user's post",
    )
    expect_api_error(
        client.delete(path, headers=auth(other)), 403, "forbidden", "DELETE of another user's post"
    )
    changed = client.patch(path, json={"title": "A better title"}, headers=auth(author))
    body = changed.expect_status(200).expect_json(dict)
    expect_equal(
        (body.get("title"), body.get("body"), body.get("category")),
        ("A better title", post["body"], post["category"]),
        "the title, body and category after PATCH of the title only",
        response=changed,
    )
    expect_api_error(
        client.patch(path, json={"category": "sports"}, headers=auth(author)),
        422,
        "validation_error",
        "PATCH with the category sports",
        hint=RULES_HINT,
    )
    deleted = client.delete(path, headers=auth(author))
    expect_equal(deleted.status_code, 204, "the status of DELETE by the author", response=deleted)
    expect_api_error(client.get(path), 404, "not_found", "GET of a deleted post")
