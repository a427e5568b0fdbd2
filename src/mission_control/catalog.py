"""The course catalog: every ``lessons/**/lesson.toml`` read into a :class:`Lesson`.

This module is the only reader of ``lesson.toml``. It validates every field, so the rest of
the course (the checker, the hub, the CLI, the tests) can trust a ``Lesson`` without looking
at the file again, and a malformed file is reported by its path and the field at fault.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: The four phases of the course map, from pre-flight to launch.
PHASES: Mapping[int, str] = MappingProxyType(
    {1: "Pre-flight", 2: "Cockpit", 3: "Core systems", 4: "Launch"}
)

#: Track folder under ``lessons/`` -> (id pattern, human name).
TRACKS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "assignments": (r"a\d\d", "Assignments"),
        "deep-dive": (r"d\d\d", "Deep dive"),
        "capstone": (r"capstone", "Capstone"),
    }
)

_SLUG = re.compile(r"^(?:(\d\d)-)?[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# A PEP 508 requirement as lessons write them: a name, optional extras, version specifiers
# and an optional environment marker (the tests check each against the installed packages).
_SPEC = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_REQUIREMENT = re.compile(
    rf"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,\s-]+\])?"
    rf"\s*(?:{_SPEC}(?:\s*,\s*{_SPEC})*)?\s*(?:;.+)?$"
)


class CatalogError(Exception):
    """A lesson.toml that cannot be used, named by file and field."""

    def __init__(self, path: Path | str, field: str | None, message: str) -> None:
        self.path = Path(path)
        self.field = field
        self.message = message
        where = f"{self.path}: field '{field}'" if field else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Fake:
    """A fake outside service the checker starts for a lesson (e.g. a weather API).

    The checker serves the WSGI app ``app`` (``"relative/file.py:attr"`` inside the lesson
    folder) on a free 127.0.0.1 port and gives the learner's app its address in the
    environment variable ``env`` (base URL + ``path``).
    """

    env: str
    app: str
    path: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Lesson:
    """One lesson: a tutorial, a starter, a reference solution and checkpoints."""

    id: str
    slug: str
    track: str
    title: str
    phase: int
    order: int
    summary: str
    path: Path
    entry: str
    run: str
    port: int
    requirements: tuple[str, ...]
    request_timeout: float = 10.0
    check_env: Mapping[str, str] = field(default_factory=dict)
    fakes: tuple[Fake, ...] = ()

    @property
    def phase_name(self) -> str:
        return PHASES[self.phase]

    @property
    def track_name(self) -> str:
        return TRACKS[self.track][1]

    @property
    def readme(self) -> Path:
        return self.path / "README.md"

    @property
    def starter(self) -> Path:
        return self.path / "starter"

    @property
    def solution(self) -> Path:
        return self.path / "solution"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def provided(self) -> Path:
        """Files the lesson gives the learner as they are (a fake service, a tool, data):
        ``mission start`` copies them, and the checker lays them over the learner's copy."""
        return self.path / "provided"

    @property
    def variants(self) -> Path:
        """Wrong apps (the solution with one mistake, as diffs) the checkpoints must catch."""
        return self.path / "variants"

    @property
    def module(self) -> str:
        """The module of the WSGI entry, e.g. ``app`` for ``app:app``."""
        return self.entry.partition(":")[0]

    @property
    def attribute(self) -> str:
        """The name of the WSGI callable in :attr:`module`, e.g. ``app``."""
        return self.entry.partition(":")[2]

    def checkpoint_files(self) -> list[Path]:
        """The checkpoint modules, sorted, as pytest collects them."""
        return sorted(self.checkpoints.glob("test_*.py"))


