"""Pages and forms (mission_control.check.html) against a small Flask app, reached through a
transport that wraps Flask's test client (so cookies are kept as the real transports keep
them): CSS selectors, text and attributes, a form read whole and submitted with the session
cookie, redirects followed on request with the chain in a failure."""

from __future__ import annotations

import pytest
from flask import Flask, redirect, request, session

from mission_control.check import CheckFailed, Client, read_html, visit
from mission_control.check.client import Headers, Request, Response

PAGE = """<!doctype html><title>Sign in</title>
<main><h1>Sign in</h1>
<form method=post action="/login?next=%2Fhome">
  <input type=hidden name=csrf_token value="{token}">
  <label>Email <input name=email value="kept@example.com"></label>
  <input type=password name=password>
  <input type=checkbox name=remember>
  <select name=category><option value=tech>Tech<option value=life selected>Life</select>
  <textarea name=about>hello</textarea>
  <input type=submit value=Go>
</form>
<ul class=posts><li><a href="/p/1">One</a><li><a href="/p/2">Two  words</a></ul>
</main>"""


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test"

    @app.get("/login")
    def login_page() -> str:
        session["token"] = "t0k3n"
        return PAGE.format(token=session["token"])

    @app.post("/login")
    def login() -> tuple[str, int] | object:
        if request.form.get("csrf_token") != session.get("token"):
            return "bad token", 400
        if request.form.get("password") != "secret":
            return "wrong", 422
        session["who"] = request.form["email"]
        return redirect(request.args.get("next", "/"), 302)

    @app.get("/home")
    def home() -> str:
        fields = sorted(request.args)
        return f"<p id=who>{session.get('who')}</p><p>{fields}</p>"

    @app.get("/loop")
    def loop() -> object:
        return redirect("/loop")

    @app.get("/json")
    def json() -> dict[str, str]:
        return {"a": "b"}

    return app


class FlaskTransport:
    """Requests as bytes through Flask's test client: one cookie jar, like a checkpoint's."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def send(self, req: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        got = self.client.open(
            req.path,
            method=req.method,
            query_string=req.query,
            headers=req.headers,
            data=req.body,
        )
        return Response(
            got.status_code,
            got.status.partition(" ")[2],
            Headers(got.headers.items()),
            got.data,
            req,
        )


@pytest.fixture
def client() -> Client:
    return Client(FlaskTransport(make_app()), "http://127.0.0.1:5000")


def test_selectors_text_and_attributes(client: Client) -> None:
    page = visit(client, "/login").expect_status(200).html()
    assert page.title == "Sign in"
    assert page.one("h1").text == "Sign in"
    items = page.select("ul.posts li a")
    assert [a.text for a in items] == ["One", "Two words"]
    assert page.links("ul.posts a") == ["/p/1", "/p/2"]
    assert items[0].attr("href") == "/p/1"
    page.expect_text("Two words", within="ul.posts")
    page.expect_none("table")


def test_a_missing_element_quotes_the_page_not_the_whole_document(client: Client) -> None:
    page = visit(client, "/login").html()
    with pytest.raises(CheckFailed) as caught:
        page.one("nav a.logout", "a log-out link")
    message = caught.value.message
    assert message.startswith("expected a log-out link on the page /login, but there is none")
    assert "<main><h1>Sign in</h1>" in message
    assert "<title>" not in message  # the <main>, not the head


def test_a_form_is_read_whole(client: Client) -> None:
    form = visit(client, "/login").html().form()
    assert (form.method, form.action) == ("POST", "/login?next=%2Fhome")
    assert form.names == ["csrf_token", "email", "password", "remember", "category", "about"]
    assert form.values == {
        "csrf_token": "t0k3n",
        "email": "kept@example.com",
        "password": "",
        "category": "life",
        "about": "hello",
    }
    assert form.field("category").options == ("tech", "life")
    assert form.field("remember").value is None  # not ticked: not sent


def test_submit_keeps_hidden_fields_and_the_session_cookie_and_follows(client: Client) -> None:
    form = visit(client, "/login").html().form()
    done = form.submit(client, {"password": "secret", "remember": "on"}, follow_redirects=True)
    assert done.redirected and done.path == "/home"
    assert done.html().one("#who").text == "kept@example.com"
    assert done.describe().startswith("POST /login?next=%2Fhome → 302 FOUND → GET /home → 200")


def test_submit_without_following_returns_the_redirect(client: Client) -> None:
    form = visit(client, "/login").html().form()
    done = form.submit(client, {"password": "secret"})
    assert done.status_code == 302 and not done.redirected


def test_a_field_the_form_lacks_is_the_apps_failure(client: Client) -> None:
    form = visit(client, "/login").html().form()
    with pytest.raises(CheckFailed, match="a field named 'confirm', but it has: csrf_token"):
        form.submit(client, {"confirm": "x"})


def test_a_failure_after_redirects_shows_the_chain(client: Client) -> None:
    form = visit(client, "/login").html().form()
    done = form.submit(client, {"password": "secret"}, follow_redirects=True)
    with pytest.raises(CheckFailed) as caught:
        done.expect_status(201)
    assert "expected status 201 Created, not 200 OK" in caught.value.message
    assert "(redirects followed: POST /login?next=%2Fhome → 302 FOUND" in caught.value.message


def test_endless_redirects_stop(client: Client) -> None:
    with pytest.raises(CheckFailed, match="there were over 10"):
        visit(client, "/loop")


def test_a_page_that_is_not_html(client: Client) -> None:
    with pytest.raises(CheckFailed, match=r"expected an HTML page .*, not application/json"):
        read_html(client.get("/json"))
