"""Checkpoints for a02 · Personal Blog (Flask-SQLAlchemy).

Each one creates the posts it needs under a unique slug and finds them by that slug, so they
pass in any order and against a database that already holds posts.
"""

import json
import shutil
import sqlite3
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from mission_control.check import (
    checkpoint,
    expect,
    expect_equal,
    expect_malformed_json_400,
    expect_method_not_allowed,
    expect_not_json_415,
    expect_object_required,
    expect_unknown_url_404,
    fail,
    same_path,
)

CREATE_HINT = (
    "In create_post, validate the JSON body, add a Post to db.session, commit, and answer "
    '`return jsonify(post.to_dict()), 201, {"Location": url_for("get_post", slug=post.slug)}`.'
)
JSON_ERRORS_HINT = (
    "Register one handler with @app.errorhandler(HTTPException) that answers "
    "jsonify(error=error.description) with error.code, as in lesson a01."
)
UTC_HINT = (
    "Store datetime.now(UTC) and send created_at.isoformat(). SQLite gives a "
    "DateTime back without its time zone, so add it again when you build the JSON: "
    "created_at.replace(tzinfo=UTC) if created_at.tzinfo is None."
)


def unique_slug(words: str = "post") -> str:
    return f"{words}-{uuid.uuid4().hex[:8]}"


def new_post(words: str = "hello world") -> dict:
    slug = unique_slug(words.replace(" ", "-"))
    return {
        "title": words.capitalize(),
        "slug": slug,
        "content": f"All about {words}.\nSecond line.",
    }


def expect_post(post, response) -> dict:
    """Fail unless ``post`` has the shape of a post (created_at is checked on its own)."""
    ok = (
        isinstance(post, dict)
        and isinstance(post.get("id"), int)
        and not isinstance(post.get("id"), bool)
        and isinstance(post.get("title"), str)
        and isinstance(post.get("slug"), str)
        and isinstance(post.get("content"), str)
        and isinstance(post.get("created_at"), str)
    )
    expect(
        ok,
        'a post like {"id": 1, "title": "Hello", "slug": "hello", "content": "…", '
        '"created_at": "2025-05-01T09:30:00.123456+00:00"}',
        repr(post),
        response=response,
    )
    return post


