"""Checkpoints for d07 · Flask-SQLAlchemy with relationships, and Flask-Migrate.

The checker gives the app a database of its own (PostgreSQL, or the SQLite fallback) in
DATABASE_URL and runs `flask --app app db upgrade` before these checkpoints. What a
checkpoint needs in the database it creates with the lesson's own commands (add-user,
add-post), under names no other checkpoint uses, so the checkpoints pass in any order and
on a database that already holds posts. The `database` fixture reads what was stored;
migrations are tried on a second, empty database (`database.scratch()`).
"""

import json
import re
import uuid

from mission_control.check import checkpoint, expect, expect_equal, fail, visit

MIGRATIONS_HINT = (
    'Run `flask --app app db migrate -m "users"` with only User in models.py, then again '
    'with Post, Tag and post_tags (`-m "posts and tags"`), and read each file in '
    "migrations/versions/ before you keep it; `flask --app app db check` must then find "
    "nothing."
)
DATABASE_URL_HINT = (
    "In Config.init_app: if os.environ.get('DATABASE_URL') is set, use it as "
    "SQLALCHEMY_DATABASE_URI (before db.init_app(app) reads it)."
)
COMMAND_HINT = (
    "Write the command with @click.command('add-user') and @with_appcontext, register it "
    "with app.cli.add_command, print the new id with click.echo, and raise "
    "click.ClickException('<one line>') for bad or duplicate input."
)
NPLUSONE_HINT = (
    "Load what the template shows with the posts: "
    "select(Post).options(joinedload(Post.author), selectinload(Post.tags)); without it, "
    "each post shown runs one more query for its author and one for its tags."
)
COLUMNS = {
    "user": {"id", "username", "email", "created_at"},
    "post": {"id", "title", "body", "category", "created_at", "user_id"},
    "tag": {"id", "name"},
    "post_tags": {"post_id", "tag_id"},
}


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# -- commands, run as the learner runs them or many at once ---------------------------------

INVOKE = r"""
import json, sys
from app import create_app
app = create_app("testing")
runner = app.test_cli_runner()
results = []
for args in json.loads(sys.argv[1]):
    result = runner.invoke(args=args)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    results.append({"exit": result.exit_code, "output": result.output,
                    "error": repr(result.exception) if crashed else None})
print(json.dumps(results))
"""


