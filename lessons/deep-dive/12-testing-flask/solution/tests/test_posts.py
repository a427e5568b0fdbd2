"""The blog's pages and forms: writing, editing and deleting posts, and who may do it."""

import io

from app.extensions import db
from app.models import Post

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def new_post(client, **changes):
    data = {"title": "Hello there", "body": "Text", "category": "tech", "tags": "a, b"}
    data.update(changes)
    return client.post("/posts/new", data=data, content_type="multipart/form-data")


def test_new_post_page_needs_a_login(client):
    assert client.get("/posts/new").headers["Location"].startswith("/auth/login")


def test_new_post_with_an_image(app, auth_client):
    assert auth_client.get("/posts/new").status_code == 200
    response = new_post(auth_client, image=(io.BytesIO(PNG), "cat.png"))
    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, int(response.headers["Location"].rsplit("/", 1)[1]))
        assert [tag.name for tag in post.tags] == ["a", "b"]
        assert post.author.username == "ada"
        assert post.image.endswith(".png") and post.image != "cat.png"
        image = post.image
    served = auth_client.get(f"/uploads/{image}")
    assert served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_spam_and_fake_images_are_refused(app, auth_client):
    assert new_post(auth_client, title="Buy SPAM now").status_code == 422
    assert new_post(auth_client, image=(io.BytesIO(b"<?php"), "cat.png")).status_code == 422
    assert new_post(auth_client, category="sports").status_code == 422
    assert new_post(auth_client, title="Hi").status_code == 422
    with app.app_context():
        assert db.session.scalars(db.select(Post)).all() == []


def test_post_page_lists_and_tags(auth_client):
    new_post(auth_client, title="Tagged post", tags="flask")
    assert b"Tagged post" in auth_client.get("/posts").data
    assert b"Tagged post" in auth_client.get("/posts/1").data
    assert b"Tagged post" in auth_client.get("/tags/flask").data
    assert auth_client.get("/tags/nothing").status_code == 404
    assert auth_client.get("/posts/99").status_code == 404


def test_edit_own_post(app, auth_client):
    new_post(auth_client, tags="a, b")
    form = auth_client.get("/posts/1/edit")
    assert form.status_code == 200 and b'value="a, b"' in form.data
    response = new_post(auth_client, title="Changed title", tags="c")
    assert response.status_code == 302
    response = auth_client.post(
        "/posts/1/edit", data={"title": "Changed title", "body": "New", "category": "life"}
    )
    assert response.headers["Location"] == "/posts/1"
    assert auth_client.post("/posts/1/edit", data={"title": ""}).status_code == 422
    with app.app_context():
        assert db.session.get(Post, 1).title == "Changed title"


def test_someone_elses_post_cannot_be_edited_or_deleted(app, auth_client, make_user, make_post):
    post_id = make_post(make_user("bob"), title="Bob's own post")
    assert auth_client.get(f"/posts/{post_id}/edit").status_code == 403
    changed = {"title": "Taken over", "body": "x", "category": "tech"}
    assert auth_client.post(f"/posts/{post_id}/edit", data=changed).status_code == 403
    assert auth_client.post(f"/posts/{post_id}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Bob's own post"


def test_delete_own_post(app, auth_client):
    new_post(auth_client)
    assert auth_client.post("/posts/1/delete").headers["Location"] == "/dashboard"
    with app.app_context():
        assert db.session.get(Post, 1) is None


def test_user_page_shows_only_their_posts(client, make_user, make_post):
    make_post(make_user("ada"), title="Written by Ada")
    make_post(make_user("bob"), title="Written by Bob")
    page = client.get("/users/ada").data
    assert b"Written by Ada" in page
    assert b"Written by Bob" not in page
    assert client.get("/users/nobody").status_code == 404


def test_dashboard_counts_only_my_posts(auth_client, make_user, make_post):
    bob = make_user("bob")
    make_post(bob)
    make_post(bob)
    assert b"You have written 0 posts." in auth_client.get("/dashboard").data
    new_post(auth_client)
    assert b"You have written 1 post." in auth_client.get("/dashboard").data


def test_posts_page_runs_a_constant_number_of_queries(client, make_user, make_post):
    ada = make_user("ada")
    make_post(ada)
    one = client.get("/posts").headers["X-DB-Queries"]
    for _ in range(5):
        make_post(ada)
    assert client.get("/posts").headers["X-DB-Queries"] == one


def test_forms_need_a_csrf_token_outside_the_tests(app, auth_client):
    app.config["WTF_CSRF_ENABLED"] = True  # this test's app only: the others keep it off
    response = new_post(auth_client)
    assert response.status_code == 400
    assert b"This form expired" in response.data


def test_a_too_big_upload_is_the_413_page(app, auth_client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = new_post(auth_client, image=(io.BytesIO(PNG * 100), "big.png"))
    assert response.status_code == 413
