from app.extensions import db
from app.models import User


def token(app, client):
    with app.app_context():
        user = User(username="ada", email="ada@example.com")
        user.set_password("correct horse")
        db.session.add(user)
        db.session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert response.status_code == 200
    return response.get_json()["access_token"]


def test_create_list_and_delete(app, client):
    auth = {"Authorization": f"Bearer {token(app, client)}"}
    post = {"title": "Hello API", "body": "Text", "category": "tech", "tags": ["api"]}
    created = client.post("/api/v1/posts", json=post, headers=auth)
    assert created.status_code == 201
    listed = client.get("/api/v1/posts").get_json()
    assert listed["total"] == 1 and listed["posts"][0]["tags"] == ["api"]
    assert listed["posts"][0]["created_at"].endswith("Z")
    assert client.delete(created.headers["Location"], headers=auth).status_code == 204


def test_errors_are_json(client):
    assert client.get("/api/v1/nowhere").get_json()["error"] == "not_found"
    assert client.get("/api/v1/posts?per_page=0").get_json()["error"] == "bad_request"
    response = client.post("/api/v1/posts", json={})
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]


def test_spam_is_refused_as_in_the_form(app, client):
    auth = {"Authorization": f"Bearer {token(app, client)}"}
    post = {"title": "Buy SPAM", "body": "Text", "category": "tech"}
    response = client.post("/api/v1/posts", json=post, headers=auth)
    assert response.status_code == 422 and "title" in response.get_json()["fields"]