def invoke_many(run_command, commands, timeout=60):
    """Run each command's arguments (``["add-user", "ada", "a@b.c"]``) through the app's own
    CLI in one process (as `flask --app app ...` would, without starting Python each time)."""
    done = run_command(["python", "-c", INVOKE, json.dumps(commands)], timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    if done.exit_code != 0 or not lines:
        fail(
            'the checker could not run your commands through create_app("testing"): '
            f"exit status {done.exit_code}:\n{done.output.strip()[-1500:]}",
            hint=COMMAND_HINT,
        )
    return json.loads(lines[-1])


def new_id(output, what):
    """The id a command printed: its last line of output, a whole number."""
    lines = output.strip().splitlines()
    last = lines[-1].strip() if lines else ""
    expect(last.isdigit(), f"{what} to print the new id (a whole number)", repr(output.strip()))
    return int(last)


def seed_user(run_command, database, username=None):
    username = username or unique()
    done = run_command(["flask", "--app", "app", "add-user", username, f"{username}@example.com"])
    expect_equal(done.exit_code, 0, f"the exit status of add-user ({done.output.strip()})")
    return username, new_id(done.stdout, "add-user")


def seed_posts(run_command, count, authors, tags=("x", "y")):
    """``count`` posts, by the ``authors`` in turn, each with ``tags``; their titles, in the
    order they were created (oldest first)."""
    titles = [unique("post ") for _ in range(count)]
    commands = []
    for i, title in enumerate(titles):
        args = ["add-post", authors[i % len(authors)], title, "--body", f"Body of {title}"]
        args += ["--category", "tech"]
        for tag in tags:
            args += ["--tag", tag]
        commands.append(args)
    for result in invoke_many(run_command, commands):
        if result["exit"] != 0:
            fail(f"add-post failed while the checkpoint set up posts: {result['output'].strip()}")
    return titles


def seed_authors(run_command, count):
    names = [unique() for _ in range(count)]
    commands = [["add-user", name, f"{name}@example.com"] for name in names]
    for result in invoke_many(run_command, commands):
        if result["exit"] != 0:
            fail(f"add-user failed while the checkpoint set up users: {result['output'].strip()}")
    return names


def expect_refused(result, what):
    """A command refused: non-zero exit, a message of one line, no traceback."""
    output = result["output"].strip()
    expect(result["exit"] != 0, f"{what} to be refused (a non-zero exit status)", "exit status 0")
    expect(
        "Traceback" not in output and result.get("error") is None,
        f"{what} to end with a one-line message, not a traceback",
        (result.get("error") or output)[-400:],
        hint=COMMAND_HINT,
    )
    expect(
        len(output.splitlines()) == 1,
        f"{what} to print a message of one line",
        repr(output) if output else "nothing",
        hint=COMMAND_HINT,
    )


def columns(database, table):
    """``{column: (type, nullable, max length)}`` of ``table`` in the check's database."""
    if database.kind == "postgresql":
        rows = database.query(
            "SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable, "
            "character_maximum_length AS length FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
    else:
        rows = database.query(
            'SELECT name, type, "notnull" = 0 AS nullable, NULL AS length '
            "FROM pragma_table_info(?)",
            (table,),
        )
    return {row["name"]: (row["type"], bool(row["nullable"]), row["length"]) for row in rows}


# -- the schema and the migrations -----------------------------------------------------------


@checkpoint("schema", hint=DATABASE_URL_HINT)
def test_schema(database):
    """`flask --app app db upgrade` built the tables user, post, tag and post_tags in the
    database of DATABASE_URL"""
    tables = database.tables()
    for table, wanted in COLUMNS.items():
        expect(
            table in tables,
            f"a table {table!r} in the database DATABASE_URL names, after `flask db upgrade`",
            f"the tables {sorted(tables)}",
        )
        found = columns(database, table)
        missing = sorted(wanted - set(found))
        expect(
            not missing,
            f"table {table!r} to have the columns {sorted(wanted)}",
            f"no {', '.join(missing)}",
        )
    expect(
        not columns(database, "post")["user_id"][1],
        "post.user_id to be NOT NULL (every post has an author)",
        "a nullable column",
        hint="author: Mapped[User] (not Mapped[User | None]), with user_id: Mapped[int].",
    )
    if database.kind == "postgresql":
        for table in ("user", "post"):
            kind = columns(database, table)["created_at"][0]
            expect(
                kind == "timestamp with time zone",
                f"{table}.created_at to be timezone-aware (timestamp with time zone)",
                kind,
                hint="mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))",
            )
        length = columns(database, "post")["title"][2]
        expect_equal(length, 120, "the maximum length of post.title")


def flask_db(run_command, url, *args):
    return run_command(
        ["flask", "--app", "app", "db", *args], env={"DATABASE_URL": url}, timeout=60
    )


@checkpoint("migrations-users-first", hint=MIGRATIONS_HINT)
def test_migrations_users_first(run_command, database):
    """migrations/ holds at least two revisions, the first creating only the table user"""
    history = run_command("flask --app app db history", timeout=60)
    expect_equal(history.exit_code, 0, "the exit status of `flask --app app db history`")
    revisions = [line for line in history.stdout.splitlines() if "->" in line]
    expect(
        len(revisions) >= 2,
        "at least two revisions in migrations/",
        f"{len(revisions)}: {history.output.strip()[-300:]}",
    )
    with database.scratch() as empty:
        first = flask_db(run_command, empty.url, "upgrade", "+1")
        expect_equal(
            first.exit_code,
            0,
            "the exit status of `flask db upgrade +1` (the first "
            f"revision) on an empty database:\n{first.output.strip()[-600:]}",
        )
        tables = empty.tables() - {"alembic_version"}
        expect_equal(sorted(tables), ["user"], "the tables the first revision creates")


@checkpoint("migrations-roundtrip", hint=MIGRATIONS_HINT)
def test_migrations_roundtrip(run_command, database):
    """On an empty database: upgrade builds every table, db check finds no difference,
    downgrade base then upgrade works again"""
    with database.scratch() as empty:
        steps = [("upgrade",), ("check",), ("downgrade", "base"), ("upgrade",)]
        for step in steps:
            done = flask_db(run_command, empty.url, *step)
            command = f"flask --app app db {' '.join(step)}"
            expect_equal(
                done.exit_code,
                0,
                f"the exit status of `{command}` on an empty "
                f"database:\n{done.output.strip()[-600:]}",
            )
            tables = empty.tables() - {"alembic_version"}
            if step == ("downgrade", "base"):
                expect(not tables, "no tables after `db downgrade base`", f"{sorted(tables)}")
            else:
                expect(
                    set(COLUMNS) <= tables, f"every table after `{command}`", f"{sorted(tables)}"
                )


RELATIONSHIPS = r"""
import json
from sqlalchemy import inspect
from app import models
found = {}
for cls_name, attr in (("User", "posts"), ("Post", "author"), ("Post", "tags"), ("Tag", "posts")):
    cls = getattr(models, cls_name, None)
    rel = inspect(cls).relationships.get(attr) if cls is not None else None
    found[f"{cls_name}.{attr}"] = None if rel is None else {
        "target": rel.mapper.class_.__name__,
        "direction": rel.direction.name,
        "back_populates": rel.back_populates,
        "secondary": rel.secondary.name if rel.secondary is not None else None,
    }
print(json.dumps(found))
"""


@checkpoint(
    "relationships",
    hint="posts: Mapped[list['Post']] = relationship(back_populates='author') on User, and "
    "tags: Mapped[list['Tag']] = relationship(secondary=post_tags, back_populates='posts') "
    "on Post, each with its other side.",
)
def test_relationships(run_command):
    """User.posts is one-to-many and Post.tags many-to-many (through post_tags), both with
    back_populates"""
    done = run_command(["python", "-c", RELATIONSHIPS], timeout=30)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.exit_code != 0 or not lines:
        fail(f"app.models could not be read:\n{done.output.strip()[-1200:]}")
    found = json.loads(lines[-1])
    wanted = {
        "User.posts": ("Post", "ONETOMANY", "author", None),
        "Post.author": ("User", "MANYTOONE", "posts", None),
        "Post.tags": ("Tag", "MANYTOMANY", "posts", "post_tags"),
        "Tag.posts": ("Post", "MANYTOMANY", "tags", "post_tags"),
    }
    for name, (target, direction, back, secondary) in wanted.items():
        rel = found.get(name)
        expect(rel is not None, f"a relationship {name}", "none")
        got = (rel["target"], rel["direction"], rel["back_populates"], rel["secondary"])
        expect_equal(
            got,
            (target, direction, back, secondary),
            f"{name} (target, kind, back_populates, secondary)",
        )


# -- the commands ----------------------------------------------------------------------------


@checkpoint("add-user", hint=COMMAND_HINT, requires="schema")
def test_add_user(run_command, database):
    """`flask --app app add-user USERNAME EMAIL` stores the user and prints its id"""
    username = unique()
    done = run_command(["flask", "--app", "app", "add-user", username, f"{username}@example.com"])
    expect_equal(done.exit_code, 0, f"the exit status of add-user ({done.output.strip()[-300:]})")
    user_id = new_id(done.stdout, "add-user")
    rows = database.query(
        f'SELECT id, username, email, created_at FROM "user" WHERE id = {database.param}',
        (user_id,),
    )
    expect(rows, f"a row in table user with the printed id {user_id}", "none")
    expect_equal(
        (rows[0]["username"], rows[0]["email"]),
        (username, f"{username}@example.com"),
        "the stored username and email",
    )
    expect(rows[0]["created_at"] is not None, "created_at to be set", "NULL")


@checkpoint("add-user-refuses", hint=COMMAND_HINT, requires="add-user")
def test_add_user_refuses(run_command, database):
    """add-user refuses a taken username or email and a bad username or email, with one line"""
    taken = unique()
    cases = {
        "a taken username": ["add-user", taken, f"other-{taken}@example.com"],
        "a taken email": ["add-user", unique(), f"{taken}@example.com"],
        "a username of 2 characters": ["add-user", "ab", "ab@example.com"],
        "a username with capitals": ["add-user", "Ada" + uuid.uuid4().hex[:6], "c@example.com"],
        "a username of 33 characters": ["add-user", "a" * 33, "long@example.com"],
        "a username with a space": ["add-user", "ada lovelace", "s@example.com"],
        "an email without @": ["add-user", unique(), "not-an-email"],
    }
    results = invoke_many(
        run_command, [["add-user", taken, f"{taken}@example.com"], *cases.values()]
    )
    expect_equal(results[0]["exit"], 0, f"the exit status of add-user {taken}")
    for (what, args), result in zip(cases.items(), results[1:], strict=True):
        expect_refused(result, f"add-user with {what} ({' '.join(args[1:])})")
    count = database.scalar(
        f'SELECT count(*) FROM "user" WHERE username = {database.param}', (taken,)
    )
    expect_equal(count, 1, f"the number of users named {taken}")


@checkpoint("add-post", hint=COMMAND_HINT, requires="add-user")
def test_add_post(run_command, database):
    """`flask --app app add-post USERNAME TITLE --body --category --tag` stores the post
    with its author and tags"""
    username, user_id = seed_user(run_command, database)
    tag = unique("t")[:12]
    title = unique("Hello ")
    done = run_command(
        [
            "flask",
            "--app",
            "app",
            "add-post",
            username,
            title,
            "--body",
            "First post",
            "--category",
            "life",
            "--tag",
            tag,
            "--tag",
            "common",
        ]
    )
    expect_equal(done.exit_code, 0, f"the exit status of add-post ({done.output.strip()[-300:]})")
    post_id = new_id(done.stdout, "add-post")
    p = database.param
    rows = database.query(
        f"SELECT title, body, category, user_id FROM post WHERE id = {p}", (post_id,)
    )
    expect(rows, f"a row in table post with the printed id {post_id}", "none")
    expect_equal(
        dict(rows[0]),
        {"title": title, "body": "First post", "category": "life", "user_id": user_id},
        "the stored post",
    )
    tags = database.query(
        f"SELECT tag.name FROM tag JOIN post_tags ON post_tags.tag_id = tag.id "
        f"WHERE post_tags.post_id = {p}",
        (post_id,),
    )
    expect_equal(sorted(row["name"] for row in tags), sorted([tag, "common"]), "the post's tags")
    again = run_command(
        [
            "flask",
            "--app",
            "app",
            "add-post",
            username,
            unique("Again "),
            "--body",
            "More",
            "--category",
            "news",
            "--tag",
            tag,
        ]
    )
    expect_equal(again.exit_code, 0, f"the exit status of a second add-post ({again.output})")
    count = database.scalar(f"SELECT count(*) FROM tag WHERE name = {p}", (tag,))
    expect_equal(count, 1, f"the number of tags named {tag} (a tag is stored once, and reused)")


@checkpoint("add-post-refuses", hint=COMMAND_HINT, requires="add-post")
def test_add_post_refuses(run_command, database):
    """add-post refuses an unknown user, a category outside tech/life/news, a title over 120
    characters and a bad tag"""
    username, user_id = seed_user(run_command, database)
    base = ["--body", "text", "--category", "tech"]
    cases = {
        "an unknown user": ["add-post", unique(), "Title", *base],
        "the category sports": [
            "add-post",
            username,
            "Title",
            "--body",
            "t",
            "--category",
            "sports",
        ],
        "a title of 121 characters": ["add-post", username, "x" * 121, *base],
        "the tag 'Not OK'": ["add-post", username, "Title", *base, "--tag", "Not OK"],
    }
    for (what, _args), result in zip(
        cases.items(), invoke_many(run_command, list(cases.values())), strict=True
    ):
        expect_refused(result, f"add-post with {what}")
    count = database.scalar(
        f"SELECT count(*) FROM post WHERE user_id = {database.param}", (user_id,)
    )
    expect_equal(count, 0, f"the number of posts stored for {username} by refused commands")


# -- the pages -------------------------------------------------------------------------------


def article_titles(page):
    return [
        article.one("h2", "the post's title in an <h2>").text for article in page.select("article")
    ]


@checkpoint(
    "user-page",
    hint="db.first_or_404(select(User).filter_by(username=username)), then the user's posts "
    "ordered by Post.created_at.desc(); one <article> per post with its title in an <h2>.",
    requires="add-post",
)
def test_user_page(client, run_command, database):
    """GET /users/<username> shows the user and their posts, newest first; an unknown user
    is the 404 page"""
    username, _ = seed_user(run_command, database)
    titles = seed_posts(run_command, 3, [username])
    page = visit(client, f"/users/{username}", follow=False).expect_status(200).html()
    page.expect_text(username, within="h1")
    expect_equal(
        article_titles(page),
        list(reversed(titles)),
        f"the posts on /users/{username} (newest first)",
    )
    visit(client, f"/users/{unique()}", follow=False).expect_status(404).html().one("nav")


@checkpoint(
    "tag-page",
    hint="db.first_or_404(select(Tag).filter_by(name=name)), then "
    "select(Post).where(Post.tags.contains(tag)) newest first.",
    requires="add-post",
)
def test_tag_page(client, run_command, database):
    """GET /tags/<name> shows the posts with that tag, newest first; an unknown tag is the
    404 page"""
    username, _ = seed_user(run_command, database)
    tag = unique("t")[:12]
    tagged = seed_posts(run_command, 2, [username], tags=(tag,))
    other = seed_posts(run_command, 1, [username], tags=("other",))
    page = visit(client, f"/tags/{tag}", follow=False).expect_status(200).html()
    expect_equal(
        article_titles(page), list(reversed(tagged)), f"the posts on /tags/{tag} (newest first)"
    )
    expect(other[0] not in page.text, f"/tags/{tag} not to show a post without that tag", "it does")
    visit(client, f"/tags/{unique('t')}", follow=False).expect_status(404)


def total_posts(database):
    return database.scalar("SELECT count(*) FROM post")


@checkpoint(
    "posts-pagination",
    hint="db.paginate(select(Post).order_by(Post.created_at.desc()), page=page, per_page=10) "
    "answers 404 past the last page; link to pagination.prev_num / next_num with "
    '<a rel="prev"> and <a rel="next">.',
    requires="add-post",
)
def test_posts_pagination(client, run_command, database):
    """GET /posts?page=N shows 10 posts a page, newest first, with previous/next links; a
    page past the end is 404"""
    authors = seed_authors(run_command, 2)
    titles = seed_posts(run_command, max(11 - total_posts(database), 1), authors)
    total = total_posts(database)
    last = (total + 9) // 10
    first = visit(client, "/posts", follow=False).expect_status(200).html()
    shown = article_titles(first)
    expect_equal(len(shown), 10, f"the number of posts on /posts ({total} posts in all)")
    expect_equal(shown[0], titles[-1], "the first post on /posts (the newest)")
    newest = [
        row["title"]
        for row in database.query(
            "SELECT title FROM post ORDER BY created_at DESC, id DESC LIMIT 10"
        )
    ]
    expect_equal(shown, newest, "the posts on page 1 (the 10 newest, newest first)")
    first.expect_none('a[rel~="prev"]', 'a link rel="prev" on page 1')
    following = first.one('a[rel~="next"]', 'a link rel="next" on page 1').attr("href")
    second = visit(client, following, follow=False).expect_status(200).html()
    expect(
        not set(article_titles(second)) & set(shown),
        "page 2 to show other posts than page 1",
        "the same ones",
    )
    back = second.one('a[rel~="prev"]', 'a link rel="prev" on page 2').attr("href")
    expect_equal(
        article_titles(visit(client, back, follow=False).expect_status(200).html()),
        shown,
        "the posts behind page 2's previous link",
    )
    end = visit(client, f"/posts?page={last}", follow=False).expect_status(200).html()
    end.expect_none('a[rel~="next"]', f'a link rel="next" on the last page ({last})')
    visit(client, f"/posts?page={last + 1}", follow=False).expect_status(404)


# Each reads as page 1 to int() (or makes it raise, or is too big for the database), so
# an app that reads ?page= with int() or type=int shows page 1 or fails, whatever it holds.
NOT_PAGE_NUMBERS = (
    ("abc", "not a number: type=int quietly shows page 1"),
    ("", "empty"),
    ("+1", "a sign: int() reads it as 1"),
    (" 1", "a space: int() skips it"),
    ("0_1", "an underscore: int() reads it as 1"),
    ("\u0661", "\u0661, an Arabic-Indic 1: int() reads it as 1"),
    ("\uff11", "\uff11, a full-width 1: int() reads it as 1"),
    ("\u00b2", "\u00b2: str.isdigit() says True, then int() raises"),
    ("9" * 20, "20 digits: past the end, and too big for a database offset"),
    ("9" * 5000, "5000 digits: int() refuses that many"),
)


@checkpoint(
    "posts-page-invalid",
    hint="Read the page yourself: raw = request.args.get('page', '1'); only "
    "raw.isascii() and raw.isdigit() (and not too many digits) make a page number, anything "
    "else is abort(404). int() also reads ' 1', '+1', '0_1' and digits of other scripts.",
)
def test_posts_page_invalid(client):
    """GET /posts?page= with anything but ASCII digits (or a number of any length past the
    end) is the 404 page, never page 1 or a 500"""
    visit(client, "/posts", query={"page": "1"}, follow=False).expect_status(200)
    for value, why in NOT_PAGE_NUMBERS:
        r = client.get("/posts", query={"page": value})
        shown = value if len(value) <= 24 else value[:12] + f"... ({len(value)} digits)"
        expect(
            r.status_code == 404,
            f"GET /posts?page={shown!r} ({why}) to answer 404, a page that does not exist",
            f"{r.status_code} {r.reason}",
            response=r,
        )


# -- N+1 made visible ------------------------------------------------------------------------


def query_count(response):
    value = response.expect_header(
        "X-DB-Queries",
        lambda v: v.strip().isdigit(),
        expected="a whole number",
        hint="In create_app (development and testing): event.listen(db.engine, "
        "'before_cursor_execute', count) inside app.app_context(), counting in g, and an "
        "after_request function that sets the header.",
    )
    return int(value)


@checkpoint("query-header")
def test_query_header(client, run_command, database):
    """Every response carries X-DB-Queries, the number of SQL statements the request ran"""
    expect_equal(query_count(client.get("/healthz")), 0, "X-DB-Queries of GET /healthz (no SQL)")
    r = client.get(f"/users/{unique()}")
    expect(
        query_count(r) >= 1,
        "X-DB-Queries of GET /users/<unknown> to count its query",
        str(query_count(r)),
        response=r,
    )
    expect(
        query_count(client.get("/no-such-page")) == 0,
        "X-DB-Queries on a 404 page too",
        "something else",
    )


@checkpoint("no-n-plus-one", hint=NPLUSONE_HINT, requires="query-header")
def test_no_n_plus_one(client, run_command, database):
    """GET /posts runs as many queries for 10 posts (with their authors and tags) as for 1"""
    authors = seed_authors(run_command, 5)
    total = total_posts(database)
    missing = (1 - total) % 10 + (10 if total < 11 else 0)  # a last page with exactly 1 post
    seed_posts(run_command, missing, authors, tags=("x", unique("t")[:12]))
    total = total_posts(database)
    expect_equal(total % 10, 1, "posts in all, modulo 10 (set up by the checkpoint)")
    full = client.get("/posts?page=1").expect_status(200)
    single = client.get(f"/posts?page={total // 10 + 1}").expect_status(200)
    expect_equal(
        query_count(full),
        query_count(single),
        "X-DB-Queries of the page with 10 posts (it was "
        f"{query_count(single)} for the page with 1)",
        response=full,
    )


# -- the configuration and the code ----------------------------------------------------------

DEVELOPMENT_DB = r"""
import json, os
os.environ.pop("DATABASE_URL", None)
from app import create_app
from app.extensions import db
app = create_app("development")
with app.app_context():
    url = db.engine.url
print(json.dumps({"driver": url.drivername, "database": url.database,
                  "instance": app.instance_path}))
"""


@checkpoint(
    "development-database",
    hint='SQLALCHEMY_DATABASE_URI = "sqlite:///blog.db" in DevelopmentConfig: '
    "Flask-SQLAlchemy puts a relative SQLite path in the instance folder.",
)
def test_development_database(run_command):
    """Without DATABASE_URL, development uses a SQLite file in the instance folder"""
    done = run_command(["python", "-c", DEVELOPMENT_DB], timeout=30)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.exit_code != 0 or not lines:
        fail(f'create_app("development") failed without DATABASE_URL:\n{done.output[-1200:]}')
    got = json.loads(lines[-1])
    expect_equal(got["driver"], "sqlite", "the database driver in development")
    expect(
        (got["database"] or "").startswith(got["instance"]),
        "the SQLite file to be in the instance folder",
        got["database"] or "an in-memory database",
    )


LEGACY = re.compile(r"\b[A-Z]\w*\.query\b|\bsession\.query\(")
SOURCES = r"""
import json, pathlib
print(json.dumps({str(p): p.read_text() for p in pathlib.Path("app").rglob("*.py")}))
"""


@checkpoint(
    "modern-queries",
    hint="Replace User.query.filter_by(...).first() with "
    "db.session.scalar(select(User).filter_by(...)), User.query.get(id) with "
    "db.session.get(User, id), and .paginate() with db.paginate(select(...)).",
)
def test_modern_queries(run_command):
    """The app queries in SQLAlchemy 2.0 style: no legacy Model.query or session.query"""
    done = run_command(["python", "-c", SOURCES], timeout=30)
    sources = json.loads(done.stdout.strip().splitlines()[-1])
    for path, text in sorted(sources.items()):
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#")[0]
            expect(
                not LEGACY.search(code),
                "no legacy query API in app/",
                f"{path}, line {number}: {line.strip()}",
            )
    models = sources.get("app/models.py", "")
    expect(
        "Mapped[" in models and "mapped_column(" in models,
        "the models in app/models.py to use Mapped[...] and mapped_column",
        "Column(...) attributes",
    )
