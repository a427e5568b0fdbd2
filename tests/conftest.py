"""Fixtures for the project's own tests.

Every test gets its own progress store and workspace, through the environment, so the
`mission` subprocesses it starts use them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The lessons that exist only for the tests are data here, not tests to collect.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A private progress store and workspace for each test."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("MISSION_PROGRESS_DB", str(state / "progress.sqlite3"))
    monkeypatch.setenv("MISSION_WORKSPACE", str(state / "workspace"))
    monkeypatch.setenv("NO_COLOR", "1")
    return state


@pytest.fixture
def app_copy(tmp_path: Path):
    """Copy an app folder (a lesson's solution or starter, or a test variant) to tmp."""

    def copy(source: Path, name: str = "app") -> Path:
        destination = tmp_path / name
        shutil.copytree(
            source, destination, ignore=shutil.ignore_patterns("__pycache__", "instance")
        )
        return destination

    return copy
