"""The pytest plugin that turns a lesson's checkpoints into a check.

It gives checkpoints their fixtures, orders them so prerequisites run first, skips a
checkpoint whose prerequisite did not pass, and turns every outcome into a
:class:`~mission_control.check.report.Result` a learner can act on. The run itself is set
up by :mod:`mission_control.check.runner`, which registers a :class:`CheckSession`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from mission_control.catalog import Lesson
from mission_control.check.api import CheckpointSpec, title_of
from mission_control.check.client import (
    AppCrashed,
    CheckFailed,
    Client,
    RequestTimedOut,
    Response,
)
from mission_control.check.report import FAILED, NOT_STARTED, PASSED, SKIPPED, Result
from mission_control.check.targets import AppLog, CommandResult, Target, TargetError

if TYPE_CHECKING:
    from mission_control.check.fakes import FakeService

SESSION = pytest.StashKey["CheckSession"]()
CLIENT = pytest.StashKey[Client]()
LOG_MARK = pytest.StashKey[int]()


@dataclass
class CheckSession:
    """Everything one check run shares: the lesson, the target, the fakes, the results."""

    lesson: Lesson
    target: Target
    fakes: dict[str, FakeService] = field(default_factory=dict)
    ignore_prerequisites: bool = False
    reverse: bool = False
    request_timeout: float = 10.0
    error: TargetError | None = None
    results: dict[str, Result] = field(default_factory=dict)
    specs: dict[str, tuple[CheckpointSpec, str]] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)

    # Registered as a plugin object, so it can take part in configuration.
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SESSION] = self

    def require_app(self) -> Target:
        """The target, ready; every checkpoint is skipped with one message if it cannot be."""
        try:
            self.target.ready()
        except TargetError as error:
            self.error = self.error or error
            pytest.skip(NOT_STARTED)
        return self.target

    @property
    def curl_base(self) -> str:
        """The address shown in curl commands: where the learner's own server would be."""
        if self.target.kind == "url":
            return self.target.base_url
        return f"http://127.0.0.1:{self.lesson.port}"


def _session(config: pytest.Config) -> CheckSession:
    return config.stash[SESSION]


# -- ordering and prerequisites -------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    check = _session(config)
    by_id: dict[str, pytest.Item] = {}
    for item in items:
        function = getattr(item, "function", None)
        spec = getattr(function, "__checkpoint__", None) or CheckpointSpec(
            item.name.removeprefix("test_"), None, ()
        )
        if spec.id in by_id:
            raise pytest.UsageError(f"two checkpoints share the id {spec.id!r}")
        by_id[spec.id] = item
        check.specs[item.nodeid] = (spec, title_of(getattr(function, "__doc__", None)))
    for item in items:
        for required in check.specs[item.nodeid][0].requires:
            if required not in by_id:
                raise pytest.UsageError(f"{item.name} requires unknown checkpoint {required!r}")

    # Prerequisites first; otherwise file order (or its reverse, to prove independence).
    pending = list(reversed(items)) if check.reverse else list(items)
    ordered: list[pytest.Item] = []
    placed: set[str] = set()

    def place(item: pytest.Item, trail: tuple[str, ...] = ()) -> None:
        spec = check.specs[item.nodeid][0]
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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    check = _session(item.config)
    if check.ignore_prerequisites:
        return
    spec, _ = check.specs[item.nodeid]
    for required in spec.requires:
        result = check.results.get(required)
        if result is not None and result.status == SKIPPED:
            pytest.skip(f"needs “{result.title}”, which was skipped: {result.message}")
        if result is not None and result.status != PASSED:
            pytest.skip(f"needs “{result.title}” to pass first")


# -- results ---------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    check = _session(item.config)
    spec, title = check.specs[item.nodeid]
    result = check.results.get(spec.id) or Result(id=spec.id, title=title, status=PASSED)
    check.results[spec.id] = result
    result.duration_ms += round(report.duration * 1000)
    if report.skipped and result.status == PASSED:
        result.status = SKIPPED
        result.message = _skip_reason(report)
    elif report.failed and result.status != FAILED:
        result.status = FAILED
        _describe_failure(result, spec, item, call, check)
    return report


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


