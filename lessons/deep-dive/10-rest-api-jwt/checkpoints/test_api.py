"""Checkpoints for d10 · A REST API with JWT.

Each checkpoint registers its own users through the d08 register form (names no other
checkpoint uses) and then talks JSON to /api/v1, so they pass in any order on a database
that already holds posts. Tokens the checkpoints forge are signed with the JWT_SECRET_KEY
that lesson.toml gives the app ([check] env).
"""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from urllib.parse import urlsplit

from mission_control.check import Form, checkpoint, expect, expect_equal, fail, visit

CHECK_KEY = "mission-check-d10-signing-key-0123456789abcdef"
PASSWORD = "correct horse battery"
API = "/api/v1"
ERROR_HINT = (
    'Answer every API error as {"error": "<code>", "message": "<text>"}: register a JSON '
    "handler for each status on the api blueprint, and send the 404 and 405 of unknown "
    "URLs under /api/ through it too (the app-wide handlers see them first)."
)
TOKEN_HINT = (
    'jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)}, '
    'app.config["JWT_SECRET_KEY"], algorithm="HS256"), with JWT_SECRET_KEY from the '
    "environment variable of that name."
)
DECODE_HINT = (
    'jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "iat", '
    '"sub"]}); any jwt.InvalidTokenError is a 401 with WWW-Authenticate: Bearer.'
)
SCHEMA_HINT = (
    "Load the body with a marshmallow schema whose fields call the same rules as the "
    'form (app/rules.py); a ValidationError is a 422 with "fields": error.messages.'
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
    """A new user through the d08 register form; their username."""
    username = unique()
    page = visit(client, "/auth/register", follow=False).expect_status(200).html()
    for element in page.select("form"):
        if element.select('[name="confirm"]'):
            values = {"username": username, "email": f"{username}@example.com"}
            values.update(password=PASSWORD, confirm=PASSWORD)
            Form(element, page).submit(client, values).response.expect_status(302)
            return username
    fail("expected the register form of d08 on /auth/register")


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
    post["tags"] = ["api", "json"]
    post.update(changes)
    return post


def create(client, token, **changes):
    post = new_post(**changes)
    response = client.post(f"{API}/posts", json=post, headers=auth(token))
    response.expect_status(201, hint=SCHEMA_HINT)
    return response.expect_json(dict), post


def expect_api_error(response, status, code, what, hint=ERROR_HINT):
    expect_equal(response.status_code, status, f"the status of {what}", response=response)
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
    return urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")


# -- errors and tokens ---------------------------------------------------------------------


@checkpoint("error-shape", hint=ERROR_HINT)
def test_error_shape(client):
    """API errors are JSON {"error", "message"}: not_found 404, method_not_allowed 405,
    unsupported_media_type 415"""
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


@checkpoint("token", hint=TOKEN_HINT)
def test_token(client, database):
    """POST /api/v1/tokens → 200 {access_token, token_type: Bearer, expires_in: 900}: an
    HS256 JWT with sub (the user id as a string), iat and exp"""
    username = register(client)
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
    user_id = database.scalar(
        f'SELECT id FROM "user" WHERE username = {database.param}', (username,)
    )
    expect_equal(claims.get("sub"), str(user_id), "the token's sub (the user id, a string)")
    for claim in ("iat", "exp"):
        expect(isinstance(claims.get(claim), int), f"a whole-number {claim} claim", str(claims))
    expect_equal(claims["exp"] - claims["iat"], 900, "exp - iat (seconds)")
    expect(abs(claims["iat"] - time.time()) < 300, "iat to be now", str(claims["iat"]))


@checkpoint("token-refuses", hint=TOKEN_HINT, requires="token")
def test_token_refuses(client):
    """A wrong password or an unknown email → 401 unauthorized, with WWW-Authenticate"""
    username = register(client)
    for what, email, password in (
        ("a wrong password", f"{username}@example.com", "wrong password"),
        ("an unknown email", f"{unique()}@example.com", PASSWORD),
    ):
        response = client.post(f"{API}/tokens", json={"email": email, "password": password})
        expect_api_error(response, 401, "unauthorized", f"POST /api/v1/tokens with {what}")


@checkpoint("bad-tokens", hint=DECODE_HINT, requires="token")
def test_bad_tokens(client, database):
    """Forged, expired, alg none, wrong-key, exp-less and sub-less tokens → 401"""
    username = register(client)
    good = token_for(client, username)
    user_id = str(
        database.scalar(f'SELECT id FROM "user" WHERE username = {database.param}', (username,))
    )
    now = int(time.time())
    head, payload, signature = good.split(".")
    other = json.loads(unb64(payload))
    other["sub"] = str(int(user_id) + 1)
    forged = f"{head}.{b64(json.dumps(other).encode())}.{signature}"
    cases = {
        "no token": None,
        "a forged token (another sub, the old signature)": forged,
        "an expired token": sign({"sub": user_id, "iat": now - 2000, "exp": now - 1000}),
        "a token with alg none": sign(
            {"sub": user_id, "iat": now, "exp": now + 900}, header={"alg": "none", "typ": "JWT"}
        ),
        "a token signed with another key": sign(
            {"sub": user_id, "iat": now, "exp": now + 900}, key="not-the-key-" + "x" * 32
        ),
        "a token without exp": sign({"sub": user_id, "iat": now}),
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
        headers=auth(sign({"sub": user_id, "iat": now, "exp": now + 900})),
    )
    expect_equal(
        response.status_code,
        201,
        "the status of POST /api/v1/posts with a token signed with JWT_SECRET_KEY",
        response=response,
        hint=TOKEN_HINT,
    )


# -- posts ---------------------------------------------------------------------------------


def expect_post(item, what):
    keys = {"id", "title", "body", "category", "tags", "author", "created_at", "url"}
    expect(
        isinstance(item, dict) and keys <= set(item),
        f"{what} to have the keys {sorted(keys)}",
        repr(item)[:300],
    )
    expect(
        ISO_Z.fullmatch(str(item["created_at"])),
        f"created_at of {what} in ISO 8601, UTC, with Z",
        repr(item["created_at"]),
        hint=".astimezone(UTC).isoformat() with +00:00 replaced by Z",
    )
    expect(
        path_of(item["url"]) == f"{API}/posts/{item['id']}",
        f"url of {what} to be {API}/posts/<id>",
        repr(item["url"]),
    )


@checkpoint(
    "list-posts",
    hint="db.paginate(select(Post)...newest first, page=page, "
    "per_page=per_page, error_out=False); links from url_for(..., page=...).",
    requires="create-post",
)
def test_list_posts(client, database):
    """GET /api/v1/posts?page=&per_page= → posts newest first, total, page, per_page, pages
    and links; bad values → 400"""
    username = register(client)
    token = token_for(client, username)
    for _ in range(3):
        create(client, token)
    body = client.get(f"{API}/posts", query={"per_page": 2}).expect_status(200).expect_json(dict)
    for key in ("posts", "total", "page", "per_page", "pages", "links"):
        expect(key in body, f'a "{key}" in the list', str(sorted(body)))
    total = database.scalar("SELECT count(*) FROM post")
    expect_equal(
        (body["total"], body["page"], body["per_page"], body["pages"]),
        (total, 1, 2, (total + 1) // 2),
        "total, page, per_page and pages",
    )
    newest = [
        r["id"]
        for r in database.query("SELECT id FROM post ORDER BY created_at DESC, id DESC LIMIT 4")
    ]
    expect_equal(
        [p.get("id") for p in body["posts"]], newest[:2], "the ids on page 1 (newest first)"
    )
    for item in body["posts"]:
        expect_post(item, "a post in the list")
    links = body["links"]
    expect(links.get("prev") is None, "links.prev to be null on page 1", repr(links.get("prev")))
    expect(links.get("next"), "links.next on page 1", repr(links))
    second = client.get(path_of(links["next"])).expect_status(200).expect_json(dict)
    expect_equal([p.get("id") for p in second["posts"]], newest[2:4], "the ids behind links.next")
    expect(second["links"].get("prev"), "links.prev on page 2", repr(second["links"]))
    last = body["pages"]
    end = client.get(f"{API}/posts", query={"per_page": 2, "page": last})
    end_body = end.expect_status(200).expect_json(dict)
    expect(
        (end_body.get("links") or {}).get("next", "missing") is None,
        f"links.next to be null on the last page (page {last} of {last}, per_page=2)",
        repr(end_body.get("links")),
        response=end,
        hint="next only when pagination.has_next; None (JSON null) on the last page.",
    )
    default = client.get(f"{API}/posts").expect_json(dict)
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
        )


# Each is read by int() as a number in range, or makes int() raise, or is a number past the
# bound that a database OFFSET cannot hold: only a check of ASCII digits refuses them all.
NOT_NUMBERS = (
    (" 2", "a space: int() skips it"),
    ("+2", "a sign: int() reads it as 2"),
    ("1_0", "an underscore: int() reads it as 10"),
    ("", "empty"),
    ("\u0662", "\u0662, an Arabic-Indic 2: int() reads it as 2"),
    ("\uff12", "\uff12, a full-width 2: int() reads it as 2"),
    ("\u00b2", "\u00b2: str.isdigit() says True, then int() raises"),
    ("9" * 20, "20 digits: past the bound, and too big for a database OFFSET"),
    ("9" * 5000, "5000 digits: int() refuses that many"),
)
PARAMS_HINT = (
    "Read the text yourself: raw = request.args.get(name); accept it only when "
    "raw.isascii() and raw.isdigit() and it has a few digits at most, then check the range "
    "with int(raw); raise the 400 for anything else."
)


@checkpoint("list-params-invalid", hint=PARAMS_HINT)
def test_list_params_invalid(client):
    """GET /api/v1/posts: page 1 to 1,000,000 and per_page 1 to 100, in ASCII digits only;
    anything else (other scripts' digits, signs, spaces, 20 digits) → 400, never a 500"""
    for query, wanted in (({"per_page": 1}, 1), ({"per_page": 100}, 100)):
        body = client.get(f"{API}/posts", query=query).expect_status(200).expect_json(dict)
        expect_equal(
            body.get("per_page"), wanted, f"per_page of GET /api/v1/posts?per_page={wanted}"
        )
    far = client.get(f"{API}/posts", query={"page": 1000000}).expect_status(200).expect_json(dict)
    expect_equal(
        (far.get("page"), far.get("posts")),
        (1000000, []),
        "page and posts of GET /api/v1/posts?page=1000000 (the last page allowed, past the end)",
    )
    for name, values in (
        ("page", (("1000001", "one past 1,000,000"), *NOT_NUMBERS)),
        ("per_page", (("101", "one past 100"), *NOT_NUMBERS)),
    ):
        for value, why in values:
            shown = value if len(value) <= 24 else value[:12] + f"... ({len(value)} digits)"
            expect_api_error(
                client.get(f"{API}/posts", query={name: value}),
                400,
                "bad_request",
                f"GET /api/v1/posts?{name}={shown!r} ({why})",
                hint=PARAMS_HINT,
            )


@checkpoint("create-post", hint=SCHEMA_HINT, requires="token")
def test_create_post(client, database):
    """POST /api/v1/posts with a token → 201 with Location; GET /api/v1/posts/<id> returns
    it; the form's rules refuse bad fields with 422 and "fields"; a body that is not a JSON
    object → 400"""
    username = register(client)
    token = token_for(client, username)
    response = client.post(f"{API}/posts", json=new_post(tags=["api"]), headers=auth(token))
    body = response.expect_status(201, hint=SCHEMA_HINT).expect_json(dict)
    expect_post(body, "the new post")
    expect_equal(body["author"], username, "the new post's author")
    expect_equal(body["tags"], ["api"], "the new post's tags")
    location = response.headers.get("Location") or ""
    expect_equal(
        path_of(location), f"{API}/posts/{body['id']}", "the Location of the 201", response=response
    )
    again = client.get(f"{API}/posts/{body['id']}").expect_status(200).expect_json(dict)
    expect_equal(again.get("title"), body["title"], "the title from GET /api/v1/posts/<id>")
    cases = {
        "title": [{"title": "Four"}, {"title": "Buy SpAm " + unique()}, {"title": "x" * 121}],
        "body": [{"body": ""}],
        "category": [{"category": "sports"}],
        "tags": [{"tags": ["a", "b", "c", "d", "e", "f"]}, {"tags": ["Not OK"]}],
    }
    for field, changes_list in cases.items():
        for changes in changes_list:
            sent = new_post(**changes)
            answer = client.post(f"{API}/posts", json=sent, headers=auth(token))
            what = f"POST /api/v1/posts with {json.dumps(changes)[:60]}"
            error = expect_api_error(answer, 422, "validation_error", what, hint=SCHEMA_HINT)
            expect(
                isinstance(error.get("fields"), dict) and field in error["fields"],
                f'"fields" of {what} to name {field!r}',
                repr(error.get("fields")),
                hint=SCHEMA_HINT,
            )
            count = database.scalar(
                f"SELECT count(*) FROM post WHERE title = {database.param}", (sent["title"],)
            )
            expect_equal(count, 0, f"posts stored by {what}")
    expect_api_error(
        client.post(f"{API}/posts", json=[1, 2], headers=auth(token)),
        400,
        "bad_request",
        "POST /api/v1/posts with a JSON array",
    )


@checkpoint(
    "author-only",
    hint="Compare post.author with the token's user: 403 for anyone else, in PATCH and DELETE.",
    requires="create-post",
)
def test_author_only(client):
    """PATCH and DELETE /api/v1/posts/<id>: the author only (403 forbidden for another
    user); PATCH changes what it sends, DELETE → 204 and then 404"""
    author = token_for(client, register(client))
    other = token_for(client, register(client))
    post, _ = create(client, author)
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
        (body.get("title"), body.get("body")),
        ("A better title", post["body"]),
        "the title and body after PATCH of the title only",
    )
    expect_api_error(
        client.patch(path, json={"category": "sports"}, headers=auth(author)),
        422,
        "validation_error",
        "PATCH with the category sports",
        hint=SCHEMA_HINT,
    )
    deleted = client.delete(path, headers=auth(author))
    expect_equal(deleted.status_code, 204, "the status of DELETE by the author", response=deleted)
    expect_api_error(client.get(path), 404, "not_found", "GET of a deleted post")


