"""The pytest plugin that turns a lesson's checkpoints into a check.

It gives checkpoints their fixtures, orders them so prerequisites run first, skips a
checkpoint whose prerequisite did not pass or whose target lacks a capability it needs, and
turns every outcome into a :class:`~mission_control.check.report.Result` in parts. The run
itself is set up by :mod:`mission_control.check.runner`, which registers a
:class:`CheckSession`; :mod:`mission_control.check.inventory` registers one without a target
to list the checkpoints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mission_control.catalog import Lesson
from mission_control.check.api import CheckpointSpec, title_of
from mission_control.check.capabilities import Capability
from mission_control.check.client import (
    AppCrashed,
    CheckFailed,
    Client,
    Request,
    RequestTimedOut,
    Response,
)
from mission_control.check.processes import AppLog, CommandResult
from mission_control.check.report import (
    ERROR,
    FAILED,
    HIDDEN_MESSAGE,
    NOT_STARTED,
    PASSED,
    SKIPPED,
    CheckerError,
    Result,
    TargetError,
)

if TYPE_CHECKING:
    from mission_control.check.database import DatabaseView
    from mission_control.check.mail import Mailbox
    from mission_control.check.production import StackView
    from mission_control.check.services import FakeService, RunningService
    from mission_control.check.targets import Target

SESSION = pytest.StashKey["CheckSession"]()
CLIENT = pytest.StashKey[Client]()
LOG_MARK = pytest.StashKey[int]()

#: Exceptions that mean the checkpoint's own code is wrong, whatever the app did.
CHECKPOINT_BUGS = (CheckerError, NameError, ImportError, SyntaxError, pytest.UsageError)
CHECKER_HINT = (
    "This is a problem in the checker or in this checkpoint, not in your app: tell your "
    "teacher or the course's authors, with this message."
)


class NeedsCapability(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A skip because the target lacks what the checkpoint needs (kept in ``needs``)."""

    def __init__(self, capability: Capability, reason: str) -> None:
        super().__init__(reason)
        self.capability = capability


@dataclass(frozen=True)
class CollectedCheckpoint:
    spec: CheckpointSpec
    title: str
    file: str


@dataclass
class CheckSession:
    """Everything one check run shares: the lesson, the target, the services, the results.
    Without a target it only collects (``mission lessons``, the hub)."""

    lesson: Lesson
    target: Target | None = None
    services: dict[str, RunningService] = field(default_factory=dict)
    ignore_prerequisites: bool = False
    reverse: bool = False
    request_timeout: float = 10.0
    events: Path | None = None  # one JSON line per finished checkpoint is appended here
    error: TargetError | None = None
    results: dict[str, Result] = field(default_factory=dict)
    collected: dict[str, CollectedCheckpoint] = field(default_factory=dict)  # by node id

    # Registered as a plugin object, so it can take part in configuration.
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SESSION] = self

    @property
    def app(self) -> Target:
        assert self.target is not None, "a collection-only session has no target"
        return self.target

    def require(self, capability: Capability) -> None:
        """Skip the checkpoint, with the one message for it, unless the target can."""
        reason = self.app.missing(capability)
        if reason:
            raise NeedsCapability(capability, reason)

    def require_app(self) -> Target:
        """The target, ready; every checkpoint is skipped with one message if it cannot be."""
        try:
            self.app.ready()
        except TargetError as error:
            self.error = self.error or error
            pytest.skip(NOT_STARTED)
        return self.app


def _session(config: pytest.Config) -> CheckSession:
    return config.stash[SESSION]


# -- ordering and prerequisites -------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    check = _session(config)
    by_id: dict[str, pytest.Item] = {}
    _only_this_app(check.lesson, config, items)
    for item in items:
        function = getattr(item, "function", None)
        spec = getattr(function, "__checkpoint__", None) or CheckpointSpec(
            item.name.removeprefix("test_"), None, ()
        )
        if spec.id in by_id:
            raise pytest.UsageError(f"two checkpoints share the id {spec.id!r}")
        by_id[spec.id] = item
        check.collected[item.nodeid] = CollectedCheckpoint(
            spec, title_of(getattr(function, "__doc__", None)), item.path.name
        )
    for item in items:
        for required in check.collected[item.nodeid].spec.requires:
            if required not in by_id:
                raise pytest.UsageError(f"{item.name} requires unknown checkpoint {required!r}")

    # Prerequisites first; otherwise file order (or its reverse, to prove independence).
    pending = list(reversed(items)) if check.reverse else list(items)
    ordered: list[pytest.Item] = []
    placed: set[str] = set()

    def place(item: pytest.Item, trail: tuple[str, ...] = ()) -> None:
        spec = check.collected[item.nodeid].spec
        if spec.id in placed:
            return
        if spec.id in trail:
            raise pytest.UsageError(f"checkpoint prerequisites form a loop: {' -> '.join(trail)}")
        for required in spec.requires:
            place(by_id[required], (*trail, spec.id))
        placed.add(spec.id)
        ordered.append(item)

    for item in pending:
        place(item)
    items[:] = ordered