def _describe_failure(
    result: Result,
    spec: CheckpointSpec,
    item: pytest.Item,
    call: pytest.CallInfo,
    check: CheckSession,
) -> None:
    exc = call.excinfo.value if call.excinfo else None
    client = item.stash.get(CLIENT, None)
    response: Response | None = client.exchanges[-1] if client and client.exchanges else None
    request = client.last_request if client else None
    hint = spec.hint or ""
    if isinstance(exc, CheckFailed):
        message = exc.message
        hint = exc.hint or hint
        if exc.response is not None:
            response, request = exc.response, exc.response.request
    elif isinstance(exc, RequestTimedOut | AppCrashed):
        message, request, response = str(exc), exc.request, None
    elif isinstance(exc, TargetError):
        message = exc.message
    elif isinstance(exc, AssertionError):
        lines = str(exc).strip().splitlines() or ["an assertion failed"]
        message = "\n".join(lines[:6])
    elif isinstance(exc, pytest.fail.Exception):
        message = str(exc)
    else:
        message = (
            f"the checker could not make sense of what came back ({type(exc).__name__}: {exc})"
        )
    if response is not None and response.request is request:
        message += f"\n\nCame back: {response.summary()}"
        if response.status_code >= 500 and check.target.has_log:
            logged = learner_frames(check.target.log.lines(item.stash.get(LOG_MARK, 0)))[-20:]
            if logged:
                message += "\n\nYour app logged:\n" + "\n".join(logged)
    result.message = message
    result.hint = hint
    result.curl = request.curl(check.curl_base) if request is not None else ""


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Client:
    """Requests to the learner's app: same API in-process and live."""
    check = _session(request.config)
    target = check.require_app()
    target.reset_session()
    made = Client(target, check.curl_base, timeout=check.request_timeout)
    request.node.stash[CLIENT] = made
    request.node.stash[LOG_MARK] = target.log.mark()
    return made


@pytest.fixture
def target_kind(request: pytest.FixtureRequest) -> str:
    """``"inprocess"``, ``"serve"`` or ``"url"``."""
    return _session(request.config).target.kind


@pytest.fixture
def restart_app(request: pytest.FixtureRequest) -> Callable[[], None]:
    """Stop the app and start it again over the same files (persistence checks)."""
    check = _session(request.config)
    if not check.target.can_restart:
        pytest.skip(
            "this checkpoint restarts your app to see that data is kept, and the checker "
            f"cannot restart a server it did not start: run `mission check {check.lesson.id}` "
            f"or `mission check {check.lesson.id} --serve` for it"
        )
    check.require_app()

    def restart() -> None:
        try:
            check.target.restart()
        except TargetError as error:
            raise CheckFailed(
                f"after a restart, your app did not come back: {error.message}"
            ) from None

    return restart


@pytest.fixture
def fakes(request: pytest.FixtureRequest) -> dict[str, FakeService]:
    """The lesson's fake outside services, by the environment variable that points at them."""
    check = _session(request.config)
    if check.target.kind == "url":
        hints = " ".join(fake.hint for fake in check.lesson.fakes if fake.hint)
        pytest.skip(
            "this checkpoint needs your app connected to a fake outside service, which the "
            f"checker can only arrange when it starts your app: run `mission check "
            f"{check.lesson.id}` or add --serve. {hints}".strip()
        )
    return check.fakes


@pytest.fixture
def run_command(request: pytest.FixtureRequest) -> Callable[..., CommandResult]:
    """Run a command in (a copy of) the learner's app folder: ``run_command("flask --app
    app whoami", timeout=10)``; ``python`` and ``flask`` use the course's environment."""
    check = _session(request.config)
    if check.target.folder is None:
        pytest.skip(
            "this checkpoint runs a command in your app's folder, and with --url the checker "
            f"has no folder: run `mission check {check.lesson.id}` for it"
        )
    return check.target.run_command


class AppLogView:
    """What the app printed: ``lines`` during this checkpoint, ``all_lines`` during the check."""

    def __init__(self, log: AppLog) -> None:
        self._log = log
        self._start = log.mark()

    @property
    def lines(self) -> list[str]:
        return self._log.lines(self._start)

    @property
    def all_lines(self) -> list[str]:
        return self._log.lines()

    def wait_for(self, pattern: str, timeout: float = 5.0) -> str | None:
        """The first line printed during this checkpoint that matches ``pattern`` (a regular
        expression), waiting up to ``timeout`` seconds; ``None`` if none does."""
        return self._log.wait_for(pattern, timeout, since=self._start)


@pytest.fixture
def app_log(request: pytest.FixtureRequest) -> Any:
    """The app's output (stdout and stderr) while the checker runs it."""
    check = _session(request.config)
    if not check.target.has_log:
        pytest.skip(
            "this checkpoint reads what your app logs, and with --url the checker cannot see "
            f"your server's output: run `mission check {check.lesson.id}` for it"
        )
    check.require_app()
    return AppLogView(check.target.log)
