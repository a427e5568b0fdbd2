"""The worker's pieces that need no process: frames, the cookie jar, calling a WSGI app the
way a server does, and tracebacks cut down to the learner's files.

worker.py is a script the checker runs by path (so only the standard library and Werkzeug
load before the learner's code); it is loaded here from its file, as the checker sees it.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

import mission_control.check

WORKER_FILE = Path(mission_control.check.__file__).with_name("worker.py")


def load_worker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mission_worker_under_test", WORKER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = load_worker()


def environ(**extra) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/", **extra}


# -- framing ------------------------------------------------------------------------------------


def test_worker_loads_from_its_file_and_as_a_module():
    assert WORKER_FILE.is_file()
    as_module = importlib.import_module("mission_control.check.worker")  # no side effects
    assert Path(as_module.__file__) == WORKER_FILE == Path(worker.__file__)
    assert not hasattr(as_module, "app")  # importing it does not start a worker


def test_frames_round_trip_in_order():
    stream = io.BytesIO()
    worker.send(stream, {"type": "ready"})
    worker.send(stream, {"type": "response", "body": "ü", "n": [1, 2]})
    stream.seek(0)
    assert worker.receive(stream) == {"type": "ready"}
    assert worker.receive(stream) == {"type": "response", "body": "ü", "n": [1, 2]}
    assert worker.receive(stream) is None


def test_a_frame_is_a_big_endian_length_and_json():
    stream = io.BytesIO()
    worker.send(stream, {"a": 1})
    raw = stream.getvalue()
    (length,) = struct.unpack(">I", raw[:4])
    assert (length, raw[4:]) == (len(raw) - 4, b'{"a": 1}')


@pytest.mark.parametrize("header", [b"", b"\x00", b"\x00\x00\x01"])
def test_a_short_header_means_the_other_side_is_gone(header):
    assert worker.receive(io.BytesIO(header)) is None


# -- CookieJar ----------------------------------------------------------------------------------


def cookies_sent(jar, **extra) -> str | None:
    env = environ(**extra)
    jar.add_to(env)
    return env.get("HTTP_COOKIE")


def test_cookie_jar_sends_what_was_set_and_overwrites():
    jar = worker.CookieJar()
    assert cookies_sent(jar) is None
    jar.update([("Set-Cookie", "visits=1; Path=/; HttpOnly"), ("X-Other", "a=b")])
    jar.update([("set-cookie", "session=abc")])
    assert cookies_sent(jar) == "visits=1; session=abc"
    jar.update([("Set-Cookie", "visits=2")])
    assert jar.cookies == {"visits": "2", "session": "abc"}


def test_cookie_jar_deletes_on_max_age_zero_and_past_expires():
    jar = worker.CookieJar()
    jar.update([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Set-Cookie", "c=3")])
    jar.update([("Set-Cookie", "a=; Max-Age=0")])
    jar.update([("Set-Cookie", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT")])
    jar.update([("Set-Cookie", "c=4; Expires=Fri, 01 Jan 2100 00:00:00 GMT")])
    assert jar.cookies == {"c": "4"}


def test_cookie_jar_ignores_cookies_it_cannot_parse():
    jar = worker.CookieJar()
    jar.update([("Set-Cookie", "ok=1"), ("Set-Cookie", "bad\x00name=1; ;")])
    assert jar.cookies == {"ok": "1"}


def test_a_request_with_its_own_cookie_header_is_left_alone():
    jar = worker.CookieJar()
    jar.update([("Set-Cookie", "visits=5")])
    assert cookies_sent(jar, HTTP_COOKIE="visits=oops") == "visits=oops"


# -- call_app -----------------------------------------------------------------------------------


def test_call_app_buffers_a_normal_answer():
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(env, start_response):
        start_response("201 CREATED", [("Content-Type", "text/plain"), ("X-N", 3)])
        return Body([b"he", b"", b"llo"])

    status, headers, body = worker.call_app(app, environ())
    assert (status, body) == ("201 CREATED", b"hello")
    assert headers == [("Content-Type", "text/plain"), ("X-N", "3")]
    assert closed == [True]


def test_write_callable_and_returned_chunks_both_count():
    def app(env, start_response):
        write = start_response("200 OK", [])
        write(b"a")
        return [b"b"]

    assert worker.call_app(app, environ())[2] == b"ab"


def test_exc_info_before_anything_was_sent_replaces_the_headers():
    def app(env, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 INTERNAL SERVER ERROR", [("X-Error", "1")], sys.exc_info())
        return [b"error page"]

    assert worker.call_app(app, environ()) == (
        "500 INTERNAL SERVER ERROR",
        [("X-Error", "1")],
        b"error page",
    )


def test_exc_info_after_the_body_started_re_raises():
    def app(env, start_response):
        write = start_response("200 OK", [])
        write(b"partial")
        try:
            raise KeyError("boom")
        except KeyError:
            start_response("500 INTERNAL SERVER ERROR", [], sys.exc_info())
        return [b"never"]

    with pytest.raises(KeyError, match="boom"):
        worker.call_app(app, environ())


def test_start_response_twice_without_exc_info_is_refused():
    def app(env, start_response):
        start_response("200 OK", [])
        start_response("201 CREATED", [])
        return []

    with pytest.raises(AssertionError, match="called twice"):
        worker.call_app(app, environ())


def test_a_chunk_before_start_response_is_refused():
    def app(env, start_response):
        yield b"too early"

    with pytest.raises(AssertionError, match=r"write\(\) was called before start_response"):
        worker.call_app(app, environ())


def test_empty_bytes_before_the_status_are_fine():
    def app(env, start_response):
        yield b""
        start_response("200 OK", [])
        yield b"late start"

    assert worker.call_app(app, environ()) == ("200 OK", [], b"late start")


def test_a_body_that_is_not_bytes_says_encode_it_and_is_still_closed():
    closed = []

    class Body:
        def __iter__(self):
            return iter(["text, not bytes"])

        def close(self):
            closed.append(True)

    def app(env, start_response):
        start_response("200 OK", [])
        return Body()

    with pytest.raises(TypeError, match=r"a WSGI body is bytes, not str: use \.encode\(\)"):
        worker.call_app(app, environ())
    assert closed == [True]


def test_an_app_that_never_starts_the_response_is_refused():
    with pytest.raises(AssertionError, match="without calling start_response"):
        worker.call_app(lambda env, start_response: [], environ())


# -- learner_traceback --------------------------------------------------------------------------


def test_learner_traceback_keeps_only_frames_under_the_app_dir(tmp_path):
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "views.py").write_text("def view(helper):\n    return helper()\n", encoding="utf-8")
    sys.path.insert(0, str(app_dir))
    try:
        import views  # the learner's module

        def library_helper():
            raise ValueError(f"bad value in {app_dir}/views.py")

        try:
            views.view(library_helper)
        except ValueError as exc:
            text = worker.learner_traceback(exc, str(app_dir))
    finally:
        sys.path.remove(str(app_dir))
        sys.modules.pop("views", None)

    lines = text.splitlines()
    assert lines[0] == "Traceback (your files only):"
    assert lines[1] == '  File "views.py", line 2, in view'
    assert lines[2].strip() == "return helper()"
    assert "test_worker_pieces" not in text  # the checker's own frames are left out
    assert lines[-1] == "ValueError: bad value in views.py"  # the folder is taken out


def test_learner_traceback_without_learner_frames_is_just_the_error(tmp_path):
    try:
        raise RuntimeError("nothing of yours")
    except RuntimeError as exc:
        assert worker.learner_traceback(exc, str(tmp_path)) == "RuntimeError: nothing of yours"