@checkpoint(
    "post-id-overflow",
    hint="PostgreSQL's integer stops at 2147483647, and a bigger id sent to it is a DataError "
    "(a 500): answer 404 for such an id before the query, where you look the post up. "
    "(max= on the three rules is not enough: Werkzeug answers the PATCH with a 405.)",
    requires="create-post",
)
def test_post_id_overflow(client):
    """GET, PATCH and DELETE /api/v1/posts/<id> of an id past what the database holds
    (99999999999, 20 digits) → 404 not_found, never a 500"""
    token = token_for(client, register(client))
    post, _ = create(client, token)
    client.get(f"{API}/posts/{post['id']}").expect_status(200)
    for post_id in ("2147483648", "99999999999", "9" * 20):
        path = f"{API}/posts/{post_id}"
        expect_api_error(client.get(path), 404, "not_found", f"GET {path}")
        expect_api_error(
            client.patch(path, json={"title": "Not a post at all"}, headers=auth(token)),
            404,
            "not_found",
            f"PATCH {path}",
        )
        expect_api_error(
            client.delete(path, headers=auth(token)), 404, "not_found", f"DELETE {path}"
        )


# -- the document and the queries ----------------------------------------------------------

VALIDATE = r"""
import json, sys
from openapi_spec_validator import validate
try:
    validate(json.loads(sys.stdin.read()))
except Exception as error:
    print("INVALID", str(error).splitlines()[0][:400])
else:
    print("VALID")
"""
OPERATIONS = {
    "/tokens": {"post"},
    "/posts": {"get", "post"},
    "/posts/{}": {"get", "patch", "delete"},
}


