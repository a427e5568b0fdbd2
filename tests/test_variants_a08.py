"""a08 · Webhook Receiver: the attack suite rejects insecure or wrong receivers, and the
lesson's send_webhook.py does what the README says against the solution.

Each tests/variants/a08-*.diff turns the reference solution into one with one plausible mistake.
The test names the checkpoint that must catch it, and (for the insecure ones, which work for
honest senders) the checkpoints that must still pass, so the failure is about security and
not about an app that does not work at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, mission, running_server, variant

LESSON = CATALOG.get("a08")
WORKS = ("webhook-accepts-signed-event", "admin-lists-events")

pytestmark = pytest.mark.skipif(LESSON is None, reason="lesson a08 is not in the catalog")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "caught_by", "still_passes"),
    [
        ("a08-bare-hex-accepted", "attack-bare-hex", WORKS),
        ("a08-no-replay-window", "attack-replay-after-window", WORKS),
        ("a08-parse-before-verify", "verify-before-parsing", WORKS),
        ("a08-leaky-401-messages", "one-answer-for-every-401", WORKS),
        ("a08-admin-token-in-query", "admin-requires-token", WORKS),
        ("a08-no-body-limit", "oversize-body-413", WORKS),
        ("a08-events-in-memory", "events-survive-restart", WORKS),
        ("a08-reserialised-body", "webhook-accepts-signed-event", ()),
    ],
)
def test_checkpoints_reject_variant(
    name: str, caught_by: str, still_passes: tuple, tmp_path: Path
) -> None:
    run = mission("check", "a08", "--path", str(variant(name, tmp_path)), "--json")
    statuses = run.statuses()
    assert run.returncode == 1, run.output
    assert run.report["error"] is None, run.report["error"]
    assert statuses[caught_by] == "failed", statuses
    result = next(r for r in run.report["results"] if r["id"] == caught_by)
    assert result["message"].strip() and result["hint"].strip(), result
    for checkpoint_id in still_passes:
        assert statuses[checkpoint_id] == "passed", (checkpoint_id, statuses)


def test_send_webhook_is_the_same_in_starter_and_solution() -> None:
    starter = (LESSON.starter / "send_webhook.py").read_bytes()
    assert starter == (LESSON.solution / "send_webhook.py").read_bytes()


def test_send_webhook_uses_the_standard_library_only() -> None:
    source = (LESSON.solution / "send_webhook.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:import|from) ([\w]+)", source, re.M))
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def send(folder: Path, url: str, *options: str, env: dict[str, str]) -> tuple[int, list[str]]:
    """Run send_webhook.py; its exit code and the answers it printed ("200 {...}")."""
    done = subprocess.run(
        [sys.executable, "send_webhook.py", "--url", f"{url}/webhook", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **env},
    )
    answers = [line.removeprefix("-> ") for line in done.stdout.splitlines() if line[:3] == "-> "]
    return done.returncode, answers


@pytest.mark.slow
def test_send_webhook_shows_each_failure_against_the_solution(app_copy) -> None:
    folder = app_copy(LESSON.solution)
    env = dict(LESSON.check_env)
    with running_server(LESSON.run, folder, env) as url:
        assert send(folder, url, env=env) == (0, ['200 {"status":"received"}'])
        code, answers = send(folder, url, "--replay", env=env)
        assert (code, answers) == (0, ['200 {"status":"received"}', '200 {"status":"duplicate"}'])
        for option in (["--secret", "guessed"], ["--no-signature"], ["--old"]):
            code, answers = send(folder, url, *option, env=env)
            assert code == 0, option
            assert len(answers) == 1 and answers[0].startswith("401 "), (option, answers)
            assert "Invalid signature" in answers[0], (option, answers)
        # Without WEBHOOK_SECRET the script signs with the development default, which the
        # server (started with the lesson's secret) must refuse.
        quiet = {k: v for k, v in os.environ.items() if k != "WEBHOOK_SECRET"}
        done = subprocess.run(
            [sys.executable, "send_webhook.py", "--url", f"{url}/webhook"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=30,
            env=quiet,
        )
        assert "-> 401 " in done.stdout, done.stdout
    code, answers = send(folder, url, env=env)  # the server is stopped now
    assert code == 1 and answers == []