def _only_this_app(lesson: Lesson, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the checkpoints written for another of the lesson's apps
    (``@checkpoint(app=...)``); a collection for the hub (no app chosen) keeps them all."""
    kept: list[pytest.Item] = []
    other: list[pytest.Item] = []
    for item in items:
        spec = getattr(getattr(item, "function", None), "__checkpoint__", None)
        wanted = spec.app if spec is not None else None
        if wanted is not None and wanted not in lesson.app_names:
            known = ", ".join(lesson.app_names) or "none"
            raise pytest.UsageError(
                f"{item.name} is for app {wanted!r}; the lesson's apps: {known}"
            )
        (other if wanted and lesson.app and wanted != lesson.app else kept).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    check = _session(item.config)
    if check.target is not None:
        # An app that cannot start skips every checkpoint with the one message, whatever the
        # checkpoint asks for: a command or a log of an app that does not import tells
        # nothing new, only a second, misleading failure.
        check.require_app()
    if check.ignore_prerequisites:
        return
    for required in check.collected[item.nodeid].spec.requires:
        result = check.results.get(required)
        if result is not None and result.status == SKIPPED and result.needs:
            # the prerequisite could not run on this target, so neither can this one
            raise NeedsCapability(
                Capability(result.needs), f"needs “{result.title}”: {result.detail}"
            )
        if result is not None and result.status == SKIPPED:
            pytest.skip(f"needs “{result.title}”, which was skipped: {result.detail}")
        if result is not None and result.status != PASSED:
            pytest.skip(f"needs “{result.title}” to pass first")


# -- results ---------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    check = _session(item.config)
    collected = check.collected[item.nodeid]
    spec = collected.spec
    result = check.results.get(spec.id) or Result(id=spec.id, title=collected.title, status=PASSED)
    check.results[spec.id] = result
    result.duration_ms += round(report.duration * 1000)
    if report.skipped and result.status == PASSED:
        result.status = SKIPPED
        result.detail = _skip_reason(report)
        exc = call.excinfo.value if call.excinfo else None
        if isinstance(exc, NeedsCapability):
            result.detail, result.needs = exc.msg or "", str(exc.capability)
    elif report.failed and result.status not in (FAILED, ERROR):
        _describe_failure(result, spec, item, call, check)
    if spec.hidden:
        _hide(result)
    if check.events is not None and report.when == "teardown":
        _append_event(check.events, result)
    return report


def _append_event(path: Path, result: Result) -> None:
    """One line per finished checkpoint, so a watcher (the hub) can show it at once."""
    with path.open("a", encoding="utf-8") as events:
        events.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")


def _hide(result: Result) -> None:
    """A hidden checkpoint that did not pass says only the fixed message (a teacher grading
    with MISSION_REVEAL_HIDDEN=1 sees everything)."""
    result.hidden = True
    if result.status in (FAILED, ERROR) and os.environ.get("MISSION_REVEAL_HIDDEN") != "1":
        result.detail, result.hint, result.curl = HIDDEN_MESSAGE, "", ""
        result.came_back = result.app_log = ""


def learner_frames(lines: list[str]) -> list[str]:
    """Log lines with the traceback frames of installed packages (Flask's own machinery)
    folded into one line, so the learner's frames stand out."""
    kept: list[str] = []
    skipping = None  # the indentation of a library frame being left out
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skipping is not None and indent > skipping:
            continue
        skipping = None
        stripped = line.lstrip()
        if stripped.startswith('File "') and ("site-packages" in line or "/lib/python3" in line):
            skipping = indent
            if not kept or not kept[-1].endswith("(library frames left out)"):
                kept.append(" " * indent + "… (library frames left out)")
            continue
        kept.append(line)
    return kept


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _checker_broke(exc: BaseException | None, call: pytest.CallInfo[None]) -> bool:
    """Whether a failure is the checker's (or the checkpoint's) own bug, not the app's."""
    if isinstance(exc, CHECKPOINT_BUGS):
        return True
    # A fixture that breaks while setting up or tearing down is the checker's; the app's
    # own troubles there (it does not start) are skips, and expectations fail in "call".
    return call.when != "call" and not isinstance(exc, CheckFailed | TargetError)


def _where(call: pytest.CallInfo[None]) -> str:
    if not call.excinfo:
        return ""
    entry = call.excinfo.traceback[-1]
    return f" (in {Path(str(entry.path)).name}, line {entry.lineno + 1})"


def _describe_failure(
    result: Result,
    spec: CheckpointSpec,
    item: pytest.Item,
    call: pytest.CallInfo[None],
    check: CheckSession,
) -> None:
    exc = call.excinfo.value if call.excinfo else None
    client = item.stash.get(CLIENT, None)
    response: Response | None = client.exchanges[-1] if client and client.exchanges else None
    request: Request | None = client.last_request if client else None
    result.status = FAILED
    result.hint = spec.hint or ""
    if _checker_broke(exc, call):
        result.status = ERROR
        result.detail = f"{type(exc).__name__}: {exc}{_where(call)}"
        result.hint = CHECKER_HINT
        return
    if isinstance(exc, CheckFailed):
        result.detail = exc.message
        result.hint = exc.hint or result.hint
        if exc.response is not None:
            response, request = exc.response, exc.response.request
    elif isinstance(exc, RequestTimedOut | AppCrashed):
        result.detail, request, response = str(exc), exc.request, None
    elif isinstance(exc, TargetError):
        result.detail = exc.message
    elif isinstance(exc, AssertionError):
        lines = str(exc).strip().splitlines() or ["an assertion failed"]
        result.detail = "\n".join(lines[:6])
    elif isinstance(exc, pytest.fail.Exception):
        result.detail = str(exc)
    else:
        result.detail = (
            f"the checker could not make sense of what came back ({type(exc).__name__}: {exc})"
        )
    if response is not None and response.request is request:
        result.came_back = response.summary()
        target = check.app
        if response.status_code >= 500 and Capability.LOG in target.capabilities:
            logged = learner_frames(target.log.lines(item.stash.get(LOG_MARK, 0)))[-20:]
            result.app_log = "\n".join(logged)
    result.curl = request.curl(check.app.curl_base) if request is not None else ""


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Client:
    """Requests to the learner's app: same API in-process and live."""
    check = _session(request.config)
    target = check.require_app()
    target.reset_session()
    made = Client(target, target.curl_base, timeout=check.request_timeout)
    request.node.stash[CLIENT] = made
    request.node.stash[LOG_MARK] = target.log.mark()
    return made


@pytest.fixture
def target_kind(request: pytest.FixtureRequest) -> str:
    """``"inprocess"``, ``"serve"`` or ``"url"``."""
    return str(_session(request.config).app.kind)


@pytest.fixture
def base_url(request: pytest.FixtureRequest) -> str:
    """The app's real address (``http://127.0.0.1:<port>``), for a browser or a Socket.IO
    client; the checkpoint is skipped where the target has no port."""
    check = _session(request.config)
    check.require(Capability.PORT)
    target = check.require_app()
    assert target.base_url is not None
    return target.base_url


@pytest.fixture
def restart_app(request: pytest.FixtureRequest) -> Callable[[], None]:
    """Stop the app and start it again over the same files (persistence checks)."""
    check = _session(request.config)
    check.require(Capability.RESTART)
    target = check.require_app()

    def restart() -> None:
        try:
            target.restart()
        except TargetError as error:
            raise CheckFailed(
                f"after a restart, your app did not come back: {error.message}"
            ) from None

    return restart


@pytest.fixture
def fakes(request: pytest.FixtureRequest) -> dict[str, FakeService]:
    """The lesson's fake outside services, by the environment variable that points at them."""
    from mission_control.check.services import FakeService

    check = _session(request.config)
    check.require(Capability.SERVICES)
    return {
        env: service for env, service in check.services.items() if isinstance(service, FakeService)
    }


@pytest.fixture
def database(request: pytest.FixtureRequest) -> DatabaseView:
    """Read-only SQL on the check's own database (the lesson's ``postgres`` service):
    ``database.query("SELECT ...")`` -> rows as dicts, ``database.scalar``, ``.tables()``,
    ``.kind``; skipped where the target has no database the checker can see (--url)."""
    from mission_control.check.database import DatabaseService, DatabaseView

    check = _session(request.config)
    check.require(Capability.DATABASE)
    found = [s for s in check.services.values() if isinstance(s, DatabaseService)]
    if not found:
        raise CheckerError(
            f"the checkpoint asks for `database`, but {check.lesson.id}'s lesson.toml declares "
            'no [[check.services]] of kind "postgres"'
        )
    return DatabaseView(found[0])


@pytest.fixture
def mailbox(request: pytest.FixtureRequest) -> Generator[Mailbox, None, None]:
    """The lesson's fake mail server (a ``smtp`` service): ``.messages``, ``.find(to=,
    subject=)``, ``.wait_for(to=, subject=, count=, timeout=)``, ``.refused``, and switches
    for this checkpoint (``refuse_next(n, to=)`` answers 451, ``slow_down(s, to=)``,
    ``fail_quit_after_next(n, to=)``), undone after it."""
    from mission_control.check.mail import Mailbox, MailService

    check = _session(request.config)
    check.require(Capability.SERVICES)
    found = [s for s in check.services.values() if isinstance(s, MailService)]
    if not found:
        raise CheckerError(
            f"the checkpoint asks for `mailbox`, but {check.lesson.id}'s lesson.toml declares "
            'no [[check.services]] of kind "smtp"'
        )
    box = Mailbox(found[0])
    try:
        yield box
    finally:
        box.reset()


@pytest.fixture
def run_command(request: pytest.FixtureRequest) -> Callable[..., CommandResult]:
    """Run a command in (a copy of) the learner's app folder: ``run_command("flask --app
    app whoami", timeout=10)``; ``python`` and ``flask`` use the course's environment."""
    check = _session(request.config)
    check.require(Capability.FOLDER)
    return check.require_app().run_command


class AppLogView:
    """What one process printed: ``lines`` during this checkpoint, ``all_lines`` during the
    check, ``entries`` with the stream of each line."""

    def __init__(self, log: AppLog) -> None:
        self._log = log
        self._start = log.mark()

    @property
    def lines(self) -> list[str]:
        return self._log.lines(self._start)

    @property
    def all_lines(self) -> list[str]:
        return self._log.lines()

    @property
    def entries(self) -> list[tuple[str, str]]:
        """``(stream, text)`` for each line of this checkpoint: ``"stdout"`` or ``"stderr"``."""
        return [(line.stream, line.text) for line in self._log.entries(self._start)]

    def wait_for(self, pattern: str, timeout: float = 5.0) -> str | None:
        """The first line printed during this checkpoint that matches ``pattern`` (a regular
        expression), waiting up to ``timeout`` seconds; ``None`` if none does."""
        line = self._log.wait_for(pattern, timeout, since=self._start)
        return line.text if line is not None else None


@pytest.fixture
def app_log(request: pytest.FixtureRequest) -> Any:
    """The web process's output (stdout and stderr) while the checker runs it."""
    check = _session(request.config)
    check.require(Capability.LOG)
    return AppLogView(check.require_app().log)


@pytest.fixture
def process_log(request: pytest.FixtureRequest) -> Callable[[str], AppLogView]:
    """``process_log("worker")``: the output of one of the lesson's processes."""
    check = _session(request.config)
    check.require(Capability.LOG)
    target = check.require_app()
    views = {name: AppLogView(log) for name, log in target.logs.items()}

    def view(name: str) -> AppLogView:
        if name not in views:
            raise CheckerError(f"the lesson has no process named {name!r} ({', '.join(views)})")
        return views[name]

    return view


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Generator[StackView, None, None]:
    """The production stack (``[check.production]``): ``stack.client("gunicorn")`` talks
    to gunicorn past nginx, ``stack.url(name)``, ``stack.signal("gunicorn",
    signal.SIGTERM)``, ``stack.wait_exit(name, timeout)``, ``stack.pid(name)``,
    ``stack.alive(name)``; both processes are started again if an earlier checkpoint
    stopped them."""
    from mission_control.check.production import ProductionStack, StackView

    check = _session(request.config)
    check.require(Capability.STACK)
    target = check.require_app()
    launcher = target.launcher
    if not isinstance(launcher, ProductionStack):
        raise CheckerError("the checkpoint asks for `stack`, but the app is not run as one")
    if not launcher.alive():  # a checkpoint before this one stopped gunicorn
        target.stop_app()
        check.require_app()
    view = StackView(launcher, timeout=check.request_timeout)
    yield view
    view.close()
