"""Checkpoints for d14: the one HTML page of the spec, GET /posts/<id>, the same in every
app. The post is made through the API (POST /api/v1/users, /tokens, /posts)."""

import uuid

from mission_control.check import checkpoint, expect, visit

API = "/api/v1"
PASSWORD = "correct horse battery"
PAGE_HINT = (
    "Render a template for GET /posts/<id>: the title in the page's <h1>, the body and the "
    "author's username in the page, and let the template engine escape them (never mark a "
    "post's text as safe). An unknown id is a 404 page."
)


def a_post(client, title):
    username = f"p{uuid.uuid4().hex[:10]}"
    email = f"{username}@example.com"
    client.post(
        f"{API}/users", json={"username": username, "email": email, "password": PASSWORD}
    ).expect_status(201)
    token = (
        client.post(f"{API}/tokens", json={"email": email, "password": PASSWORD})
        .expect_status(200)
        .expect_json(dict)["access_token"]
    )
    body = f"Body text {uuid.uuid4().hex[:8]}"
    created = client.post(
        f"{API}/posts",
        json={"title": title, "body": body, "category": "life"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return created.expect_status(201).expect_json(dict)["id"], username, body


@checkpoint("post-page", hint=PAGE_HINT, requires="create-post")
def test_post_page(client):
    """GET /posts/<id> is an HTML page with the post's title in <h1> (escaped), its body and
    its author; an unknown id → a 404 page"""
    title = f"Tags like <em>this</em> stay text {uuid.uuid4().hex[:6]}"
    post_id, username, body = a_post(client, title)
    page = (
        visit(client, f"/posts/{post_id}").expect_status(200, hint=PAGE_HINT).html(hint=PAGE_HINT)
    )
    heading = page.one("h1", "the post's title in an <h1>", hint=PAGE_HINT)
    expect(
        heading.text == title,
        f"the <h1> to read {title!r}",
        repr(heading.text),
        hint=PAGE_HINT,
    )
    page.expect_none("h1 em", "an <em> element made from the title", hint=PAGE_HINT)
    page.expect_text(body, hint=PAGE_HINT)
    page.expect_text(username, hint=PAGE_HINT)
    missing = visit(client, "/posts/999999999").expect_status(404, hint=PAGE_HINT)
    missing.html(hint="The 404 of a page is a page (text/html), not JSON: only /api/ answers JSON.")
