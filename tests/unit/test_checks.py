"""The shared checks of mission_control.check.checks, against hand-made responses and a
client whose transport is a plain function (no app, no server)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from handmade import build_response

from mission_control.check import (
    NOT_OBJECTS,
    CheckFailed,
    Client,
    HtmlPage,
    Request,
    Response,
    allowed_methods,
    expect_allow,
    expect_content_length,
    expect_escaped,
    expect_h1,
    expect_html,
    expect_malformed_json_400,
    expect_method_not_allowed,
    expect_not_json_415,
    expect_object_required,
    expect_unknown_url_404,
    expect_wsgi_valid,
    headings,
    html_page,
    is_count,
)

JSON = "application/json"
HTML = "text/html; charset=utf-8"


class FakeTransport:
    """Answers every request with ``answer(request)`` and keeps what was sent."""

    def __init__(self, answer: Callable[[Request], Response]) -> None:
        self.answer = answer
        self.sent: list[tuple[Request, bool]] = []

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        self.sent.append((request, wsgi_lint))
        response = self.answer(request)
        response.request = request
        return response


def client_answering(answer: Callable[[Request], Response]) -> tuple[Client, FakeTransport]:
    transport = FakeTransport(answer)
    return Client(transport, "http://127.0.0.1:5000"), transport


def json_error(status: int, headers=None) -> Callable[[Request], Response]:
    return lambda request: build_response(status, '{"error": "no"}', headers, content_type=JSON)


def failure(call) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        call()
    return caught.value


def content_type_of(request: Request) -> str | None:
    return next((v for k, v in request.headers if k.lower() == "content-type"), None)


# -- JSON errors --------------------------------------------------------------------------------


def test_unknown_url_404_asks_a_fresh_url_and_passes_a_json_404():
    client, transport = client_answering(json_error(404))
    r = expect_unknown_url_404(client, "/api/nothing-", length=8)
    ((request, _),) = transport.sent
    assert request.method == "GET" and request.path.startswith("/api/nothing-")
    assert len(request.path) == len("/api/nothing-") + 8
    assert r.status_code == 404
    expect_unknown_url_404(client)
    assert transport.sent[1][0].path.startswith("/no-such-page-")
    assert transport.sent[0][0].path != transport.sent[1][0].path.replace(
        "/no-such-page-", "/api/nothing-"
    )


def test_unknown_url_404_fails_on_flasks_html_page():
    client, _ = client_answering(
        lambda request: build_response(404, "<h1>Not Found</h1>", content_type="text/html")
    )
    assert failure(lambda: expect_unknown_url_404(client)).message == (
        "expected a JSON body (Content-Type: application/json), not text/html"
    )


def test_allowed_methods_splits_the_header():
    r = build_response(405, headers=[("Allow", "GET, HEAD,OPTIONS , post")])
    assert allowed_methods(r) == {"GET", "HEAD", "OPTIONS", "post"}
    assert allowed_methods(r, ignore_case=True) == {"GET", "HEAD", "OPTIONS", "POST"}
    missing = build_response(405)
    assert failure(lambda: allowed_methods(missing)).message == (
        "expected the header Allow, but the response has none"
    )


def test_expect_allow_passes_and_fails_with_expected_not():
    r = build_response(405, headers=[("Allow", "GET, HEAD")])
    assert expect_allow(r, "GET") == {"GET", "HEAD"}
    assert expect_allow(r) == {"GET", "HEAD"}  # only that there is one
    assert failure(lambda: expect_allow(r, "GET", "POST")).message == (
        "expected the Allow header to list GET and POST, not 'GET, HEAD'"
    )
    assert failure(lambda: expect_allow(r, "GET", absent=["HEAD"])).message == (
        "expected the Allow header to list GET (and not HEAD), not 'GET, HEAD'"
    )


def test_expect_allow_is_case_sensitive_unless_told():
    r = build_response(405, headers=[("Allow", "get")])
    failure(lambda: expect_allow(r, "GET"))
    assert expect_allow(r, "GET", ignore_case=True) == {"GET"}


def test_method_not_allowed_sends_the_method_and_checks_allow():
    client, transport = client_answering(json_error(405, [("Allow", "GET, POST")]))
    expect_method_not_allowed(client, "DELETE", "/todos", "GET", "POST")
    assert [(req.method, req.path) for req, _ in transport.sent] == [("DELETE", "/todos")]
    assert (
        "PUT"
        in failure(lambda: expect_method_not_allowed(client, "DELETE", "/todos", "PUT")).message
    )

    without_allow, _ = client_answering(json_error(405))
    assert failure(lambda: expect_method_not_allowed(without_allow, "DELETE", "/x")).message == (
        "expected the header Allow, but the response has none"
    )


def test_not_json_415_sends_a_form_and_optionally_raw_text():
    client, transport = client_answering(json_error(415))
    expect_not_json_415(client, "/todos", {"title": "Buy milk"}, raw='{"title": "x"}')
    sent = [(req.body, content_type_of(req)) for req, _ in transport.sent]
    assert sent == [
        (b"title=Buy+milk", "application/x-www-form-urlencoded"),
        (b'{"title": "x"}', "text/plain"),
        (b'{"title": "x"}', None),
    ]
    only_form, transport = client_answering(json_error(415))
    expect_not_json_415(only_form, "/posts", {"a": "b"})
    assert len(transport.sent) == 1


def test_not_json_415_fails_when_the_app_reads_a_form_as_json():
    answers = iter([json_error(415), json_error(400)])
    client, _ = client_answering(lambda request: next(answers)(request))
    assert failure(
        lambda: expect_not_json_415(client, "/todos", {"t": "x"}, raw="{}")
    ).message.startswith("expected status 415 Unsupported Media Type, not 400")


def test_malformed_json_400_labels_each_body_as_json():
    client, transport = client_answering(json_error(400))
    expect_malformed_json_400(client, "/todos", ['{"title": "x"', ""])
    sent = [(req.method, req.body, content_type_of(req)) for req, _ in transport.sent]
    assert sent == [("POST", b'{"title": "x"', JSON), ("POST", b"", JSON)]
    html_400, _ = client_answering(
        lambda request: build_response(400, "<p>Bad</p>", content_type="text/html")
    )
    assert (
        "not text/html"
        in failure(lambda: expect_malformed_json_400(html_400, "/todos", ["{"])).message
    )


def test_object_required_sends_json_that_is_not_an_object():
    client, transport = client_answering(json_error(400))
    expect_object_required(client, "/todos")
    assert [req.body for req, _ in transport.sent] == [b'["Buy milk"]', b'"Buy milk"', b"7"]
    assert NOT_OBJECTS == (["Buy milk"], "Buy milk", 7)
    expect_object_required(client, "/items/1", [None], method="PATCH")
    assert (transport.sent[-1][0].method, transport.sent[-1][0].body) == ("PATCH", b"null")

    created, _ = client_answering(lambda request: build_response(201, "{}", content_type=JSON))
    assert failure(lambda: expect_object_required(created, "/todos")).message == (
        "expected status 400 Bad Request, not 201 CREATED"
    )


@pytest.mark.parametrize(
    ("value", "wanted"),
    [(0, True), (7, True), (-1, False), (True, False), (1.0, False), ("1", False)],
)
def test_is_count(value, wanted):
    assert is_count(value) is wanted


# -- HTML pages ---------------------------------------------------------------------------------


def test_expect_html_returns_the_text_of_a_page():
    r = build_response(200, "<h1>Grüße</h1>", content_type="text/html")
    assert expect_html(r, 200) == "<h1>Grüße</h1>"
    assert expect_html(build_response(400, "x", content_type=HTML), 200, 400, utf8=True) == "x"


def test_expect_html_failures():
    js = build_response(200, "{}", content_type=JSON)
    error = failure(lambda: expect_html(js, 200, type_hint="Render a template."))
    assert error.message == "expected an HTML page (Content-Type: text/html), not application/json"
    assert error.hint == "Render a template."
    assert failure(lambda: expect_html(build_response(200, "x"), 200)).message == (
        "expected an HTML page (Content-Type: text/html), not no Content-Type"
    )
    latin = build_response(200, "x", content_type="text/html; charset=latin-1")
    error = failure(lambda: expect_html(latin, 200, utf8=True, hint="Own hint.", type_hint="t"))
    assert error.message == (
        'expected the header "Content-Type: text/html; charset=utf-8", not '
        "'text/html; charset=latin-1'"
    )
    assert error.hint == "Own hint."
    assert failure(lambda: expect_html(build_response(200, "x"), 200, utf8=True)).message == (
        'expected the header "Content-Type: text/html; charset=utf-8", not no Content-Type header'
    )
    assert failure(lambda: expect_html(latin, 404)).message == (
        "expected status 404 Not Found, not 200 OK"
    )


def test_expect_content_length_counts_bytes_not_characters():
    ok = build_response(200, "Jürgen", [("Content-Length", "7")])
    expect_content_length(ok)
    chars = build_response(200, "Jürgen", [("Content-Length", "6")])
    error = failure(lambda: expect_content_length(chars, hint="Count bytes."))
    assert (
        error.message == "expected Content-Length: 7 (the body is 7 bytes), not Content-Length: 6"
    )
    assert error.hint == "Count bytes."
    assert failure(lambda: expect_content_length(build_response(200, "ab"))).message == (
        "expected Content-Length: 2 (the body is 2 bytes), not no Content-Length"
    )
    assert (
        "not Content-Length: 2.0"
        in failure(
            lambda: expect_content_length(build_response(200, "ab", [("Content-Length", "2.0")]))
        ).message
    )


def test_headings_unescape_entities_and_keep_markup():
    text = '<H1 class="x"> Hello, &lt;b&gt;Ann&amp;Bo! </H1><h1>Hi <img src=x></h1>'
    assert headings(text) == ["Hello, <b>Ann&Bo!", "Hi <img src=x>"]
    assert headings("<h2>No</h2>") == []


def test_expect_h1_passes_or_lists_the_headings():
    r = build_response(200)
    expect_h1(r, "<h1>Hello, World!</h1>", "Hello, World!")
    assert failure(lambda: expect_h1(r, "<h1>Hi</h1><h1>Yo</h1>", "Hello, <Ann>!")).message == (
        "expected the page to have <h1>Hello, &lt;Ann&gt;!</h1>, not <h1>Hi</h1>, <h1>Yo</h1>"
    )
    assert failure(lambda: expect_h1(r, "<p>Hello</p>", "Hello")).message == (
        "expected the page to have <h1>Hello</h1>, not a page without any <h1>"
    )


def test_expect_escaped():
    r = build_response(200)
    attack = "<script>alert(1)</script>"
    expect_escaped(r, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>", attack)
    assert failure(lambda: expect_escaped(r, f"<h1>{attack}</h1>", attack)).message == (
        f"expected {attack} escaped (as &lt;script&gt;alert(1)&lt;/script&gt;), not it in the "
        "page as a real tag: a browser would run it"
    )


PAGE = """<!doctype html>
<html><head><title> Hello,
  Ada </title><link rel="Stylesheet preload" href="/static/style.css?v=2"></head>
