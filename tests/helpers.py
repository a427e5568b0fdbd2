"""Helpers for the project's own tests: run `mission`, start servers, write learner apps.

Servers started here bind 127.0.0.1 on a free port and are always stopped, even when the
test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from mission_control import dev
from mission_control.catalog import Lesson, load_catalog
from mission_control.check.processes import free_port  # noqa: F401  (for the tests)

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
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
    cwd: Path | None = None,
    wrapper: Sequence[str] = (),
) -> Run:
    """Run the `mission` CLI in a subprocess, as a learner or teacher would (``wrapper``:
    a command it runs under, e.g. ``setpriv`` with fewer capabilities)."""
    completed = subprocess.run(
        [*wrapper, sys.executable, "-m", "mission_control", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
    )
    return Run(args, completed.returncode, completed.stdout, completed.stderr)


@contextlib.contextmanager
def running_server(
    command: str, cwd: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """Start ``command`` in ``cwd`` with PORT set; yield its base URL; always stop it.
    What the server printed is shown if it does not come up (see mission_control.dev)."""
    with dev.running_server(command, cwd, env, port) as url:
        yield url


def variant(name: str, destination: Path) -> Path:
    """A deliberately wrong app: the lesson's solution (with provided/) with
    lessons/<...>/variants/<variant>.diff applied (``a10-alg-none`` is a10's solution with
    variants/alg-none.diff). Returns the app folder."""
    lesson_id, _, variant_name = name.partition("-")
    lesson = CATALOG.get(lesson_id)
    found = {v.name: v for v in dev.read_variants(lesson)}
    return dev.apply_variant(lesson, found[variant_name], destination / name)


def provided_copy(lesson: Lesson, source: Path, destination: Path) -> Path:
    """A copy of a lesson's solution or starter with its provided/ files laid over it."""
    return dev.app_folder(lesson, source, destination)


def write_app(folder: Path, source: str, name: str = "app.py") -> Path:
    """A learner's app folder holding ``source`` as app.py."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return folder
