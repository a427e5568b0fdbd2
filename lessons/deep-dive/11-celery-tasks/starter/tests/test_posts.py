import io

from app.extensions import db
from app.models import Post

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def log_in(client):
    client.post(
        "/auth/register",
        data={
            "username": "ada",
            "email": "ada@example.com",
            "password": "correct horse",
            "confirm": "correct horse",
        },
    )
    client.post("/auth/login", data={"email": "ada@example.com", "password": "correct horse"})


def new_post(client, **changes):
    data = {"title": "Hello there", "body": "Text", "category": "tech", "tags": "a, b"}
    data.update(changes)
    return client.post("/posts/new", data=data, content_type="multipart/form-data")


def test_new_post_with_an_image(app, client):
    log_in(client)
    response = new_post(client, image=(io.BytesIO(PNG), "cat.png"))
    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, 1)
        assert [tag.name for tag in post.tags] == ["a", "b"]
        assert post.image.endswith(".png") and post.image != "cat.png"


def test_spam_and_fake_images_are_refused(client):
    log_in(client)
    assert new_post(client, title="Buy SPAM now").status_code == 422
    assert new_post(client, image=(io.BytesIO(b"<?php"), "cat.png")).status_code == 422
    assert new_post(client, category="sports").status_code == 422
