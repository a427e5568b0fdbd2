"""Checkpoints for d09 · Forms with Flask-WTF.

Every checkpoint registers and logs in its own user through the forms (names no other
checkpoint uses), reads each form from the page and sends it back with its csrf_token, as a
browser does; the `database` fixture reads what was stored. They pass in any order, on a
database that already holds posts.
"""

import re
import uuid
from urllib.parse import urlsplit

from mission_control.check import Form, checkpoint, expect, expect_equal, fail, read_html, visit

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
GIF = b"GIF89a" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
FORM_HINT = (
    "PostForm(FlaskForm) with the fields title, body, category (a SelectField), tags and image "
    '(a FileField), rendered in a <form method="post" enctype="multipart/form-data"> with '
    "{{ form.hidden_tag() }}."
)
RULES_HINT = (
    "Length(min=5, max=120) and a validate_title method for the title, DataRequired and "
    "Length(max=10000) for the body, choices for the category, and a validate_tags method; "
    "when validate_on_submit() is False after a POST, render the form again with 422."
)
IMAGE_HINT = (
    "FileField with FileAllowed(['jpg', 'jpeg', 'png', 'gif']) and FileSize(2 MB), and a "
    "validate_image method that reads the first bytes (upload.stream.read(8), then seek(0)) "
    "and compares them with the extension's signature."
)
AUTHOR_HINT = (
    "Load the post with db.get_or_404(Post, post_id), then abort(403) when post.author is "
    "not current_user, in both the edit and the delete view; @login_required on both."
)


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def location(response):
    parts = urlsplit(response.headers.get("Location") or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def expect_redirect(response, target, what, hint=None):
    response.expect_status(302, 303, hint=hint)
    expect_equal(location(response), target, f"the Location of {what}", response=response)


def form_with(page, name, what, hint=None):
    """The page's form that has a field called ``name``."""
    for element in page.select("form"):
        if element.select(f'[name="{name}"]'):
            return Form(element, page)
    fail(f"expected {what}: a <form> with a field named {name!r}", hint=hint)


def log_in(client):
    """Register a new user and log them in (the d08 forms); their username."""
    username = unique()
    page = visit(client, "/auth/register", follow=False).expect_status(200).html()
    values = {"username": username, "email": f"{username}@example.com"}
    values.update(password=PASSWORD, confirm=PASSWORD)
    form_with(page, "confirm", "the register form (d08)").submit(client, values)
    page = visit(client, "/auth/login", follow=False).expect_status(200).html()
    done = form_with(page, "password", "the login form (d08)").submit(
        client, {"email": f"{username}@example.com", "password": PASSWORD}
    )
    done.response.expect_status(302, hint="Logging in (d08) must work first.")
    return username


def log_out(client):
    page = visit(client, "/dashboard", follow=False).expect_status(200).html()
    for element in page.select("form"):
        if (element.attr("action") or "").endswith("/auth/logout"):
            return Form(element, page).submit(client).response
    fail("expected the logout form (d08) on the dashboard")


def post_form(client, path="/posts/new"):
    page = visit(client, path, follow=False).expect_status(200, hint=FORM_HINT).html()
    return form_with(page, "title", f"the post form on {path}", hint=FORM_HINT)


def good_values(**changes):
    values = {
        "title": unique("A post "),
        "body": "Some text.",
        "category": "life",
        "tags": "flask, forms",
    }
    values.update(changes)
    return values


def publish(client, files=None, **changes):
    """Send the new-post form; the response (not followed) and the values sent."""
    values = good_values(**changes)
    form = post_form(client)
    return form.submit(client, values, files=files or {}, hint=FORM_HINT).response, values


def published(client, files=None, **changes):
    response, values = publish(client, files=files, **changes)
    response.expect_status(302, 303, hint=RULES_HINT)
    found = re.fullmatch(r"/posts/(\d+)", location(response))
    expect(
        found,
        "a redirect to /posts/<id> after publishing",
        location(response) or "none",
        response=response,
    )
    return int(found.group(1)), values


def count_posts(database, title):
    return database.scalar(f"SELECT count(*) FROM post WHERE title = {database.param}", (title,))


# -- writing a post ------------------------------------------------------------------------


@checkpoint("new-post-login-required", hint="@login_required on the new-post view.")
def test_new_post_login_required(client):
    """GET /posts/new sends an anonymous visitor to the login page"""
    expect_redirect(
        client.get("/posts/new"), "/auth/login?next=%2Fposts%2Fnew", "GET /posts/new, logged out"
    )


@checkpoint("new-post", hint=FORM_HINT)
def test_new_post(client, database):
    """A valid post form → 302 to /posts/<id> with a flash; the post is stored with its tags
    and shown on its page"""
    log_in(client)
    form = post_form(client)
    for name in ("title", "body", "category", "tags", "image"):
        form.field(name, hint=FORM_HINT)
    expect_equal(form.enctype, "multipart/form-data", "the post form's enctype (it sends a file)")
    expect_equal(
        sorted(form.field("category").options),
        ["life", "news", "tech"],
        "the values of the category choices",
    )
    post_id, values = published(client, tags="flask, web-forms")
    p = database.param
    row = database.query(f"SELECT title, body, category FROM post WHERE id = {p}", (post_id,))
    expect(row, f"a row in table post with id {post_id}", "none")
    expect_equal(
        dict(row[0]), {k: values[k] for k in ("title", "body", "category")}, "the stored post"
    )
    tags = database.query(
        f"SELECT tag.name FROM tag JOIN post_tags ON post_tags.tag_id = tag.id "
        f"WHERE post_tags.post_id = {p}",
        (post_id,),
    )
    expect_equal(sorted(r["name"] for r in tags), ["flask", "web-forms"], "the post's tags")
    shown = visit(client, f"/posts/{post_id}", follow=False).expect_status(200).html()
    shown.expect_text(values["title"])
    again = visit(client, f"/posts/{post_id}", follow=False).html()
    expect(
        len(shown.text) > len(again.text),
        "the post's page to show a flashed message right after publishing",
        "no message",
        hint="flash('...') before the redirect.",
    )


@checkpoint("new-post-refuses", hint=RULES_HINT, requires="new-post")
def test_new_post_refuses(client, database):
    """A short title, spam in any case, no body, a body over 10,000 characters, a category
    outside the choices, 6 tags or a bad tag → 422, the form with the values kept, nothing
    stored"""
    log_in(client)
    blank = read_html(visit(client, "/posts/new", follow=False).response).text
    cases = {
        "a title of 4 characters": {"title": "Four"},
        "a title of 121 characters": {"title": "x" * 121},
        "the title 'Buy SpAm now'": {"title": "Buy SpAm now " + unique()},
        "an empty body": {"body": ""},
        "a body of 10,001 characters": {"body": "x" * 10_001},
        "the category 'sports'": {"category": "sports"},
        "6 tags": {"tags": "a, b, c, d, e, f"},
        "the tag 'Not OK'": {"tags": "fine, Not OK"},
    }
    for what, changes in cases.items():
        response, values = publish(client, **changes)
        response.expect_status(422, hint=RULES_HINT)
        page = read_html(response)
        form = form_with(page, "title", f"the post form again, for {what}")
        expect(
            len(page.text) > len(blank),
            f"a message beside the field that failed ({what})",
            "the form as it was, without a message",
        )
        expect_equal(
            form.field("title").value, values["title"], f"the title kept in the form ({what})"
        )
        expect_equal(count_posts(database, values["title"]), 0, f"posts stored ({what})")


@checkpoint(
    "post-escaped",
    hint="Show the post with {{ post.title }} and {{ post.body }} "
    "(Jinja escapes them); never |safe on what a visitor typed.",
    requires="new-post",
)
def test_post_escaped(client):
    """GET /posts/<id> shows a post's title and body as text, never as HTML"""
    log_in(client)
    marker = unique("x")
    post_id, _ = published(
        client, title=f"<b>{marker}</b> title", body=f"<script>alert('{marker}')</script>"
    )
    response = client.get(f"/posts/{post_id}").expect_status(200)
    page = read_html(response)
    expect(
        not page.select("b") or all(marker not in b.text for b in page.select("b")),
        "the title's <b> to be shown as text",
        "a real <b> element",
        response=response,
    )
    expect(
        all(marker not in s.text for s in page.select("script")),
        "the body's <script> to be shown as text",
        "a real <script> element",
        response=response,
    )
    page.expect_text(f"<b>{marker}</b> title")


@checkpoint(
    "post-id-overflow",
    hint="PostgreSQL's integer stops at 2147483647, and a bigger id sent to it is a DataError "
    "(a 500): give the converter a bound, '/posts/<int(max=2147483647):post_id>', on every "
    "route with a post id, so such a URL matches no route and is the 404 page.",
    requires="new-post",
)
def test_post_id_overflow(client):
    """GET /posts/<id> and /posts/<id>/edit of an id past what the database holds
    (2147483648, 99999999999, 20 digits) are the 404 page, never a 500"""
    log_in(client)
    post_id, _ = published(client)
    client.get(f"/posts/{post_id}").expect_status(200)
    for too_big in ("2147483648", "99999999999", "9" * 20):
        for path in (f"/posts/{too_big}", f"/posts/{too_big}/edit"):
            r = client.get(path)
            expect(
                r.status_code == 404 and "text/html" in (r.content_type or ""),
                f"GET {path} (a logged-in user; an id no post has) to answer the 404 page",
                f"{r.status_code} {r.reason}, {r.content_type or 'no Content-Type'}",
                response=r,
            )


# -- images --------------------------------------------------------------------------------


def image_source(client, post_id):
    page = visit(client, f"/posts/{post_id}", follow=False).expect_status(200).html()
    for img in page.select("img[src]"):
        if "/uploads/" in (img.attr("src") or ""):
            return urlsplit(img.attr("src")).path
    fail(
        f"expected an <img> whose src is /uploads/<name> on /posts/{post_id}",
        hint="<img src=\"{{ url_for('main.upload', name=post.image) }}\">",
    )


@checkpoint("image-upload", hint=IMAGE_HINT, requires="new-post")
def test_image_upload(client):
    """An image is stored under a generated name and served from /uploads/<name> with
    nosniff"""
    log_in(client)
    name = unique("holiday") + ".png"
    post_id, _ = published(client, files={"image": (name, PNG, "image/png")})
    src = image_source(client, post_id)
    expect(
        name not in src,
        "a generated file name, not the one the visitor sent",
        src,
        hint="secrets.token_hex(16) + the extension",
    )
    served = client.get(src).expect_status(200)
    expect_equal(served.data, PNG, f"the bytes served at {src}")
    served.expect_header(
        "X-Content-Type-Options", lambda v: v.strip().lower() == "nosniff", expected="nosniff"
    )
    for extension, data in (("gif", GIF), ("jpg", JPEG)):
        post_id, _ = published(client, files={"image": (f"a.{extension}", data)})
        client.get(image_source(client, post_id)).expect_status(200)


@checkpoint("image-refuses", hint=IMAGE_HINT, requires="new-post")
def test_image_refuses(client, database):
    """A file that is not jpg, png or gif, a file whose first bytes do not match its name,
    and an image over 2 MB → 422, nothing stored"""
    log_in(client)
    cases = {
        "notes.txt": ("notes.txt", b"just text"),
        "a script named photo.png": ("photo.png", b"<?php system($_GET['c']); ?>"),
        "a GIF named photo.jpg": ("photo.jpg", GIF),
        "a PNG of 2.5 MB": ("big.png", PNG + b"\x00" * (2_500_000)),
    }
    for what, upload in cases.items():
        response, values = publish(client, files={"image": upload})
        response.expect_status(422, hint=IMAGE_HINT)
        expect_equal(count_posts(database, values["title"]), 0, f"posts stored with {what}")


@checkpoint(
    "too-large",
    hint="MAX_CONTENT_LENGTH = 4 * 1024 * 1024 in Config, and an "
    "@bp.app_errorhandler(413) that renders a page extending base.html.",
    requires="new-post",
)
def test_too_large(client, database):
    """A request body over 4 MB → the 413 page"""
    log_in(client)
    response, values = publish(client, files={"image": ("huge.png", PNG + b"\x00" * 5_000_000)})
    expect_equal(response.status_code, 413, "the status of a 5 MB post", response=response)
    read_html(response).one("nav", "the 413 page to extend the layout (its <nav>)")
    expect_equal(count_posts(database, values["title"]), 0, "posts stored by a 5 MB request")


# -- editing and deleting ------------------------------------------------------------------


@checkpoint("edit-post", hint=AUTHOR_HINT, requires="new-post")
def test_edit_post(client, database):
    """The author gets the edit form pre-filled and can save it"""
    log_in(client)
    post_id, values = published(client)
    form = post_form(client, f"/posts/{post_id}/edit")
    expect_equal(form.field("title").value, values["title"], "the title in the edit form")
    expect_equal(
        form.field("category").value, values["category"], "the category chosen in the edit form"
    )
    new_title = unique("Edited ")
    done = form.submit(client, {"title": new_title}).response
    expect_redirect(done, f"/posts/{post_id}", "saving the edit form")
    stored = database.scalar(f"SELECT title FROM post WHERE id = {database.param}", (post_id,))
    expect_equal(stored, new_title, "the stored title after the edit")
    # A request that leaves fields out (not a browser: a script) keeps them or is refused.
    hidden = post_form(client, f"/posts/{post_id}/edit").values
    sent = {name: hidden[name] for name in ("csrf_token",) if name in hidden}
    partial = client.post(f"/posts/{post_id}/edit", data={**sent, "title": new_title})
    if partial.status_code not in (302, 303, 422):
        fail(
            f"expected POST /posts/{post_id}/edit with only csrf_token and title to keep the "
            f"other fields (302) or show the form again (422), not {partial.status_code}",
            hint="Fill the form from the post with data={...}: PostForm(obj=post) hands a "
            "POST without a tags field the post's Tag rows instead of text.",
        )


@checkpoint("author-only", hint=AUTHOR_HINT, requires="edit-post")
def test_author_only(client, database):
    """Another user gets the 403 page for edit and delete, and changes nothing; an anonymous
    visitor is sent to the login page"""
    log_in(client)
    post_id, values = published(client)
    page = visit(client, f"/posts/{post_id}", follow=False).html()
    token = (
        form_with(page, "csrf_token", "a form with a csrf_token on the post's page")
        .field("csrf_token")
        .value
    )
    log_out(client)
    expect_redirect(
        client.get(f"/posts/{post_id}/edit"),
        f"/auth/login?next=%2Fposts%2F{post_id}%2Fedit",
        "the edit page, logged out",
    )
    log_in(client)
    other = client.get(f"/posts/{post_id}/edit")
    expect_equal(other.status_code, 403, "the status of another user's edit page", response=other)
    read_html(other).one("nav", "the 403 page to extend the layout (its <nav>)")
    mine = visit(client, "/posts/new", follow=False).html()
    token = form_with(mine, "csrf_token", "the post form").field("csrf_token").value or token
    for path, data in (
        (f"/posts/{post_id}/edit", good_values(csrf_token=token)),
        (f"/posts/{post_id}/delete", {"csrf_token": token}),
    ):
        response = client.post(path, data=data)
        expect_equal(
            response.status_code,
            403,
            f"the status of POST {path} by another user",
            response=response,
        )
    expect_equal(
        count_posts(database, values["title"]),
        1,
        "the post, unchanged, after another user tried to edit and delete it",
    )


@checkpoint("delete-post", hint=AUTHOR_HINT, requires="new-post")
def test_delete_post(client):
    """The author deletes the post with the form on its page; then it is gone"""
    log_in(client)
    post_id, _ = published(client)
    page = visit(client, f"/posts/{post_id}", follow=False).expect_status(200).html()
    for element in page.select("form"):
        if (element.attr("action") or "").endswith(f"/posts/{post_id}/delete"):
            done = Form(element, page).submit(client).response
            break
    else:
        fail(
            f"expected a form that posts to /posts/{post_id}/delete on the post's page",
            hint='A <form method="post"> with the csrf_token, shown to the author only.',
        )
    done.expect_status(302, 303)
    client.get(f"/posts/{post_id}").expect_status(404)


# -- CSRF ------------------------------------------------------------------------------------


@checkpoint(
    "csrf",
    hint="An @bp.app_errorhandler(CSRFError) (from flask_wtf.csrf) that "
    "renders a page extending base.html with 400; WTF_CSRF_ENABLED = False only in "
    "TestingConfig.",
    requires="new-post",
)
def test_csrf(client, database):
    """A POST form without its token, or with a wrong one → the 400 page, nothing changed"""
    log_in(client)
    for what, token in (("without a CSRF token", None), ("with a wrong token", "forged")):
        values = good_values()
        form = post_form(client)
        if "csrf_token" in form.names:
            response = form.submit(client, {**values, "csrf_token": token}).response
        else:  # a form without a token: what a page on another site would send
            extra = {"csrf_token": token} if token else None
            response = form.submit(client, values, extra=extra).response
        expect_equal(
            response.status_code, 400, f"the status of the post form sent {what}", response=response
        )
        page = read_html(response)
        page.one("nav", "the 400 page to extend the layout (its <nav>)")
        expect_equal(count_posts(database, values["title"]), 0, f"posts stored {what}")
