"""The checkpoint API without any app: requests as bytes and curl, responses and their
expectations, and the ``@checkpoint`` decorator."""

from __future__ import annotations

import json
import shlex

import pytest

from mission_control.check.api import checkpoint, expect, expect_equal, fail, title_of
from mission_control.check.client import (
    CheckFailed,
    Headers,
    build_request,
    preview,
    same_path,
    status_text,
)

BASE = "http://127.0.0.1:5000"


def request(method="GET", path="/", *, query=None, headers=None, json=..., data=None, files=None):
    return build_request(method, path, query, headers, json, data, files)


def failure(call) -> CheckFailed:
    """The CheckFailed ``call()`` raises (the test fails if it raises nothing)."""
    with pytest.raises(CheckFailed) as caught:
        call()
    return caught.value


# -- build_request ------------------------------------------------------------------------


def test_query_from_a_mapping_is_url_encoded_with_repeats():
    r = request(path="/search", query={"q": "a b", "tag": ["x", "y"]})
    assert (r.path, r.query) == ("/search", "q=a+b&tag=x&tag=y")
    assert r.target == "/search?q=a+b&tag=x&tag=y"


def test_query_from_a_string_and_inline_in_the_path():
    assert request(path="/s", query="name=").query == "name="
    inline = request(path="/s?lat=1&lon=2")
    assert (inline.path, inline.query, inline.target) == ("/s", "lat=1&lon=2", "/s?lat=1&lon=2")
    assert request(path="/plain").target == "/plain"


def test_method_is_upper_cased_and_path_must_start_with_a_slash():
    assert request("patch", "/x").method == "PATCH"
    with pytest.raises(ValueError, match="start with '/'"):
        request(path="todos")


def test_headers_as_mapping_or_pairs_keep_order_and_repeats():
    assert request(headers={"X-A": "1", "X-B": "2"}).headers == [("X-A", "1"), ("X-B", "2")]
    pairs = [("Cookie", "a=1"), ("Cookie", "b=2")]
    assert request(headers=pairs).headers == pairs


def test_json_body_and_its_content_type():
    r = request("POST", "/todos", json={"title": "Buy milk"})
    assert json.loads(r.body) == {"title": "Buy milk"}
    assert r.body_kind == ("json", '{"title": "Buy milk"}')
    assert r.headers == [("Content-Type", "application/json")]


def test_json_none_is_a_body_but_no_json_argument_is_not():
    assert request("POST", json=None).body == b"null"
    assert request("POST").body == b""
    assert request("POST").body_kind == ("none", None)


def test_a_given_content_type_is_not_overridden():
    r = request("POST", json=[1], headers={"content-type": "text/plain"})
    assert r.headers == [("content-type", "text/plain")]
    form = request("POST", data={"a": "1"}, headers=[("Content-Type", "application/json")])
    assert form.headers == [("Content-Type", "application/json")]


def test_form_body_is_url_encoded():
    r = request("POST", data={"message": "Grüße & more", "n": [1, 2]})
    assert r.body == b"message=Gr%C3%BC%C3%9Fe+%26+more&n=1&n=2"
    assert r.body_kind == ("form", r.body.decode())
    assert r.headers == [("Content-Type", "application/x-www-form-urlencoded")]


def test_raw_body_gets_no_content_type():
    assert request("POST", data="text").body == b"text"
    r = request("POST", data=b"\x00\x01")
    assert (r.body, r.body_kind, r.headers) == (b"\x00\x01", ("raw", None), [])


def test_multipart_body_holds_fields_and_files():
    r = request(
        "POST",
        "/upload",
        data={"caption": "me"},
        files={"file": ("a.png", b"\x89PNG", "image/png"), "doc": ("n.txt", b"hi")},
    )
    ((name, value),) = r.headers
    assert name == "Content-Type" and value.startswith("multipart/form-data; boundary=")
    boundary = value.split("boundary=")[1]
    assert r.body.startswith(f"--{boundary}\r\n".encode())
    assert r.body.endswith(f"--{boundary}--\r\n".encode())
    assert b'name="caption"\r\n\r\nme\r\n' in r.body
    assert b'name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG' in r.body
    assert b"Content-Type: application/octet-stream\r\n\r\nhi" in r.body
    assert r.body_kind == (
        "multipart",
        ["caption=me", "file=@a.png;type=image/png", "doc=@n.txt;type=application/octet-stream"],
    )