def instant(value: str, response) -> datetime:
    """``created_at`` as an aware datetime; fail unless it is ISO 8601 in UTC with an offset."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        fail(
            f"expected created_at in ISO 8601 (like 2025-05-01T09:30:00+00:00), not {value!r}",
            hint=UTC_HINT,
            response=response,
        )
    expect(
        moment.tzinfo is not None,
        "created_at with its UTC offset (ending in +00:00)",
        f"{value!r}, which has no offset",
        hint=UTC_HINT,
        response=response,
    )
    expect(
        moment.utcoffset().total_seconds() == 0,
        "created_at in UTC (offset +00:00)",
        repr(value),
        hint=UTC_HINT,
        response=response,
    )
    return moment


def same_moment(first: str, second: str) -> bool:
    """Whether two created_at values say the same moment (the format is checked elsewhere)."""
    try:
        one, other = datetime.fromisoformat(first), datetime.fromisoformat(second)
    except ValueError:
        return first == second
    if (one.tzinfo is None) != (other.tzinfo is None):
        return first == second
    return one == other


def expect_same_post(actual, wanted: dict, what: str, response) -> None:
    """Fail unless ``actual`` is the post ``wanted`` (created_at compared as a moment)."""
    expect_post(actual, response)
    for key in ("id", "title", "slug", "content"):
        expect_equal(actual[key], wanted[key], f'"{key}" of {what}', response=response)
    expect(
        same_moment(actual["created_at"], wanted["created_at"]),
        f"created_at of {what} to be {wanted['created_at']!r}",
        repr(actual["created_at"]),
        response=response,
    )


def create(client, words: str = "hello world") -> dict:
    """POST a new post and return it (fails the checkpoint if that does not work)."""
    r = client.post("/posts", json=new_post(words))
    r.expect_status(201, hint=CREATE_HINT)
    return expect_post(r.expect_json(dict, hint=CREATE_HINT), r)


@checkpoint(
    "list-is-json-array",
    hint="list_posts should answer jsonify([post.to_dict() for post in posts]). A 500 here "
    "usually means the table does not exist (the app's log says 'no such table'): call "
    "db.create_all() at the top level of app.py.",
)
def test_list_is_json_array(client):
    """GET /posts answers 200 with a JSON array of posts"""
    r = client.get("/posts")
    r.expect_status(200)
    for post in r.expect_json(list):
        expect_post(post, r)


@checkpoint("create-post", hint=CREATE_HINT)
def test_create_post(client):
    """POST /posts creates a post: 201, the post as JSON, and a Location header"""
    sent = new_post("first post")
    r = client.post("/posts", json=sent)
    r.expect_status(201)
    post = expect_post(r.expect_json(dict), r)
    for key in ("title", "slug", "content"):
        expect_equal(post[key], sent[key], f'"{key}" of the new post', response=r)
    r.expect_header(
        "Location",
        lambda value: same_path(value, f"/posts/{sent['slug']}"),
        expected=f"/posts/{sent['slug']}",
        hint="Add the header with `url_for('get_post', slug=post.slug)`.",
    )


@checkpoint(
    "created-at-utc",
    requires="create-post",
    hint=UTC_HINT,
)
def test_created_at_utc(client):
    """created_at is ISO 8601 in UTC with its offset, also when read back from the database"""
    r = client.post("/posts", json=new_post("timestamps"))
    r.expect_status(201)
    post = expect_post(r.expect_json(dict), r)
    instant(post["created_at"], r)
    r = client.get(f"/posts/{post['slug']}")
    r.expect_status(200)
    instant(expect_post(r.expect_json(dict), r)["created_at"], r)


@checkpoint(
    "create-strips-title",
    requires="create-post",
    hint="Store title.strip(); keep content exactly as it was sent.",
)
def test_create_strips_title(client):
    """POST /posts stores the title without surrounding spaces and the content as sent"""
    sent = new_post("spaces")
    sent["title"] = "   Spaced out  "
    sent["content"] = "  Indented first line\n\nand a blank line.  "
    r = client.post("/posts", json=sent)
    r.expect_status(201)
    post = expect_post(r.expect_json(dict), r)
    expect_equal(post["title"], "Spaced out", "the stored title", response=r)
    expect_equal(post["content"], sent["content"], "the stored content", response=r)


@checkpoint("get-post", requires="create-post", hint="Look the post up by slug and jsonify it.")
def test_get_post(client):
    """GET /posts/<slug> answers 200 with that post"""
    post = create(client, "read me")
    r = client.get(f"/posts/{post['slug']}")
    r.expect_status(200)
    expect_same_post(r.expect_json(dict), post, f"post {post['slug']!r}", r)


@checkpoint(
    "get-unknown-404",
    hint="When no post has this slug, abort(404) (db.one_or_404 does it for you); your "
    "JSON error handler does the rest.",
)
def test_get_unknown_404(client):
    """GET /posts/<slug> answers 404 with a JSON error for a slug no post has"""
    client.get(f"/posts/{unique_slug('no-such-post')}").expect_error(404)


@checkpoint(
    "create-validates-title",
    hint="Check that title is a str and that len(title.strip()) is from 1 to 200; "
    "otherwise abort(400, description=...).",
)
def test_create_validates_title(client):
    """POST /posts answers 400 with a JSON error for a missing, blank, too long or non-text title"""
    for title in ("", "   ", "x" * 201, 42, None, ["Hello"]):
        client.post("/posts", json={**new_post(), "title": title}).expect_error(400)
    body = new_post()
    del body["title"]
    client.post("/posts", json=body).expect_error(400)
    r = client.post("/posts", json={**new_post(), "title": "y" * 200})
    r.expect_status(201, hint="A title of exactly 200 characters is allowed.")


@checkpoint(
    "create-validates-slug",
    hint="Check the slug with re.fullmatch(r'[a-z0-9]+(-[a-z0-9]+)*', slug) and "
    "len(slug) <= 200. re.match with '$' lets a trailing newline through.",
)
def test_create_validates_slug(client):
    """POST /posts answers 400 with a JSON error for a slug that is missing, too long or
    not lower-case words joined by single hyphens"""
    tag = uuid.uuid4().hex[:8]
    for slug in (
        "",
        f"Hello-{tag}",
        f"hello world {tag}",
        f"hello_{tag}",
        f"-hello-{tag}",
        f"hello-{tag}-",
        f"hello--{tag}",
        f"héllo-{tag}",
        f"hello/{tag}",
        f"hello-{tag}\n",
        "a" * 201,
        42,
        None,
    ):
        client.post("/posts", json={**new_post(), "slug": slug}).expect_error(400)
    body = new_post()
    del body["slug"]
    client.post("/posts", json=body).expect_error(400)
    longest = f"{tag}-" + "z" * (200 - len(tag) - 1)
    r = client.post("/posts", json={**new_post(), "slug": longest})
    r.expect_status(201, hint="A slug of exactly 200 characters is allowed.")
    r = client.post("/posts", json={**new_post(), "slug": f"2025-{tag}-0a9"})
    r.expect_status(201, hint="Digits are allowed anywhere in a slug.")


@checkpoint(
    "create-validates-content",
    hint="content must be a str with something in it besides spaces: "
    "isinstance(content, str) and content.strip().",
)
def test_create_validates_content(client):
    """POST /posts answers 400 with a JSON error for missing, empty or non-text content"""
    for content in ("", "  \n ", 42, None, {"text": "Hi"}):
        client.post("/posts", json={**new_post(), "content": content}).expect_error(400)
    body = new_post()
    del body["content"]
    client.post("/posts", json=body).expect_error(400)


def post_raw(client, body: dict):
    """POST ``body`` as JSON with every non-ASCII character escaped, so that a lone
    surrogate goes over the wire as the six characters \\ud800, as any JSON client may."""
    raw = json.dumps(body, ensure_ascii=True)
    return client.post("/posts", data=raw, headers={"Content-Type": "application/json"})


@checkpoint(
    "lone-surrogate-400",
    hint="JSON's \\ud800 escape gives Python a lone surrogate, a str that UTF-8 cannot encode, "
    "and the database refuses it at commit (a 500). Refuse such a title or content with 400: "
    "try value.encode('utf-8') and abort(400) on UnicodeEncodeError.",
)
def test_lone_surrogate_400(client):
    """POST /posts answers 400 for a title or content holding a lone surrogate ("\\ud800"),
    and still takes a real emoji written as a surrogate pair"""
    for key, broken, shown in (
        ("title", "Hello \ud800", "\\ud800"),
        ("content", "\udfff dangling", "\\udfff"),
    ):
        sent = {**new_post("surrogates"), key: broken}
        r = post_raw(client, sent)
        if r.status_code != 400:
            fail(
                f"expected 400 Bad Request for a {key} holding the lone surrogate {shown}, "
                f"not {r.status_line}",
                response=r,
            )
        r.expect_error(400)
        r = client.get(f"/posts/{sent['slug']}")
        r.expect_status(404, hint="The refused post must not have been stored.")
    sent = {**new_post("rocket"), "title": "Lift-off \U0001f680"}
    r = post_raw(client, sent)  # the rocket goes as the pair \ud83d\ude80
    r.expect_status(201, hint="A surrogate pair is one real character (here 🚀): keep it.")
    post = expect_post(r.expect_json(dict), r)
    expect_equal(post["title"], sent["title"], "the stored title", response=r)


@checkpoint(
    "create-needs-object",
    hint="request.get_json() may return a list, a string or a number: "
    "check isinstance(data, dict) before reading fields.",
)
def test_create_needs_object(client):
    """POST /posts answers 400 when the JSON body is not an object"""
    expect_object_required(client, "/posts", ([new_post()], "Hello", 7, None))


@checkpoint(
    "duplicate-slug-409",
    requires="create-post",
    hint="Give slug unique=True in the model; catch sqlalchemy.exc.IntegrityError around "
    "db.session.commit(), call db.session.rollback(), then abort(409).",
)
def test_duplicate_slug_409(client):
    """POST /posts with a slug that exists answers 409, keeps the first post, and the app
    keeps working"""
    post = create(client, "taken slug")
    r = client.post(
        "/posts", json={"title": "Other", "slug": post["slug"], "content": "Another text."}
    )
    r.expect_error(409)
    r = client.get(f"/posts/{post['slug']}")
    r.expect_status(200)
    expect_same_post(r.expect_json(dict), post, "the first post after the 409", r)
    r = client.post("/posts", json=new_post("after the conflict"))
    r.expect_status(
        201,
        hint="After an IntegrityError the session must be rolled back "
        "(db.session.rollback()) before it can be used again.",
    )
    client.get("/posts").expect_status(200)


@checkpoint(
    "list-newest-first",
    requires="create-post",
    hint="select(Post).order_by(Post.created_at.desc(), Post.id.desc()): newest first, "
    "and the id decides between posts created at the same instant.",
)
def test_list_newest_first(client):
    """GET /posts lists every post, newest first"""
    older, newer = create(client, "older"), create(client, "newer")
    r = client.get("/posts")
    r.expect_status(200)
    listed = r.expect_json(list)
    slugs = [post.get("slug") for post in listed if isinstance(post, dict)]
    expect(
        older["slug"] in slugs and newer["slug"] in slugs,
        f"both new posts ({older['slug']!r} and {newer['slug']!r}) in the list",
        response=r,
    )
    expect(
        slugs.index(newer["slug"]) < slugs.index(older["slug"]),
        f"post {newer['slug']!r} (newer) before post {older['slug']!r}",
        response=r,
    )


@checkpoint(
    "delete-post",
    requires="create-post",
    hint='Find the post, db.session.delete(post), db.session.commit(), and `return "", 204`.',
)
def test_delete_post(client):
    """DELETE /posts/<slug> answers 204 with an empty body, and the post is gone"""
    post = create(client, "short lived")
    r = client.delete(f"/posts/{post['slug']}")
    r.expect_status(204)
    r.expect_empty_body()
    client.get(f"/posts/{post['slug']}").expect_error(404)
    client.delete(f"/posts/{post['slug']}").expect_error(404)
    r = client.get("/posts")
    slugs = [item.get("slug") for item in r.expect_json(list) if isinstance(item, dict)]
    expect(post["slug"] not in slugs, f"no post {post['slug']!r} in the list", response=r)


@checkpoint(
    "survives-restart",
    requires="create-post",
    hint="Keep posts in the database, not in a Python list, and commit after adding one: "
    "an SQLite file in the instance folder outlives the process.",
)
def test_survives_restart(client, restart_app):
    """A post is still there after the app restarts"""
    post = create(client, "kept forever")
    restart_app()
    r = client.get(f"/posts/{post['slug']}")
    r.expect_status(200)
    expect_same_post(r.expect_json(dict), post, "the post after a restart", r)


@checkpoint(
    "database-url",
    hint='Read the address with os.environ.get("DATABASE_URL", "sqlite:///blog.db") and call '
    "db.create_all() inside `with app.app_context():` at the top level of app.py.",
)
def test_database_url(run_command):
    """Starting the app creates its tables in the database DATABASE_URL names"""
    folder = Path(tempfile.mkdtemp(prefix="a02-database-url-"))
    database = folder / "check.db"
    url = f"sqlite:///{database}"
    try:
        done = run_command("flask --app app routes", timeout=30, env={"DATABASE_URL": url})
        expect(
            done.exit_code == 0,
            f"`flask --app app routes` with DATABASE_URL={url} to exit with 0",
            f"exit code {done.exit_code}:\n{done.output[-800:]}",
        )
        if not database.exists():
            fail(
                f"`flask --app app routes` with DATABASE_URL={url} created no database file "
                "there: the app must take its database address from DATABASE_URL and create "
                "its tables when it starts"
            )
        connection = sqlite3.connect(database)
        try:
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            tables = [name for (name,) in connection.execute(query)]
        except sqlite3.DatabaseError as error:
            fail(f"expected {database} to be a SQLite database, but it is not ({error})")
        finally:
            connection.close()
        if not tables:
            fail(
                f"`flask --app app routes` with DATABASE_URL={url} left that database without "
                "tables: the app must create its tables when it starts (importing app.py is "
                'enough), not in a route or under `if __name__ == "__main__":`'
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@checkpoint("unknown-url-json-404", hint=JSON_ERRORS_HINT)
def test_unknown_url_json_404(client):
    """An unknown URL answers 404 with a JSON error, not an HTML page"""
    expect_unknown_url_404(client)


@checkpoint("method-not-allowed", hint=JSON_ERRORS_HINT + " Keep error.get_headers() for Allow.")
def test_method_not_allowed(client):
    """A method a route does not accept answers 405 with a JSON error and an Allow header"""
    expect_method_not_allowed(client, "DELETE", "/posts", "GET", "POST")


@checkpoint(
    "not-json-415",
    hint="request.get_json() raises 415 when the Content-Type is not application/json; "
    "let it, and make sure your error handler answers it as JSON.",
)
def test_not_json_415(client):
    """A body not sent as application/json answers 415 with a JSON error"""
    expect_not_json_415(client, "/posts", new_post())


@checkpoint(
    "malformed-json-400",
    hint="request.get_json() raises 400 for JSON that does not parse; your error handler "
    "turns it into a JSON error.",
)
def test_malformed_json_400(client):
    """Malformed JSON answers 400 with a JSON error, JSON nested 100,000 levels deep too"""
    expect_malformed_json_400(client, "/posts", ['{"title": "Hello"'])
    deep = '{"title": ' * 100_000 + '"x"' + "}" * 100_000  # RecursionError in the parser
    r = client.post("/posts", data=deep, headers={"Content-Type": "application/json"})
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint="request.get_json() raises RecursionError (not a ValueError) for JSON nested "
            "that deep: catch it and abort(400).",
            response=r,
        )
    r.expect_error(400)
