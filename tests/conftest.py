"""Fixtures for the project's own tests.

Every test gets its own progress store and workspace, through the environment, so the
`mission` subprocesses it starts use them too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

# The lessons that exist only for the tests are data here, not tests to collect.
collect_ignore_glob = ["fixtures/*"]

# The checkpoint lists are cached per machine (~/.cache/mission-control); the suite keeps
# its own, so what an earlier checkout or checker left there never decides a test.
_CACHE = tempfile.mkdtemp(prefix="mission-test-cache-")
os.environ["MISSION_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

# A runner started in the background (`make test &` in a script) ignores Ctrl-C, and every
# process it starts would inherit that. The Ctrl-C tests send SIGINT on purpose: with a
# handler here, the children start with the default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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
