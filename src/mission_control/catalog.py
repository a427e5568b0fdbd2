"""The course catalog: every ``lessons/**/lesson.toml`` read into a :class:`Lesson`.

This module is the only reader of ``lesson.toml``. It validates every field, so the rest of
the course (the checker, the hub, the CLI, the tests) can trust a ``Lesson`` without looking
at the file again, and a malformed file is reported by its path and the field at fault.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
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
        "primer": (r"p\d\d", "Primer"),
    }
)

#: What a lesson is made of (``kind`` in lesson.toml). A ``code`` lesson (the default) has a
#: starter, a solution and checkpoints, and the checker runs it. A ``primer`` has questions
#: the learner commits to before each explanation (``primer.toml`` beside its lesson.toml,
#: read by :mod:`mission_control.primer`), no code and no app: its progress is the share of
#: its questions answered (``mission quiz``, or its page on the hub). Primers live in the
#: ``primer`` track, and that track holds only primers.
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "code": "a starter, a solution and checkpoints, checked by `mission check`",
        "primer": "questions answered before each explanation, by `mission quiz` or the hub",
    }
)

#: The lesson.toml format this catalog reads (``format = 2``; see lessons/README.md).
FORMAT = 2

_SLUG = re.compile(r"^(?:(\d\d)-)?[a-z0-9]+(?:-[a-z0-9]+)*$")
_MODULE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_POINTS_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")  # the checkpoint id pattern (api.py)
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
class Entry:
    """Where the app object is, read the way ``flask --app`` reads it: ``module:name`` for
    an app, ``module:create_app()`` or ``module:create_app("testing")`` for a factory
    called with literal arguments. The module may be a package."""

    module: str
    attribute: str
    call: bool = False
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.call:
            return f"{self.module}:{self.attribute}"
        parts = [repr(arg) for arg in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.module}:{self.attribute}({', '.join(parts)})"


def parse_entry(text: str) -> Entry:
    """``module:attribute`` or ``module:factory(literal, name=literal)``; ValueError if not."""
    module, colon, rest = text.strip().partition(":")
    if not colon or not _MODULE.match(module):
        raise ValueError(f"'{text}' must look like 'app:app' or 'app:create_app()'")
    try:
        node = ast.parse(rest.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"'{rest}' is not a name or a call like create_app()") from None
    if isinstance(node, ast.Name):
        return Entry(module, node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            raise ValueError(f"the arguments of '{rest}' must be literals") from None
        if len(kwargs) != len(node.keywords):
            raise ValueError(f"'{rest}' cannot pass **arguments")
        return Entry(module, node.func.id, True, args, MappingProxyType(kwargs))
    raise ValueError(f"'{rest}' is not a name or a call like create_app()")


@dataclass(frozen=True)
class Process:
    """A process the checker runs for the lesson's app: ``web`` (the run command, which
    must listen on ``$PORT``) or one beside it for the whole check (a worker, a scheduler).

    ``ready`` is a regular expression the process prints once it is ready; ``None`` means
    the web process's port answers (for ``web``) or that started is ready (for the others).
    """

    name: str
    run: str
    ready: str | None = None


@dataclass(frozen=True)
class Service:
    """Something the checker runs beside the app for a check (``[[check.services]]``), by
    kind: ``fake`` is a fake outside service (a WSGI app in a file of the lesson, or a
    command that listens on ``$PORT``) whose address the app finds in ``env``. ``options``
    holds the kind's other fields, validated against :data:`SERVICE_KINDS`."""

    kind: str
    env: str
    hint: str = ""
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, name: str, default: str = "") -> str:
        return self.options.get(name, default)


@dataclass(frozen=True)
class ServiceKind:
    """The fields a service kind takes besides ``kind``, ``env`` and ``hint``."""

    optional: frozenset[str]
    one_of: frozenset[str] = frozenset()  # exactly one of these must be given
    files: frozenset[str] = frozenset()  # fields naming a file of the lesson ("file.py:attr")


