"""A private copy of the learner's app folder for one check.

The app runs in the copy, so a check never changes the learner's files or their app's data,
and a lesson's ``provided/`` files (a fake server, a data module the learner is given) are
laid over it, so the checker always runs the course's own copy of them. Messages show the
learner's own paths, never the copy's.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".venv", "venv", "env", "node_modules", ".git", ".mypy_cache"
)


class Sandbox:
    def __init__(self, source: Path, provided: Path | None = None) -> None:
        self.source = Path(source).resolve()
        self._tmp = tempfile.mkdtemp(prefix="mission-check-")
        self.path = Path(self._tmp, self.source.name)
        shutil.copytree(self.source, self.path, ignore=IGNORED, symlinks=True)
        if provided is not None and provided.is_dir():
            shutil.copytree(provided, self.path, ignore=IGNORED, dirs_exist_ok=True)

    def restore_paths(self, text: str) -> str:
        """Show the learner's own folder wherever the copy's path appears."""
        return text.replace(str(self.path), str(self.source))

    def cleanup(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