@dataclass(frozen=True)
class Catalog:
    """Every lesson of the course, in course-map order (phase, then order)."""

    root: Path
    lessons: tuple[Lesson, ...]

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    @cached_property
    def _index(self) -> dict[str, Lesson]:
        index: dict[str, Lesson] = {}
        for lesson in self.lessons:
            index[lesson.id] = lesson
            index[lesson.slug] = lesson
            index[f"{lesson.track}/{lesson.slug}"] = lesson
        return index

    def get(self, key: str) -> Lesson | None:
        """A lesson by id (``a01``), slug (``01-basic-todo-api``) or ``track/slug``."""
        return self._index.get(key.strip().strip("/").lower())

    def by_phase(self) -> list[tuple[int, str, list[Lesson]]]:
        """The course map: each phase with its lessons, phases without lessons included."""
        return [
            (number, name, [lesson for lesson in self.lessons if lesson.phase == number])
            for number, name in PHASES.items()
        ]


def course_root() -> Path:
    """The folder that holds ``lessons/``.

    ``MISSION_COURSE_ROOT`` wins; otherwise the checkout this package was installed from
    (the course installs itself in editable mode), then the current directory.
    """
    candidates = []
    if env := os.environ.get("MISSION_COURSE_ROOT"):
        candidates.append(Path(env))
    candidates.append(Path(__file__).resolve().parents[2])
    candidates.append(Path.cwd())
    for candidate in candidates:
        if (candidate / "lessons").is_dir():
            return candidate.resolve()
    raise CatalogError(
        candidates[0],
        None,
        "no 'lessons' folder here: run mission from the course checkout or set "
        "MISSION_COURSE_ROOT to it",
    )


def load_catalog(root: Path | None = None) -> Catalog:
    """Read every lesson under ``root/lessons``; raise :class:`CatalogError` on the first
    malformed file or on two lessons that share an id."""
    root = Path(root) if root is not None else course_root()
    lessons: list[Lesson] = []
    seen: dict[str, Path] = {}
    for toml_path in sorted((root / "lessons").glob("*/*/lesson.toml")):
        lesson = load_lesson(toml_path)
        if lesson.id in seen:
            raise CatalogError(
                toml_path, "id", f"'{lesson.id}' is already used by {seen[lesson.id]}"
            )
        seen[lesson.id] = toml_path
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.phase, lesson.order, lesson.id))
    return Catalog(root=root.resolve(), lessons=tuple(lessons))


_TOP_KEYS = {"id", "title", "phase", "order", "summary", "requirements", "app", "check"}
_APP_KEYS = {"entry", "run", "port"}
_CHECK_KEYS = {"timeout", "env", "fakes"}
_FAKE_KEYS = {"env", "app", "path", "hint"}


