"""The JSON API, with a JWT from POST /api/v1/tokens."""

import pytest


def post_data(**changes):
    return {"title": "Hello API", "body": "Text", "category": "tech", "tags": ["api"], **changes}


def test_token_for_the_right_password_only(client, make_user):
    make_user("ada")
    good = client.post(
        "/api/v1/tokens", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert good.status_code == 200 and good.get_json()["token_type"] == "Bearer"
    bad = client.post("/api/v1/tokens", json={"email": "ada@example.com", "password": "wrong"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "unauthorized"


def test_create_list_and_delete(client, make_user, token_for):
    make_user("ada")
    auth = token_for("ada")
    created = client.post("/api/v1/posts", json=post_data(), headers=auth)
    assert created.status_code == 201
    assert created.get_json()["author"] == "ada"
    listed = client.get("/api/v1/posts").get_json()
    assert listed["total"] == 1 and listed["posts"][0]["tags"] == ["api"]
    assert listed["posts"][0]["created_at"].endswith("Z")
    assert client.get(created.headers["Location"]).get_json()["title"] == "Hello API"
    assert client.delete(created.headers["Location"], headers=auth).status_code == 204
    assert client.get(created.headers["Location"]).status_code == 404


def test_pages_link_to_each_other(client, make_user, make_post):
    ada = make_user("ada")
    for number in range(3):
        make_post(ada, title=f"Post number {number}")
    first = client.get("/api/v1/posts?per_page=2").get_json()
    assert len(first["posts"]) == 2 and first["pages"] == 2 and first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).get_json()
    assert second["page"] == 2 and second["links"]["next"] is None
    assert [p["title"] for p in second["posts"]] == ["Post number 0"]


def test_update_own_post(client, make_user, token_for):
    make_user("ada")
    auth = token_for("ada")
    url = client.post("/api/v1/posts", json=post_data(), headers=auth).headers["Location"]
    changed = client.patch(url, json={"title": "New title", "tags": ["x", "x"]}, headers=auth)
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "New title" and changed.get_json()["tags"] == ["x"]


def test_someone_elses_post_is_forbidden(client, make_user, make_post, token_for):
    post_id = make_post(make_user("bob"), title="Bob's own post")
    make_user("ada")
    auth = token_for("ada")
    url = f"/api/v1/posts/{post_id}"
    assert client.patch(url, json={"title": "Taken over"}, headers=auth).status_code == 403
    assert client.delete(url, headers=auth).status_code == 403
    assert client.get(url).get_json()["title"] == "Bob's own post"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRhOng="}],
)
def test_writing_needs_a_valid_token(client, headers):
    response = client.post("/api/v1/posts", json=post_data(), headers=headers)
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_errors_are_json(client, make_user, token_for):
    assert client.get("/api/v1/nowhere").get_json()["error"] == "not_found"
    assert client.get("/api/v1/posts?per_page=0").get_json()["error"] == "bad_request"
    assert client.put("/api/v1/posts").get_json()["error"] == "method_not_allowed"
    make_user("ada")
    auth = token_for("ada")
    assert client.post("/api/v1/posts", data="x", headers=auth).status_code == 415
    assert client.post("/api/v1/posts", json=[1], headers=auth).status_code == 400


def test_spam_is_refused_as_in_the_form(client, make_user, token_for):
    make_user("ada")
    response = client.post(
        "/api/v1/posts", json=post_data(title="Buy SPAM"), headers=token_for("ada")
    )
    assert response.status_code == 422 and "title" in response.get_json()["fields"]


def test_openapi_document_lists_the_paths(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert {"/tokens", "/posts", "/posts/{post_id}"} <= set(document["paths"])