#: Every service kind a lesson may declare. The checker has one implementation per kind
#: (``mission_control.check.services``); a test keeps the two lists the same.
SERVICE_KINDS: Mapping[str, ServiceKind] = MappingProxyType(
    {
        "fake": ServiceKind(
            optional=frozenset({"app", "run", "path"}),
            one_of=frozenset({"app", "run"}),
            files=frozenset({"app"}),
        ),
        # A throwaway database for the check (PostgreSQL on 127.0.0.1:5432, else a SQLite
        # file), its SQLAlchemy URL in ``env``; dropped at the end.
        "postgres": ServiceKind(optional=frozenset()),
        # A Redis database of the check's own (a broker, a result backend), its URL in
        # ``env`` and in each variable named in ``also`` (space-separated); flushed at the end.
        "redis": ServiceKind(optional=frozenset({"also"})),
        # A fake SMTP server (the outside world's mail): its host in ``env``, its port in
        # ``port_env`` (default MAIL_PORT); the ``mailbox`` fixture reads what it received.
        "smtp": ServiceKind(optional=frozenset({"port_env"})),
    }
)


@dataclass(frozen=True)
class App:
    """One of several apps a lesson checks against the same checkpoints (``[[apps]]``, d14:
    the same blog in Flask, Django and FastAPI), each in its own folder of ``starter/`` and
    ``solution/`` with its own way to import and run it.

    ``production`` is the command that serves it as production does (gunicorn, uvicorn),
    listening on ``$PORT``: what ``mission compare`` measures. ``given`` means the starter
    holds this app finished (the learner reads it, writes the others), so the starter is
    not expected to fail for it.
    """

    name: str
    folder: str
    entry: Entry
    run: str
    port: int
    requirements: tuple[str, ...]
    interface: str = "wsgi"
    setup: tuple[str, ...] = ()
    production: str = ""
    given: bool = False


@dataclass(frozen=True)
class Production:
    """``[check.production]``: the check runs the app as production does, gunicorn with the
    learner's config behind nginx with the learner's server block (``mission_control.check.
    production``). Every field but ``root`` names a file of the app folder (or a WSGI entry)."""

    wsgi: str = "wsgi:app"  # what gunicorn serves, as gunicorn reads it
    gunicorn: str = "gunicorn.conf.py"  # the learner's gunicorn configuration file
    nginx: str = "nginx.conf"  # the learner's nginx server block (upstream + server)
    root: str = (
        "/app"  # the app folder's path in the image: nginx paths under it are the check's copy
    )