# -- Request.curl ---------------------------------------------------------------------------


def test_curl_get_head_and_methods():
    assert request(path="/todos").curl(BASE) == f"curl -i {BASE}/todos"
    assert request("HEAD", "/todos").curl(BASE + "/") == f"curl -I {BASE}/todos"
    assert request("DELETE", "/todos/1").curl(BASE) == f"curl -i -X DELETE {BASE}/todos/1"
    assert request("POST", "/x").curl(BASE) == f"curl -i -X POST {BASE}/x"


def test_curl_json_and_form_bodies_use_d_without_x_for_post():
    r = request("POST", "/todos", json={"title": "Buy milk"})
    assert r.curl(BASE) == (
        f"curl -i {BASE}/todos -H 'Content-Type: application/json' -d '{{\"title\": \"Buy milk\"}}'"
    )
    put = request("PUT", "/p", data={"bio": "x"})
    assert shlex.split(put.curl(BASE)) == [
        "curl",
        "-i",
        "-X",
        "PUT",
        f"{BASE}/p",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-d",
        "bio=x",
    ]


def test_curl_multipart_leaves_its_content_type_to_curl():
    r = request("POST", "/u", files={"file": ("a.png", b"x", "image/png")}, headers={"X-A": "1"})
    assert shlex.split(r.curl(BASE)) == [
        "curl",
        "-i",
        f"{BASE}/u",
        "-H",
        "X-A: 1",
        "-F",
        "file=@a.png;type=image/png",
    ]


def test_curl_raw_text_body_is_data_binary():
    r = request("POST", "/hook", data='{"id": 1}', headers={"Content-Type": "application/json"})
    assert shlex.split(r.curl(BASE))[-2:] == ["--data-binary", '{"id": 1}']


def test_curl_binary_or_large_body_goes_to_a_file_with_its_size():
    binary = request("POST", "/b", data=b"\x00\xff")
    assert binary.curl(BASE) == f"curl -i {BASE}/b --data-binary @body.bin   # body.bin: 2 bytes"
    large = request("POST", "/b", data="x" * 2001)
    assert large.curl(BASE).endswith("--data-binary @body.bin   # body.bin: 2,001 bytes")
    assert "--data-binary " + "x" * 2000 in request("POST", "/b", data="x" * 2000).curl(BASE)


def test_curl_quotes_odd_characters_for_the_shell():
    r = request("GET", "/hello/it's me", headers={"X-Q": 'a "b" $c'})
    command = r.curl(BASE)
    assert "'\"'\"'" in command  # the single quote, escaped the POSIX way
    assert shlex.split(command) == ["curl", "-i", f"{BASE}/hello/it's me", "-H", 'X-Q: a "b" $c']


# -- Headers ----------------------------------------------------------------------------------


