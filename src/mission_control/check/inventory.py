"""A lesson's checkpoints (id, title, hint, prerequisites), learnt from a real collection.

The hub and ``mission lessons`` list checkpoints without running a check. They get them from
pytest's own collection of the checkpoint files, with the checker's plugin, so whatever a
checkpoint module does (constants, helpers, imports) the list is what a check would run.
Collecting costs a Python start-up, so the result is kept by spec hash (the hash of the
checkpoint files): in memory, and on disk under ``MISSION_CACHE_DIR`` (default
``~/.cache/mission-control``). A check run refreshes the cache for free.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission_control import __version__
from mission_control.catalog import Lesson, load_lesson

if TYPE_CHECKING:
    from mission_control.check.plugin import CollectedCheckpoint


class InventoryError(Exception):
    """The checkpoint files could not be collected (a syntax error, a bad @checkpoint)."""


@dataclass(frozen=True)
class CheckpointInfo:
    id: str
    title: str
    hint: str
    requires: tuple[str, ...]
    file: str


_MEMORY: dict[str, tuple[CheckpointInfo, ...]] = {}


def spec_hash(lesson: Lesson) -> str:
    """sha256 of the checkpoint files (names and contents): which checks a report used."""
    files = tuple((path, path.stat().st_mtime_ns) for path in lesson.checkpoint_files())
    return _hash(files)


@lru_cache(maxsize=256)
def _hash(files: tuple[tuple[Path, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _ in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_dir() -> Path:
    if env := os.environ.get("MISSION_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mission-control"


#: Part of every cache file's name: raise it when what is cached changes meaning (2: before
#: it, lessons collected together could hold another lesson's ids).
CACHE_FORMAT = 2


def _cache_file(digest: str) -> Path:
    return cache_dir() / "inventory" / f"{__version__}-{CACHE_FORMAT}-{digest}.json"


def list_checkpoints(lesson: Lesson) -> list[CheckpointInfo]:
    """Every checkpoint of ``lesson`` in file order."""
    return list_many([lesson])[0]


def list_many(lessons: Sequence[Lesson]) -> list[list[CheckpointInfo]]:
    """The checkpoints of each lesson; those not cached are collected in one process. A
    lesson the checker does not run (a primer) has none, and nothing is collected for it."""
    digests = [spec_hash(lesson) for lesson in lessons]
    missing = [
        (lesson, digest)
        for lesson, digest in zip(lessons, digests, strict=True)
        if lesson.checkable and digest not in _MEMORY and not _load(digest)
    ]
    if missing:
        collected = _collect_elsewhere([lesson for lesson, _ in missing])
        for (_, digest), infos in zip(missing, collected, strict=True):
            _store(digest, infos)
    return [
        list(_MEMORY[digest]) if lesson.checkable else []
        for lesson, digest in zip(lessons, digests, strict=True)
    ]


def remember(digest: str, collected: Iterable[CollectedCheckpoint]) -> None:
    """Keep what a check run collected, so listing the lesson costs nothing more."""
    if digest not in _MEMORY:
        _store(digest, [_info(item) for item in collected])


def _info(item: CollectedCheckpoint) -> CheckpointInfo:
    return CheckpointInfo(
        id=item.spec.id,
        title=item.title,
        hint=item.spec.hint or "",
        requires=tuple(item.spec.requires),
        file=item.file,
    )


def _load(digest: str) -> bool:
    try:
        data = json.loads(_cache_file(digest).read_text(encoding="utf-8"))
        _MEMORY[digest] = tuple(
            CheckpointInfo(**{**row, "requires": tuple(row["requires"])}) for row in data
        )
    except (OSError, ValueError, TypeError, KeyError):
        return False
    return True


def _store(digest: str, infos: Sequence[CheckpointInfo]) -> None:
    _MEMORY[digest] = tuple(infos)
    path = _cache_file(digest)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8"
        ) as out:
            json.dump([asdict(info) for info in infos], out)
        os.replace(out.name, path)


def _collect_elsewhere(lessons: Sequence[Lesson]) -> list[list[CheckpointInfo]]:
    """Collect in a fresh Python, so checkpoint modules never stay imported in the hub."""
    done = subprocess.run(
        [sys.executable, "-m", "mission_control.check.inventory"]
        + [str(lesson.path / "lesson.toml") for lesson in lessons],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    if done.returncode != 0:
        raise InventoryError(
            f"the checkpoints of {', '.join(lesson.id for lesson in lessons)} could not be "
            f"collected:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    rows: list[list[dict[str, Any]]] = json.loads(done.stdout)
    return [
        [CheckpointInfo(**{**row, "requires": tuple(row["requires"])}) for row in lesson_rows]
        for lesson_rows in rows
    ]


def collect(lesson: Lesson) -> list[CheckpointInfo]:
    """pytest's collection of the lesson's checkpoints, in this process."""
    import pytest

    from mission_control.check import browser, plugin, socketio
    from mission_control.check.plugin import CheckSession
    from mission_control.check.runner import _pytest_args

    session = CheckSession(lesson=lesson)
    output = io.StringIO()
    imported = set(sys.modules)
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(
                _pytest_args(lesson, "--collect-only"),
                plugins=[plugin, browser, socketio, session],
            )
    finally:
        _forget_modules(set(sys.modules) - imported, lesson.checkpoints)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise InventoryError(f"{lesson.checkpoints}: pytest said {code!r}\n{output.getvalue()}")
    return [_info(item) for item in session.collected.values()]


def _forget_modules(names: set[str], folder: Path) -> None:
    """Drop those of the newly imported modules ``names`` that come from ``folder``. Two
    lessons may each have a ``test_api.py`` (d10, d14): pytest's importlib mode would find
    the first one's module in ``sys.modules`` and list its checkpoints under the second."""
    root = folder.resolve()
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and Path(file).resolve().is_relative_to(root):
            del sys.modules[name]


def main(paths: list[str]) -> None:
    try:
        found = [[asdict(info) for info in collect(load_lesson(path))] for path in paths]
    except InventoryError as error:
        sys.exit(str(error))
    print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1:])