@dataclass(frozen=True)
class Lesson:
    """One lesson: a tutorial, a starter, a reference solution and checkpoints.

    A lesson with several apps (``apps``) is read as the first of them; :meth:`for_app`
    gives the lesson as one app sees it (its entry, run command, set-up, folder), which is
    what the checker checks.
    """

    id: str
    slug: str
    track: str
    title: str
    phase: int
    order: int
    summary: str
    path: Path
    entry: Entry
    run: str
    port: int
    requirements: tuple[str, ...]
    interface: str = "wsgi"  # "wsgi" or "asgi": how the checker calls an imported app
    processes: tuple[Process, ...] = ()  # beside the web process, for the whole check
    request_timeout: float = 10.0
    check_env: Mapping[str, str] = field(default_factory=dict)
    services: tuple[Service, ...] = ()
    live: bool = False  # the checkpoints need a real server: checks serve the app
    #: ``[check] points``: a checkpoint's weight in a grade (``points_for``); default 1
    points: Mapping[str, int] = field(default_factory=dict)
    setup: tuple[str, ...] = ()  # commands run in the app's folder before the checkpoints
    continues: str | None = None  # the lesson whose app this one grows (`start --from`)
    production: Production | None = None  # ``[check.production]``: nginx + gunicorn (live)
    #: ``[reflect]``: statements a learner ticks ("I can say why ...") and reflection prompts
    self_checks: tuple[str, ...] = ()
    reflection_prompts: tuple[str, ...] = ()
    #: ``code`` or ``primer`` (:data:`KINDS`). A primer has no app: its ``entry`` is empty,
    #: ``run`` is ``""``, ``port`` is 0 and it has no requirements; ``checkable`` says so.
    kind: str = "code"

    @property
    def checkable(self) -> bool:
        """Whether the checker can run this lesson (``mission start``, ``mission check``):
        only a ``code`` lesson has a starter, a solution and checkpoints."""
        return self.kind == "code"

    @property
    def not_checkable_message(self) -> str:
        """What to tell a learner who asks to start or check a lesson without code."""
        return (
            f"{self.id} · {self.title} is a primer: it has no code to start or check. Answer "
            f"its questions in the terminal with `mission quiz {self.id}`, or on the hub "
            f"(`mission serve`, then open {self.id})."
        )

    @property
    def primer_file(self) -> Path:
        """A primer's questions (``kind = "primer"``)."""
        return self.path / "primer.toml"

    #: ``[[apps]]``: several apps checked with the same checkpoints (empty: one app, ``[app]``)
    apps: tuple[App, ...] = ()
    #: the app this view of the lesson is for (:meth:`for_app`); None for the lesson itself
    app: str | None = None
    #: that app's folder inside starter/, solution/ and provided/ ("" for a one-app lesson)
    app_folder: str = ""
    #: ``check.setup`` of a lesson with several apps: run before each app's own set-up
    common_setup: tuple[str, ...] = ()

    @property
    def app_names(self) -> tuple[str, ...]:
        """The names of the lesson's apps (empty for a lesson with one app)."""
        return tuple(app.name for app in self.apps)

    def for_app(self, name: str) -> Lesson:
        """The lesson as its app ``name`` is checked: that app's entry, interface, run
        command, port and set-up (after ``check.setup``), its folder and its provided
        files. Raises :class:`KeyError` with the known names for an unknown one."""
        found = next((app for app in self.apps if app.name == name), None)
        if found is None:
            known = ", ".join(self.app_names) or "none: it has one app"
            raise KeyError(f"{self.id} has no app '{name}' (its apps: {known})")
        return replace(
            self,
            entry=found.entry,
            interface=found.interface,
            run=found.run,
            port=found.port,
            setup=self.common_setup + found.setup,
            app=found.name,
            app_folder=found.folder,
        )

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
        """Files the learner is given and must not change: ``mission start`` copies them and
        the checker lays them over the checked folder. For one of several apps, its
        folder inside provided/."""
        return self.path / "provided" / self.app_folder

    @property
    def variants(self) -> Path:
        """Wrong apps (diffs against the solution) that the checkpoints must catch."""
        return self.path / "variants"

    @property
    def web(self) -> Process:
        """The web process: the documented run command."""
        return Process("web", self.run)

    def service(self, env: str) -> Service | None:
        return next((service for service in self.services if service.env == env), None)

    def points_for(self, checkpoint_id: str) -> int:
        """What ``checkpoint_id`` is worth in a grade: ``[check] points``, else one point."""
        return self.points.get(checkpoint_id, 1)

    def checkpoint_files(self) -> list[Path]:
        """The checkpoint modules, sorted, as pytest collects them (none for a primer)."""
        if not self.checkable:
            return []
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


def workspace_dir(catalog: Catalog) -> Path:
    """Where ``mission start`` puts a learner's copies (``MISSION_WORKSPACE`` overrides)."""
    return Path(os.environ.get("MISSION_WORKSPACE") or catalog.root / "workspace")


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
    kinds = {lesson.id: lesson.kind for lesson in lessons}
    for lesson in lessons:
        if lesson.continues is not None and lesson.continues not in seen:
            raise CatalogError(
                lesson.path / "lesson.toml",
                "continues",
                f"there is no lesson '{lesson.continues}' to continue",
            )
        if lesson.continues is not None and kinds[lesson.continues] != "code":
            raise CatalogError(
                lesson.path / "lesson.toml",
                "continues",
                f"'{lesson.continues}' is a {kinds[lesson.continues]}: it has no app to grow",
            )
    lessons.sort(key=lambda lesson: (lesson.phase, lesson.order, lesson.id))
    return Catalog(root=root.resolve(), lessons=tuple(lessons))


