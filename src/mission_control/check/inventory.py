"""A lesson's checkpoints, read from their source without importing anything.

The hub and ``mission lessons`` list checkpoints (id, title, hint) without running pytest or
importing lesson code; this reads the ``@checkpoint(...)`` literals and docstrings with
:mod:`ast`. A project test proves the list equals what a check run reports.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mission_control.catalog import Lesson
from mission_control.check.api import title_of


@dataclass(frozen=True)
class CheckpointInfo:
    id: str
    title: str
    hint: str
    requires: tuple[str, ...]
    file: str


def list_checkpoints(lesson: Lesson) -> list[CheckpointInfo]:
    """Every checkpoint of ``lesson`` in file order (read again only when a file changes)."""
    files = tuple((path, path.stat().st_mtime_ns) for path in lesson.checkpoint_files())
    return list(_read_checkpoints(files))


@lru_cache(maxsize=128)
def _read_checkpoints(files: tuple[tuple[Path, int], ...]) -> tuple[CheckpointInfo, ...]:
    found: list[CheckpointInfo] = []
    for path, _ in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants: dict[str, object] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    with contextlib.suppress(ValueError):
                        constants[target.id] = _static(node.value, constants)
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            options: dict[str, object] = {}
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and _name(decorator.func) == "checkpoint":
                    where = f"{path.name}, line {decorator.lineno}"
                    if decorator.args:
                        options["id"] = _static(decorator.args[0], constants, where)
                    for keyword in decorator.keywords:
                        options[keyword.arg] = _static(keyword.value, constants, where)
            requires = options.get("requires", ())
            found.append(
                CheckpointInfo(
                    id=str(options.get("id") or node.name.removeprefix("test_")),
                    title=title_of(ast.get_docstring(node)),
                    hint=str(options.get("hint") or ""),
                    requires=(requires,) if isinstance(requires, str) else tuple(requires),
                    file=path.name,
                )
            )
    return tuple(found)


def _name(node: ast.expr) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def _static(node: ast.expr, constants: dict[str, object], where: str = "") -> object:
    """The value of a literal, a module constant, or ``+`` of those (as Python would)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _static(node.left, constants, where) + _static(node.right, constants, where)
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_static(item, constants, where) for item in node.elts)
    if isinstance(node, ast.JoinedStr):  # an f-string of literals and constants
        return "".join(_static(part, constants, where) for part in node.values)
    if isinstance(node, ast.FormattedValue) and node.conversion == -1 and not node.format_spec:
        return str(_static(node.value, constants, where))
    raise ValueError(
        f"{where}: @checkpoint arguments must be literals or module-level constants, "
        "so the hub can read them without importing the file"
    )


def spec_hash(lesson: Lesson) -> str:
    """sha256 of the checkpoint files (names and contents): which checks a report used."""
    digest = hashlib.sha256()
    for path in lesson.checkpoint_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