def load_lesson(toml_path: Path | str) -> Lesson:
    """Read and validate one ``lesson.toml``."""
    toml_path = Path(toml_path)
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(toml_path, None, f"cannot be read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(toml_path, None, f"is not valid TOML ({exc})") from exc
    reader = _Reader(toml_path)
    folder = toml_path.parent
    track = folder.parent.name
    if track not in TRACKS:
        raise CatalogError(
            toml_path, None, f"lessons live in {', '.join(TRACKS)}, not in '{track}'"
        )
    slug = folder.name
    match = _SLUG.match(slug)
    if not match:
        raise CatalogError(
            toml_path, None, f"folder name '{slug}' must look like '01-basic-todo-api'"
        )

    reader.unknown(data, _TOP_KEYS, "")
    lesson_id = reader.string(data, "id")
    pattern, _ = TRACKS[track]
    if not re.fullmatch(pattern, lesson_id):
        raise CatalogError(
            toml_path, "id", f"'{lesson_id}' does not fit the {track} track ({pattern})"
        )
    number = match.group(1)
    if number and lesson_id[1:] != number:
        raise CatalogError(
            toml_path, "id", f"'{lesson_id}' does not match the folder number '{number}'"
        )

    app = reader.table(data, "app")
    reader.unknown(app, _APP_KEYS, "app.")
    check = reader.table(data, "check", required=False)
    reader.unknown(check, _CHECK_KEYS, "check.")

    entry = reader.string(app, "entry", prefix="app.")
    if not _ENTRY.match(entry):
        raise CatalogError(toml_path, "app.entry", f"'{entry}' must look like 'app:app'")
    port = reader.integer(app, "port", 1024, 65535, prefix="app.")

    requirements = reader.string_list(data, "requirements")
    for requirement in requirements:
        if not _REQUIREMENT.match(requirement):
            raise CatalogError(
                toml_path, "requirements", f"'{requirement}' is not a requirement like 'flask>=3.1'"
            )

    env = reader.table(check, "env", required=False, prefix="check.")
    for name, value in env.items():
        if not _ENV_NAME.match(name) or not isinstance(value, str):
            raise CatalogError(
                toml_path, f"check.env.{name}", "must be an UPPER_CASE name with a string value"
            )

    fakes = []
    raw_fakes = check.get("fakes", [])
    if not isinstance(raw_fakes, list):
        raise CatalogError(toml_path, "check.fakes", "must be an array of tables")
    for i, raw in enumerate(raw_fakes):
        prefix = f"check.fakes[{i}]."
        if not isinstance(raw, dict):
            raise CatalogError(toml_path, f"check.fakes[{i}]", "must be a table")
        reader.unknown(raw, _FAKE_KEYS, prefix)
        fake = Fake(
            env=reader.string(raw, "env", prefix=prefix),
            app=reader.string(raw, "app", prefix=prefix),
            path=reader.string(raw, "path", prefix=prefix, required=False),
            hint=reader.string(raw, "hint", prefix=prefix, required=False),
        )
        if not _ENV_NAME.match(fake.env):
            raise CatalogError(toml_path, f"{prefix}env", "must be an UPPER_CASE name")
        file, _, attr = fake.app.partition(":")
        if not attr or not (folder / file).is_file():
            raise CatalogError(
                toml_path, f"{prefix}app", f"'{fake.app}' must name 'file.py:attr' in the lesson"
            )
        fakes.append(fake)

    timeout = check.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise CatalogError(toml_path, "check.timeout", "must be a number of seconds, 0 < t <= 120")

    return Lesson(
        id=lesson_id,
        slug=slug,
        track=track,
        title=reader.string(data, "title", max_length=80),
        phase=reader.integer(data, "phase", 1, len(PHASES)),
        order=reader.integer(data, "order", 1, 999),
        summary=reader.string(data, "summary", max_length=300),
        path=folder.resolve(),
        entry=entry,
        run=reader.string(app, "run", prefix="app."),
        port=port,
        requirements=tuple(requirements),
        request_timeout=float(timeout),
        check_env=MappingProxyType(dict(env)),
        fakes=tuple(fakes),
    )


class _Reader:
    """Typed field access that names the file and field in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def unknown(self, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise CatalogError(
                    self.path,
                    f"{prefix}{key}",
                    f"unknown field (allowed: {', '.join(sorted(allowed))})",
                )

    def table(
        self, data: dict[str, Any], key: str, *, required: bool = True, prefix: str = ""
    ) -> dict[str, Any]:
        if key not in data:
            if required:
                raise CatalogError(self.path, f"{prefix}{key}", "is missing")
            return {}
        value = data[key]
        if not isinstance(value, dict):
            raise CatalogError(self.path, f"{prefix}{key}", "must be a table")
        return value

    def string(
        self,
        data: dict[str, Any],
        key: str,
        *,
        prefix: str = "",
        required: bool = True,
        max_length: int | None = None,
    ) -> str:
        if key not in data:
            if required:
                raise CatalogError(self.path, f"{prefix}{key}", "is missing")
            return ""
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(self.path, f"{prefix}{key}", "must be a non-empty string")
        if max_length is not None and len(value) > max_length:
            raise CatalogError(
                self.path, f"{prefix}{key}", f"is {len(value)} characters; at most {max_length}"
            )
        return value.strip()

    def integer(
        self, data: dict[str, Any], key: str, low: int, high: int, *, prefix: str = ""
    ) -> int:
        if key not in data:
            raise CatalogError(self.path, f"{prefix}{key}", "is missing")
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CatalogError(
                self.path, f"{prefix}{key}", f"must be a whole number from {low} to {high}"
            )
        return value

    def string_list(self, data: dict[str, Any], key: str) -> list[str]:
        if key not in data:
            raise CatalogError(self.path, key, "is missing")
        value = data[key]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise CatalogError(self.path, key, "must be an array of non-empty strings")
        return [item.strip() for item in value]