_TOP_KEYS = {
    "format",
    "id",
    "title",
    "phase",
    "order",
    "summary",
    "requirements",
    "app",
    "check",
    "reflect",
    "continues",
    "kind",
    "apps",
}
#: What a primer's lesson.toml may hold: it has no app, no requirements and no check.
_PRIMER_KEYS = {"format", "kind", "id", "title", "phase", "order", "summary", "reflect"}
_REFLECT_KEYS = {"self_checks", "prompts"}
_APP_KEYS = {"entry", "interface", "run", "port", "processes"}
_APPS_KEYS = {
    "name",
    "folder",
    "entry",
    "interface",
    "run",
    "port",
    "requirements",
    "setup",
    "production",
    "given",
}
_PROCESS_KEYS = {"name", "run", "ready"}
_CHECK_KEYS = {"timeout", "env", "services", "live", "points", "setup", "production"}
_PRODUCTION_KEYS = {"wsgi", "gunicorn", "nginx", "root"}
_RELATIVE_FILE = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.(?:/|$))[\w./-]+$")
_SERVICE_KEYS = {"kind", "env", "hint"}


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

    version = data.get("format")
    if version != FORMAT:
        raise CatalogError(
            toml_path,
            "format",
            f"this catalog reads lesson format {FORMAT} (`format = {FORMAT}` at the top); "
            f"this file says {version!r}. lessons/README.md, 'The lesson format', says what "
            "changed.",
        )
    kind = reader.string(data, "kind", required=False) or "code"
    if kind not in KINDS:
        raise CatalogError(
            toml_path, "kind", f"unknown lesson kind '{kind}' (known: {', '.join(KINDS)})"
        )
    if (kind == "primer") != (track == "primer"):
        raise CatalogError(
            toml_path,
            "kind",
            "a primer lives in lessons/primer/ and that folder holds only primers "
            f"(this is a '{kind}' lesson in '{track}')",
        )
    if kind == "primer":
        for key in data:
            if key not in _PRIMER_KEYS:
                raise CatalogError(
                    toml_path,
                    key,
                    "a primer has no app, requirements or check "
                    f"(allowed: {', '.join(sorted(_PRIMER_KEYS))})",
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
    reflect = reader.table(data, "reflect", required=False)
    reader.unknown(reflect, _REFLECT_KEYS, "reflect.")
    if kind == "primer":
        return _primer(reader, data, lesson_id, slug, folder, reflect)

    apps = _apps(reader, data)
    if apps and "app" in data:
        raise CatalogError(toml_path, "apps", "give either [app] or [[apps]], not both")
    app = reader.table(data, "app", required=not apps)
    reader.unknown(app, _APP_KEYS, "app.")
    check = reader.table(data, "check", required=False)
    reader.unknown(check, _CHECK_KEYS, "check.")

    if apps:
        if "requirements" in data:
            raise CatalogError(
                toml_path,
                "requirements",
                "with [[apps]], each app lists its own requirements (apps[i].requirements)",
            )
        first = apps[0]
        entry, interface, run, port = first.entry, first.interface, first.run, first.port
        requirements = sorted({line for one in apps for line in one.requirements})
    else:
        entry, interface, port = _app_fields(reader, app, "app.")
        run = reader.string(app, "run", prefix="app.")
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

    timeout = check.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise CatalogError(toml_path, "check.timeout", "must be a number of seconds, 0 < t <= 120")
    live = check.get("live", False)
    if not isinstance(live, bool):
        raise CatalogError(toml_path, "check.live", "must be true or false")
    points = reader.table(check, "points", required=False, prefix="check.")
    for name, value in points.items():
        if not _POINTS_ID.match(name) or isinstance(value, bool) or not isinstance(value, int):
            raise CatalogError(
                toml_path, f"check.points.{name}", "must be a checkpoint id with a whole number"
            )
        if not 0 <= value <= 100:
            raise CatalogError(toml_path, f"check.points.{name}", "must be from 0 to 100 points")
    setup = reader.string_list(check, "setup", prefix="check.") if "setup" in check else []
    continues = reader.string(data, "continues", required=False) or None
    if continues is not None and (
        not any(re.fullmatch(pattern, continues) for pattern, _ in TRACKS.values())
        or continues == lesson_id
    ):
        raise CatalogError(
            toml_path, "continues", f"'{continues}' must be the id of another lesson, like 'd06'"
        )

    production = _production(reader, check)
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
        run=run,
        port=port,
        requirements=tuple(requirements),
        interface=interface,
        processes=_processes(reader, app),
        request_timeout=float(timeout),
        check_env=MappingProxyType(dict(env)),
        services=_services(reader, check, folder),
        live=live or production is not None,  # a production stack is always served
        points=MappingProxyType(dict(points)),
        setup=tuple(setup) + (apps[0].setup if apps else ()),
        common_setup=tuple(setup) if apps else (),
        apps=tuple(apps),
        continues=continues,
        production=production,
        self_checks=_optional_list(reader, reflect, "self_checks"),
        reflection_prompts=_optional_list(reader, reflect, "prompts"),
    )


