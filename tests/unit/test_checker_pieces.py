"""The checker's no-I/O pieces: frames, logs, commands, capabilities, results."""

from __future__ import annotations

import sys

from tests_helpers_catalog import lesson_named

from mission_control.catalog import SERVICE_KINDS
from mission_control.check.capabilities import OFFERS, Capability, missing
from mission_control.check.client import Request
from mission_control.check.processes import AppLog, command_argv
from mission_control.check.report import (
    ErrorKind,
    Report,
    Result,
    Status,
    TargetKind,
    closing_line,
)
from mission_control.check.services import KINDS
from mission_control.check.transports import (
    FrameReader,
    encode_frame,
    request_frame,
    response_from_frame,
)


def test_frames_split_however_the_bytes_arrive() -> None:
    data = encode_frame({"type": "ready"}) + encode_frame({"type": "ok", "n": 2})
    reader = FrameReader()
    got = []
    for byte in data:  # one byte at a time: the worst a pipe can do
        reader.feed(bytes([byte]))
        while (frame := reader.next_frame()) is not None:
            got.append(frame)
    assert got == [{"type": "ready"}, {"type": "ok", "n": 2}]
    assert reader.next_frame() is None


def test_request_and_response_frames() -> None:
    request = Request("POST", "/x", "a=1", [("Content-Type", "text/plain")], b"hi")
    frame = request_frame(request, wsgi_lint=True)
    assert frame["body"] == "aGk=" and frame["wsgi_lint"] is True and frame["query"] == "a=1"
    answer = response_from_frame(
        {"type": "response", "status": "201 CREATED", "headers": [["X", "1"]], "body": "b2s="},
        request,
    )
    assert (answer.status_code, answer.reason, answer.headers["x"], answer.data) == (
        201,
        "CREATED",
        "1",
        b"ok",
    )
    raised = response_from_frame(
        {"type": "raised", "exception": "ZeroDivisionError: at /tmp/copy/app.py"},
        request,
        lambda text: text.replace("/tmp/copy", "/home/me"),
    )
    assert raised.status_code == 500 and raised.raised == "ZeroDivisionError: at /home/me/app.py"


def test_app_log_keeps_streams_and_a_bounded_tail() -> None:
    log = AppLog(limit=3)
    log.append("stdout", "\x1b[31mone\x1b[0m")
    mark = log.mark()
    for text in ("two", "three", "four"):
        log.append("stderr", text)
    assert log.lines() == ["two", "three", "four"]  # "one" dropped, colours never kept
    assert log.lines(since=mark) == ["two", "three", "four"]
    assert log.lines(since=log.mark() - 1) == ["four"]
    assert [line.stream for line in log.entries()] == ["stderr"] * 3
    found = log.wait_for("^thr", timeout=0.01)
    assert found is not None and found.text == "three"
    assert log.wait_for("never", timeout=0.01) is None


def test_commands_run_from_the_course_environment() -> None:
    env = {"PORT": "8123"}
    assert command_argv("python app.py", env)[0] == sys.executable
    assert command_argv("flask --app app run", env)[:3] == [sys.executable, "-m", "flask"]
    argv = command_argv("uvicorn app:app --port $PORT --host ${HOST}", env)
    assert argv[0].endswith("/uvicorn") and argv[-3:] == ["8123", "--host", "${HOST}"]
    assert command_argv(["./run.sh", "x y"]) == ["./run.sh", "x y"]


def test_every_capability_missing_has_its_own_message() -> None:
    lesson = lesson_named("a05")
    for kind, offered in OFFERS.items():
        for capability in Capability:
            reason = missing(capability, kind, lesson)
            if capability is Capability.STACK:
                # offered only where the lesson declares [check.production]; a05 does not
                assert reason is not None, kind
                continue
            assert (reason is None) == (capability in offered), (kind, capability)
            if reason:
                assert "mission check a05" in reason, reason
    services = missing(Capability.SERVICES, TargetKind.URL, lesson)
    assert services is not None and "fake_open_meteo.py" in services  # the lesson's own hint
    assert OFFERS[TargetKind.SERVE] == frozenset(Capability)


def test_every_service_kind_the_catalog_takes_has_an_implementation() -> None:
    assert set(SERVICE_KINDS) == set(KINDS)


def test_result_parts_and_the_first_json_format() -> None:
    result = Result("x", "X", Status.FAILED, detail="expected 201, not 200", came_back="200 OK")
    result.app_log = "Traceback…"
    assert result.message == (
        "expected 201, not 200\n\nCame back: 200 OK\n\nYour app logged:\nTraceback…"
    )
    old = {"id": "x", "title": "X", "status": "failed", "message": result.message}
    again = Result.from_dict(old)
    assert (again.detail, again.came_back, again.app_log) == (
        "expected 201, not 200",
        "200 OK",
        "Traceback…",
    )
    assert Result.from_dict(result.to_dict()) == result


def test_report_summary_and_closing_line() -> None:
    report = Report("0.1.0", "a01", "h", TargetKind.INPROCESS)
    report.results = [
        Result("a", "A", Status.PASSED),
        Result("b", "B", Status.ERROR, detail="NameError"),
        Result("c", "C", Status.SKIPPED),
    ]
    assert report.summary == {"passed": 1, "failed": 0, "skipped": 1, "error": 1}
    assert not report.ok
    assert closing_line(report.summary) == "1 passed, 0 failed, 1 skipped, 1 checker error"
    assert Report.from_dict(report.to_dict()).results == report.results
    assert ErrorKind.FACTORY_ERROR.headline == "Your app factory did not return an app."
    assert all(kind.headline for kind in ErrorKind)