<body>
<header><nav><a href="/">Home</a></nav></header>
<h1>Hello, <em>Ada</em>!</h1>
<a href="/hello/World#top">World</a>
<p id="state" data-cached="false">Fresh &amp; new</p>
<form method="get" action="/">
  <label for="city">City</label><input id="city" name="city_name">
  <label>Lat <input name="lat"></label>
  <input name="lon" id="lon">
  <select name="unit"></select>
</form>
<input name="outside">
<img src=x onerror="alert(1)"><button onclick="go()">Go</button>
</body></html>"""


def test_html_page_reads_links_stylesheets_headings_and_title():
    page = HtmlPage(PAGE)
    assert page.links == [("/", True), ("/hello/World#top", False)]
    assert page.stylesheets == ["/static/style.css?v=2"]
    assert (page.h1, page.titles) == (["Hello, Ada!"], ["Hello, Ada"])
    assert page.has_header
    assert page.links_to("/") and page.links_to("/", in_header=True)
    assert page.links_to("/hello/World") and not page.links_to("/hello/World", in_header=True)
    assert not page.links_to("/hello")
    assert page.shown_links() == "/, /hello/World#top"
    assert HtmlPage("<p>none</p>").shown_links() == "no links at all"


def test_html_page_reads_forms_labels_ids_and_attributes():
    page = HtmlPage(PAGE)
    (form,) = page.forms
    assert form["attrs"] == {"method": "get", "action": "/"}
    fields = {field["name"]: field for field in form["inputs"]}
    assert list(fields) == ["city_name", "lat", "lon", "unit"]
    assert [field["name"] for field in page.inputs] == [*fields, "outside"]
    assert page.labelled(fields["city_name"])  # <label for=...>
    assert page.labelled(fields["lat"])  # inside the <label>
    assert not page.labelled(fields["lon"]) and not page.labelled(fields["unit"])
    assert page.ids == {"state", "city", "lon"}
    assert page.attribute_values("data-cached") == ["false"]
    assert page.attribute_values("data-missing") == []


def test_html_page_text_and_handlers():
    page = HtmlPage(PAGE)
    assert "Hello, Ada! World Fresh & new City Lat Go" in page.text
    assert page.handlers("alert(1)") == ["<img onerror=...>"]
    assert page.handlers("go()") == ["<button onclick=...>"]
    assert page.handlers("nothing") == []
    long = HtmlPage("<p>" + "word " * 100 + "</p>")
    assert long.shown_text(10) == repr("word word " + "…")
    assert HtmlPage("<p>a  \n b</p>").shown_text() == "'a b'"


def test_html_page_from_a_response():
    r = build_response(404, "<h1>Lost</h1>", content_type="text/html")
    assert html_page(r, 404).h1 == ["Lost"]
    assert failure(lambda: html_page(r)).message == "expected status 200 OK, not 404 NOT FOUND"


# -- wsgiref.validate ---------------------------------------------------------------------------


REQUESTS = [("GET", "/", {}), ("POST", "/submit", {"data": {"message": "Hi"}})]


def test_wsgi_valid_sends_every_request_through_the_validator():
    client, transport = client_answering(lambda request: build_response(200, "ok"))
    expect_wsgi_valid(client, REQUESTS)
    assert [(req.method, req.path, lint) for req, lint in transport.sent] == [
        ("GET", "/", True),
        ("POST", "/submit", True),
    ]
    assert transport.sent[1][0].body == b"message=Hi"


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        ("AssertionError", "wsgiref.validate refused GET / without saying why. Its silent"),
        (
            "AssertionError: Headers (('a', 1)) must be of type list",
            "wsgiref.validate refused GET /: AssertionError: Headers (('a', 1)) must be of type",
        ),
    ],
)
def test_wsgi_valid_says_what_the_validator_refused(raised, message):
    client, _ = client_answering(lambda request: build_response(500, raised=raised))
    assert failure(lambda: expect_wsgi_valid(client, REQUESTS)).message.startswith(message)


def test_wsgi_valid_fails_on_a_server_error():
    client, _ = client_answering(lambda request: build_response(502))
    assert failure(lambda: expect_wsgi_valid(client, REQUESTS)).message == (
        "expected an answer, not a server error, not 502 BAD GATEWAY"
    )
