"""Helpers for the project's own tests: run `mission`, start servers, write learner apps.

Servers started here bind 127.0.0.1 on a free port and are always stopped, even when the
test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from mission_control.catalog import load_catalog
from mission_control.check.processes import command_argv, free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(ROOT)


@dataclass
class Run:
    """A finished `mission` command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        """The --json report (fails the test with the output if stdout is not one object)."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            pytest.fail(f"`mission {' '.join(self.args)}` did not print JSON:\n{self.output}")

    @property
    def output(self) -> str:
        return f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"

    def statuses(self) -> dict[str, str]:
        return {result["id"]: result["status"] for result in self.report["results"]}


def mission(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 180, cwd: Path | None = None
) -> Run:
    """Run the `mission` CLI in a subprocess, as a learner or teacher would."""
    completed = subprocess.run(
        [sys.executable, "-m", "mission_control", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
    )
    return Run(args, completed.returncode, completed.stdout, completed.stderr)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within {timeout} s")


@contextlib.contextmanager
def running_server(
    command: str, cwd: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """Start ``command`` in ``cwd`` with PORT set; yield its base URL; always stop it.
    What the server printed is shown if it does not come up."""
    port = port or free_port()
    with tempfile.TemporaryFile() as log:
        full_env = {**os.environ, **(env or {}), "PORT": str(port)}
        process = subprocess.Popen(
            command_argv(command, full_env),
            cwd=cwd,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                wait_for_port(port, process)
            except RuntimeError as error:
                log.seek(0)
                printed = log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"`{command}` in {cwd}: {error}\n{printed}") from None
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_process(process, grace=3.0)


def variant(name: str, destination: Path) -> Path:
    """A deliberately wrong app: the lesson's solution with tests/variants/<name>.diff
    applied (``a10-alg-none`` is a10's solution patched). Returns the app folder."""
    lesson = CATALOG.get(name.split("-")[0])
    folder = destination / name
    shutil.copytree(
        lesson.solution, folder, ignore=shutil.ignore_patterns("__pycache__", "instance")
    )
    subprocess.run(
        ["git", "apply", "-p1", str(ROOT / "tests" / "variants" / f"{name}.diff")],
        cwd=folder,
        env={**os.environ, "GIT_CEILING_DIRECTORIES": str(destination)},  # not inside a repo
        check=True,
    )
    return folder


def write_app(folder: Path, source: str, name: str = "app.py") -> Path:
    """A learner's app folder holding ``source`` as app.py."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return folder