def _primer(
    reader: _Reader,
    data: dict[str, Any],
    lesson_id: str,
    slug: str,
    folder: Path,
    reflect: dict[str, Any],
) -> Lesson:
    """A primer: the catalog's fields, no app. Its questions are in ``primer.toml`` beside
    it (read by :mod:`mission_control.primer`); the catalog only checks that it is there."""
    if not (folder / "primer.toml").is_file():
        raise CatalogError(
            reader.path, None, "a primer keeps its questions in primer.toml beside lesson.toml"
        )
    return Lesson(
        id=lesson_id,
        slug=slug,
        track="primer",
        title=reader.string(data, "title", max_length=80),
        phase=reader.integer(data, "phase", 1, len(PHASES)),
        order=reader.integer(data, "order", 1, 999),
        summary=reader.string(data, "summary", max_length=300),
        path=folder.resolve(),
        entry=Entry("", ""),
        run="",
        port=0,
        requirements=(),
        self_checks=_optional_list(reader, reflect, "self_checks"),
        reflection_prompts=_optional_list(reader, reflect, "prompts"),
        kind="primer",
    )


def _app_fields(reader: _Reader, table: dict[str, Any], prefix: str) -> tuple[Entry, str, int]:
    """``entry``, ``interface`` and ``port`` of ``[app]`` or of one of ``[[apps]]``."""
    try:
        entry = parse_entry(reader.string(table, "entry", prefix=prefix))
    except ValueError as exc:
        raise CatalogError(reader.path, f"{prefix}entry", str(exc)) from None
    interface = reader.string(table, "interface", prefix=prefix, required=False) or "wsgi"
    if interface not in ("wsgi", "asgi"):
        raise CatalogError(reader.path, f"{prefix}interface", "must be 'wsgi' or 'asgi'")
    return entry, interface, reader.integer(table, "port", 1024, 65535, prefix=prefix)


def _apps(reader: _Reader, data: dict[str, Any]) -> list[App]:
    """``[[apps]]``: several apps, one set of checkpoints (none: the lesson has ``[app]``)."""
    found: list[App] = []
    for prefix, raw in reader.tables(data, "apps", ""):
        reader.unknown(raw, _APPS_KEYS, prefix)
        name = reader.string(raw, "name", prefix=prefix)
        if not _NAME.match(name):
            raise CatalogError(reader.path, f"{prefix}name", "must be a lower-case name")
        if name in {other.name for other in found}:
            raise CatalogError(reader.path, f"{prefix}name", f"'{name}' is used twice")
        folder = reader.string(raw, "folder", prefix=prefix)
        if not _NAME.match(folder) or folder in {other.folder for other in found}:
            raise CatalogError(
                reader.path,
                f"{prefix}folder",
                "must be a folder name of its own inside starter/ and solution/ (like 'django')",
            )
        entry, interface, port = _app_fields(reader, raw, prefix)
        given = raw.get("given", False)
        if not isinstance(given, bool):
            raise CatalogError(reader.path, f"{prefix}given", "must be true or false")
        setup = raw.get("setup", [])
        found.append(
            App(
                name=name,
                folder=folder,
                entry=entry,
                run=reader.string(raw, "run", prefix=prefix),
                port=port,
                requirements=tuple(reader.string_list(raw, "requirements", prefix=prefix)),
                interface=interface,
                setup=tuple(reader.string_list(raw, "setup", prefix=prefix)) if setup else (),
                production=reader.string(raw, "production", prefix=prefix, required=False),
                given=given,
            )
        )
    if len(found) == 1:
        raise CatalogError(reader.path, "apps", "[[apps]] is for two apps or more; use [app]")
    return found


def _optional_list(reader: _Reader, table: dict[str, Any], key: str) -> tuple[str, ...]:
    """``[reflect]``'s statements or prompts (none when the key is absent)."""
    return tuple(reader.string_list(table, key)) if key in table else ()


def _production(reader: _Reader, check: dict[str, Any]) -> Production | None:
    """``[check.production]``, validated: relative file names, a ``module:name`` entry and
    an absolute ``root``; ``None`` when the lesson does not ask for a production stack."""
    if "production" not in check:
        return None
    raw = reader.table(check, "production", prefix="check.")
    reader.unknown(raw, _PRODUCTION_KEYS, "check.production.")
    given = {
        name: reader.string(raw, name, prefix="check.production.")
        for name in _PRODUCTION_KEYS & set(raw)
    }
    spec = Production(**given)
    try:
        entry = parse_entry(spec.wsgi)
    except ValueError as exc:
        raise CatalogError(reader.path, "check.production.wsgi", str(exc)) from None
    if entry.call:
        raise CatalogError(
            reader.path, "check.production.wsgi", "must name an app object, like 'wsgi:app'"
        )
    for name in ("gunicorn", "nginx"):
        if not _RELATIVE_FILE.match(getattr(spec, name)):
            raise CatalogError(
                reader.path,
                f"check.production.{name}",
                "must be a file name relative to the app folder, like 'nginx.conf'",
            )
    if not spec.root.startswith("/") or spec.root.rstrip("/") == "":
        raise CatalogError(
            reader.path,
            "check.production.root",
            "must be an absolute path other than /, like '/app'",
        )
    return spec