def test_headers_are_looked_up_case_insensitively():
    headers = Headers([("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("set-cookie", "b")])
    assert headers.get("content-type") == "text/html"
    assert headers["CONTENT-TYPE"] == "text/html"
    assert headers.get("X-Missing") is None
    assert headers.get("X-Missing", "none") == "none"
    assert headers.get_all("SET-COOKIE") == ["a=1", "b"]
    assert headers.get_all("X-Missing") == []
    with pytest.raises(KeyError):
        headers["X-Missing"]


def test_headers_contains_iterates_in_order_and_counts():
    headers = Headers([("B", "2"), ("A", 1)])
    assert "b" in headers and "C" not in headers and 42 not in headers
    assert list(headers) == [("B", "2"), ("A", "1")]  # values become str
    assert len(headers) == 2
    assert repr(headers) == "Headers([('B', '2'), ('A', '1')])"


# -- Response -----------------------------------------------------------------------------------


def test_text_replaces_bytes_that_are_not_utf8(respond):
    assert respond(body="Grüße").text == "Grüße"
    assert respond(body=b"a\xffb").text == "a\ufffdb"


def test_content_type_is_the_lower_case_media_type(respond):
    assert respond(content_type="Text/HTML; charset=utf-8").content_type == "text/html"
    assert respond().content_type == ""


@pytest.mark.parametrize(
    ("content_type", "is_json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/problem+json", True),
        ("text/json", False),
        ("text/html", False),
        (None, False),
    ],
)
def test_is_json(respond, content_type, is_json):
    assert respond(content_type=content_type).is_json is is_json


def test_status_line_and_status_text(respond):
    assert respond(201).status_line == "201 CREATED"
    assert respond(299, reason="").status_line == "299"
    assert status_text(201) == "201 Created"
    assert status_text(418) == "418 I'm a Teapot"
    assert status_text(599) == "599"


def test_summary_shows_status_type_and_body(respond):
    assert respond(204).summary() == "204 NO CONTENT, no Content-Type, empty body"
    page = respond(200, "  <h1>Hi</h1>\n", content_type="text/html")
    assert page.summary() == "200 OK, text/html\n<h1>Hi</h1>"
    crashed = respond(500, "boom", raised="ZeroDivisionError: division by zero")
    assert crashed.summary() == (
        "500 INTERNAL SERVER ERROR, no Content-Type\n(your app raised ZeroDivisionError: "
        "division by zero; its traceback is in the app's log)"
    )


def test_preview_truncates_and_hides_binary():
    assert preview("short") == "short"
    assert preview("x" * 401) == "x" * 400 + "… (1 more characters)"
    assert preview("abcdef", 4) == "abcd… (2 more characters)"
    assert preview(b"\x00\x01\x02") == "<3 bytes of binary data>"
    assert preview(b"\xff\xfe") == "<2 bytes of binary data>"
    assert preview(b"tab\tand\nnewline") == "tab\tand\nnewline"


def test_same_path_accepts_relative_and_absolute_locations():
    assert same_path("/todos/1", "/todos/1")
    assert same_path("http://localhost/todos/1?x=1", "/todos/1")
    assert not same_path("/todos/12", "/todos/1")


# -- Response.expect_* -------------------------------------------------------------------------


def test_expect_status_passes_and_returns_the_response(respond):
    r = respond(201)
    assert r.expect_status(200, 201) is r


def test_expect_status_failure_names_both_statuses(respond):
    r = respond(404)
    error = failure(lambda: r.expect_status(200, 201, hint="Return 201."))
    assert error.message == "expected status 200 OK or 201 Created, not 404 NOT FOUND"
    assert (error.hint, error.response) == ("Return 201.", r)
    assert str(error) == error.message


def test_expect_status_failure_says_what_the_app_raised(respond):
    r = respond(500, raised="KeyError: 'title'")
    assert failure(lambda: r.expect_status(201)).message == (
        "expected status 201 Created, not 500 INTERNAL SERVER ERROR (your app raised "
        "KeyError: 'title')"
    )


def test_expect_json_returns_the_value_of_the_right_kind(respond):
    assert respond(body="[1, 2]", content_type="application/json").expect_json(list) == [1, 2]
    assert respond(body='{"a": null}', content_type="application/json").json == {"a": None}


def test_expect_json_failures(respond):
    html = respond(body="<p>", content_type="text/html")
    assert failure(lambda: html.expect_json()).message == (
        "expected a JSON body (Content-Type: application/json), not text/html"
    )
    assert failure(lambda: respond(body="{}").expect_json()).message == (
        "expected a JSON body (Content-Type: application/json), not no Content-Type"
    )
    broken = respond(body="{", content_type="application/json")
    assert failure(lambda: broken.json).message == (
        "expected valid JSON, but the body does not parse as JSON"
    )
    obj = respond(body="{}", content_type="application/json")
    assert failure(lambda: obj.expect_json(list)).message == (
        "expected a JSON array, not a JSON object"
    )
    number = respond(body="7", content_type="application/json")
    assert failure(lambda: number.expect_json(dict)).message == (
        "expected a JSON object, not a number"
    )


def test_expect_error_passes_with_an_error_message(respond):
    r = respond(400, '{"error": "title is required"}', content_type="application/json")
    assert r.expect_error(400) == {"error": "title is required"}


@pytest.mark.parametrize("body", ['{"error": ""}', '{"error": "  "}', '{"error": 3}', '{"e": 1}'])
def test_expect_error_needs_a_non_empty_text(respond, body):
    r = respond(400, body, content_type="application/json")
    assert failure(lambda: r.expect_error(400)).message == (
        f'expected a JSON error like {{"error": "what went wrong"}}, not {body}'
    )


def test_expect_error_checks_status_then_json(respond):
    wrong = respond(200, '{"error": "x"}', content_type="application/json")
    assert failure(lambda: wrong.expect_error(400)).message.startswith("expected status 400")
    page = respond(404, "<h1>Not Found</h1>", content_type="text/html")
    assert "not text/html" in failure(lambda: page.expect_error(404)).message


def test_expect_header_passes(respond):
    r = respond(201, headers=[("Location", "/todos/7")])
    assert r.expect_header("location") == "/todos/7"
    assert r.expect_header("Location", "/todos/7") == "/todos/7"
    assert r.expect_header("Location", lambda v: v.endswith("/7")) == "/todos/7"


def test_expect_header_failures(respond):
    r = respond(201, headers=[("Location", "/todos/8")])
    assert failure(lambda: r.expect_header("Allow")).message == (
        "expected the header Allow, but the response has none"
    )
    assert failure(lambda: r.expect_header("Location", "/todos/7")).message == (
        "expected the Location header to be '/todos/7', not '/todos/8'"
    )
    predicate = failure(
        lambda: r.expect_header("Location", lambda v: v == "/", expected="the home page")
    )
    assert predicate.message == "expected the Location header to be the home page, not '/todos/8'"


def test_expect_empty_body(respond):
    r = respond(204)
    assert r.expect_empty_body() is r
    full = respond(200, "x" * 130)
    assert failure(lambda: full.expect_empty_body()).message == (
        "expected an empty body, not " + "x" * 120 + "… (10 more characters)"
    )


# -- api.py -------------------------------------------------------------------------------------


def test_expect_passes_or_says_expected_not(respond):
    expect(True, "anything")
    r = respond()
    error = failure(lambda: expect(0, "a number", "zero", hint="h", response=r))
    assert (error.message, error.hint, error.response) == ("expected a number, not zero", "h", r)
    assert failure(lambda: expect([], "items")).message == "expected items"


def test_expect_equal_passes_for_equal_values():
    expect_equal("a", "a", "the title")
    expect_equal(1, 1.0, "the count")
    expect_equal(False, False, '"completed"')


@pytest.mark.parametrize(
    ("actual", "wanted", "message"),
    [
        (1, True, "expected the value to be true, not 1"),
        (0, False, "expected the value to be false, not 0"),
        (None, False, "expected the value to be false, not null"),
        ("x", None, "expected the value to be null, not 'x'"),
        ("a", "b", "expected the value to be 'b', not 'a'"),
    ],
)
def test_expect_equal_failures_and_booleans_are_not_numbers(actual, wanted, message):
    assert failure(lambda: expect_equal(actual, wanted, "the value")).message == message


def test_expect_equal_a_boolean_is_not_the_number_wanted():
    failure(lambda: expect_equal(True, 1, "the count"))


def test_fail_always_raises_with_hint_and_response(respond):
    r = respond()
    error = failure(lambda: fail("expected X, not Y", hint="Do Z.", response=r))
    assert (error.message, error.hint, error.response) == ("expected X, not Y", "Do Z.", r)


def test_title_of_is_the_first_paragraph_on_one_line():
    assert title_of("  GET /todos answers\n    200 with JSON\n\n  More words.") == (
        "GET /todos answers 200 with JSON"
    )
    assert title_of(None) == ""


def test_checkpoint_decorator_attaches_its_spec():
    @checkpoint(hint="Do it.", requires="create-todo")
    def test_list_todos():
        """GET /todos lists"""

    spec = test_list_todos.__checkpoint__
    assert (spec.id, spec.hint, spec.requires) == ("list_todos", "Do it.", ("create-todo",))

    @checkpoint("two-needs", requires=("a", "b"))
    def test_other():
        """Other"""

    assert test_other.__checkpoint__.requires == ("a", "b")
    assert test_other.__checkpoint__.hint is None


@pytest.mark.parametrize("bad", ["Create-Todo", "create todo", "-create", "create--todo", "café"])
def test_checkpoint_decorator_refuses_a_bad_id(bad):
    def test_x():
        """Title"""

    with pytest.raises(ValueError, match="must be lower-case words joined by - or _"):
        checkpoint(bad)(test_x)


def test_checkpoint_decorator_needs_a_docstring():
    def test_untitled():
        pass

    def test_blank():
        """ """

    with pytest.raises(ValueError, match="'untitled' needs a docstring"):
        checkpoint()(test_untitled)
    with pytest.raises(ValueError, match="needs a docstring"):
        checkpoint("blank")(test_blank)
