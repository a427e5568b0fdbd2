"""a08 · Webhook Receiver: the lesson's send_webhook.py does what the README says against the
solution. (The wrong receivers the attack suite rejects are in the lesson's variants/, run by
tests/test_variants.py.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG, provided_copy, running_server

LESSON = CATALOG.get("a08")

pytestmark = pytest.mark.skipif(LESSON is None, reason="lesson a08 is not in the catalog")


def test_send_webhook_is_provided_once() -> None:
    """The learner's send_webhook.py (copied by `mission start`) is the checker's: one copy."""
    assert (LESSON.provided / "send_webhook.py").is_file()
    assert not (LESSON.starter / "send_webhook.py").exists()
    assert not (LESSON.solution / "send_webhook.py").exists()


def test_send_webhook_uses_the_standard_library_only() -> None:
    source = (LESSON.provided / "send_webhook.py").read_text(encoding="utf-8")
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
def test_send_webhook_shows_each_failure_against_the_solution(tmp_path: Path) -> None:
    folder = provided_copy(LESSON, LESSON.solution, tmp_path / "app")
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
