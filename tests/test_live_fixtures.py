"""The Socket.IO and browser fixtures, each proven on a small lesson of the fixture course.

- ``socketio_clients``: several clients to a served Flask-SocketIO app, upgraded to WebSocket;
  a failure names the event, the client and the time, and shows what came instead; clients
  are disconnected even when a wait fails;
- ``page``: pages in their own browser contexts of the system Chromium; a failure shows the
  text near the element and the console errors; without Chromium, a skip with the install
  command (with ``CI`` set, a failure).
"""

from __future__ import annotations

import os

import pytest
from helpers import ROOT, mission, running_server

from mission_control.check import CheckFailed
from mission_control.check import browser as browser_module
from mission_control.check.socketio import SocketClients

FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "course"
LESSONS = FIXTURE_ROOT / "lessons" / "assignments"
ENV = {"MISSION_COURSE_ROOT": str(FIXTURE_ROOT)}


def check(lesson: str, *args: str):
    return mission("check", lesson, *args, "--json", env=ENV)


def results(run) -> dict[str, dict]:
    return {result["id"]: result for result in run.report["results"]}


def test_socketio_clients_pass_the_solution_and_fail_the_starter() -> None:
    run = check("a06", "--solution")
    assert run.returncode == 0, run.output
    assert run.report["target"] == "serve"
    assert run.statuses() == {"shout-heard": "passed"}
    starter = check("a06", "--path", str(LESSONS / "06-socketio/starter"))
    message = results(starter)["shout-heard"]["message"]
    assert starter.returncode == 1
    assert message.startswith("expected a `sent` event on client ana within 2 s"), message
    assert 'not heard {"text": "hello"}' in message, message


def test_socketio_failures_say_what_came_and_clients_always_disconnect(app_copy) -> None:
    folder = app_copy(LESSONS / "06-socketio/solution")
    with running_server("python app.py", folder) as url:
        clients = SocketClients(url)
        ana, bob = clients.connect("ana"), clients.connect("bob")
        assert ana.transport == bob.transport == "websocket"
        ana.emit("shout", {"text": "x" * 500})
        with pytest.raises(CheckFailed) as failed:
            ana.wait_for("heard", timeout=0.5)
        message = failed.value.message
        assert message.startswith("expected a `heard` event on client ana within 0.5 s"), message
        assert "not sent {" in message, message
        bob.wait_for("heard", timeout=2)  # handed out once ...
        with pytest.raises(CheckFailed) as failed:  # ... so not twice
            bob.wait_for("heard", timeout=0.2)
        assert failed.value.message.endswith("not nothing new"), failed.value.message
        ana.emit("shout", {"text": "y" * 500})
        with pytest.raises(CheckFailed) as failed:
            ana.expect_no("sent", within=2)
        assert len(failed.value.message) < 300, failed.value.message  # payloads are trimmed
        clients.close()
        assert not ana.connected and not bob.connected


@pytest.mark.browser
def test_page_passes_the_solution_and_shows_what_the_starter_showed() -> None:
    run = check("a07", "--solution")
    assert run.returncode == 0, run.output
    assert run.statuses() == {"greets": "passed", "described": "passed"}
    starter = check("a07", "--path", str(LESSONS / "07-browser/starter"))
    found = results(starter)
    greets = found["greets"]["message"]
    assert greets.startswith("expected the text 'Hello, Ana!' in #out within 2 s on page ana")
    assert "near #out it showed 'Waiting'" in greets, greets
    assert "console errors:" in greets and "missingFunction is not defined" in greets, greets
    assert found["described"]["status"] == "failed"


def test_without_chromium_a_page_is_skipped_with_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", ROOT / "no-such-chromium")
    with pytest.raises(browser_module.BrowserUnavailable) as missing:
        browser_module.Browser().get()
    assert "`apt-get install -y chromium`" in str(missing.value)


def test_without_chromium_ci_fails_instead_of_skipping(monkeypatch) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", ROOT / "no-such-chromium")
    fixture = browser_module.page._get_wrapped_function()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(CheckFailed, match="apt-get install -y chromium"):
        next(fixture(browser_module.Browser(), "http://127.0.0.1:1"))
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        next(fixture(browser_module.Browser(), "http://127.0.0.1:1"))
    assert os.environ.get("CI") is None