@checkpoint(
    "openapi",
    hint="Build the document from your schemas: components.schemas from "
    "the marshmallow fields, and one entry in paths for each route and method.",
)
def test_openapi(client, run_command):
    """GET /api/v1/openapi.json is a valid OpenAPI 3.1 document listing every path and
    method of the API"""
    response = client.get(f"{API}/openapi.json").expect_status(200)
    document = response.expect_json(dict)
    expect(
        str(document.get("openapi", "")).startswith("3.1"),
        '"openapi": "3.1.x"',
        repr(document.get("openapi")),
    )
    done = run_command(["python", "-c", VALIDATE], input=response.text, timeout=60)
    verdict = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.output
    expect(verdict == "VALID", "openapi-spec-validator to accept the document", verdict)
    found = {}
    for path, item in (document.get("paths") or {}).items():
        short = re.sub(r"\{[^}]+\}", "{}", path.removeprefix(API))
        found[short] = {m for m in item if m in ("get", "post", "patch", "delete", "put")}
    for path, methods in OPERATIONS.items():
        missing = methods - found.get(path, set())
        expect(
            not missing,
            f"the document to list {path.replace('{}', '{id}')} with {', '.join(sorted(methods))}",
            f"no {', '.join(sorted(missing))}" if path in found else "no such path",
        )


def queries(response):
    value = response.expect_header(
        "X-DB-Queries", lambda v: v.strip().isdigit(), expected="a whole number (d07)"
    )
    return int(value)


@checkpoint(
    "constant-queries",
    hint="The list must load authors and tags with the posts: "
    "select(Post).options(joinedload(Post.author), selectinload(Post.tags)).",
    requires="create-post",
)
def test_constant_queries(client):
    """GET /api/v1/posts runs as many queries for 10 posts (by different authors, with tags)
    as for 1"""
    for _ in range(5):
        token = token_for(client, register(client))
        for _ in range(2):
            create(client, token, tags=["x", unique("t")[:12]])
    one = client.get(f"{API}/posts", query={"per_page": 1}).expect_status(200)
    ten = client.get(f"{API}/posts", query={"per_page": 10}).expect_status(200)
    expect_equal(
        queries(ten),
        queries(one),
        f"X-DB-Queries for 10 posts (it was {queries(one)} for 1)",
        response=ten,
    )