def _processes(reader: _Reader, app: dict[str, Any]) -> tuple[Process, ...]:
    found: list[Process] = []
    for prefix, raw in reader.tables(app, "processes", "app."):
        reader.unknown(raw, _PROCESS_KEYS, prefix)
        process = Process(
            name=reader.string(raw, "name", prefix=prefix),
            run=reader.string(raw, "run", prefix=prefix),
            ready=reader.string(raw, "ready", prefix=prefix, required=False) or None,
        )
        if not _NAME.match(process.name) or process.name == "web":
            raise CatalogError(
                reader.path, f"{prefix}name", "must be a lower-case name other than 'web'"
            )
        if process.name in {other.name for other in found}:
            raise CatalogError(reader.path, f"{prefix}name", f"'{process.name}' is used twice")
        if process.ready is not None:
            try:
                re.compile(process.ready)
            except re.error as exc:
                raise CatalogError(
                    reader.path, f"{prefix}ready", f"is not a regular expression ({exc})"
                ) from None
        found.append(process)
    return tuple(found)


def _services(reader: _Reader, check: dict[str, Any], folder: Path) -> tuple[Service, ...]:
    found: list[Service] = []
    for prefix, raw in reader.tables(check, "services", "check."):
        kind_name = reader.string(raw, "kind", prefix=prefix)
        kind = SERVICE_KINDS.get(kind_name)
        if kind is None:
            raise CatalogError(
                reader.path,
                f"{prefix}kind",
                f"unknown service kind '{kind_name}' (known: {', '.join(SERVICE_KINDS)})",
            )
        reader.unknown(raw, _SERVICE_KEYS | kind.optional, prefix)
        env = reader.string(raw, "env", prefix=prefix)
        if not _ENV_NAME.match(env):
            raise CatalogError(reader.path, f"{prefix}env", "must be an UPPER_CASE name")
        options = {
            name: reader.string(raw, name, prefix=prefix) for name in kind.optional & set(raw)
        }
        for name in {"also", "port_env"} & set(options):  # more variables, by name
            if not all(_ENV_NAME.match(word) for word in options[name].split()):
                raise CatalogError(reader.path, f"{prefix}{name}", "must be UPPER_CASE names")
        if kind.one_of and len(kind.one_of & set(options)) != 1:
            raise CatalogError(
                reader.path,
                prefix.rstrip("."),
                f"needs exactly one of {', '.join(sorted(kind.one_of))}",
            )
        for name in kind.files & set(options):
            file, _, attr = options[name].partition(":")
            if not attr or not (folder / file).is_file():
                raise CatalogError(
                    reader.path,
                    f"{prefix}{name}",
                    f"'{options[name]}' must name 'file.py:attr' in the lesson",
                )
        found.append(
            Service(
                kind=kind_name,
                env=env,
                hint=reader.string(raw, "hint", prefix=prefix, required=False),
                options=MappingProxyType(options),
            )
        )
    return tuple(found)


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

    def tables(
        self, data: dict[str, Any], key: str, prefix: str
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each table of an array of tables, with the prefix that names it in errors."""
        raw = data.get(key, [])
        if not isinstance(raw, list):
            raise CatalogError(self.path, f"{prefix}{key}", "must be an array of tables")
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise CatalogError(self.path, f"{prefix}{key}[{i}]", "must be a table")
            yield f"{prefix}{key}[{i}].", item

    def string_list(self, data: dict[str, Any], key: str, *, prefix: str = "") -> list[str]:
        if key not in data:
            raise CatalogError(self.path, f"{prefix}{key}", "is missing")
        value = data[key]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise CatalogError(self.path, f"{prefix}{key}", "must be an array of non-empty strings")
        return [item.strip() for item in value]
