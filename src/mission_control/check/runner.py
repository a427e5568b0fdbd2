"""One path for a check run: "what to check" in, a :class:`~.report.Report` out.

:func:`plan` decides, once, what is checked (the learner's workspace copy, another folder,
the solution, or a URL) and how (:class:`~.report.TargetKind`); :func:`run_check` starts the
lesson's services and the target, runs the checkpoints with pytest, stops everything and
returns the report, every error case included: an app that cannot start gives one error
and every checkpoint skipped, never a traceback from the checker. The CLI and the hub only
parse, call this, and render.

pytest runs in this process (the checkpoints are course code); the learner's code runs in
child processes that the target owns, and is always stopped, with every process it started,
before this returns. pytest runs the checkpoints from a private copy collected before any
learner code starts, and the report's ``spec_hash`` is that copy's (see :mod:`.isolation`).
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from mission_control import __version__
from mission_control.catalog import Catalog, Lesson, workspace_dir
from mission_control.check import isolation
from mission_control.check.inventory import list_checkpoints, remember, spec_hash
from mission_control.check.report import (
    NOT_STARTED,
    SKIPPED,
    CheckError,
    ErrorKind,
    Report,
    Result,
    SetupStep,
    TargetError,
    TargetKind,
)
from mission_control.check.targets import Target, make_target, seconds

if TYPE_CHECKING:
    import pytest

    from mission_control.check.services import RunningService

INI = Path(__file__).with_name("pytest.ini")
SETUP_TIMEOUT = 60.0  # seconds for each of the lesson's set-up commands
# Built-in plugins a check never needs; leaving them out keeps a check quick.
UNUSED_PLUGINS = (
    "cacheprovider",
    "stepwise",
    "doctest",
    "junitxml",
    "pastebin",
    "legacypath",
    "unraisableexception",  # the learner's code runs elsewhere; its gc.collect() costs time
    "threadexception",
    "logging",
    "faulthandler",
    "debugging",
    "setuponly",
    "setupplan",
)


class Source(StrEnum):
    """Whose code is checked: it decides what counts as the learner's progress."""

    WORKSPACE = "workspace"  # the learner's own copy, made by `mission start`
    PATH = "path"  # another folder (a teacher grading, a learner trying something)
    SOLUTION = "solution"  # the reference solution
    URL = "url"  # a server at an address


@dataclass(frozen=True)
class CheckRequest:
    """What to check and how. Exactly one of ``app_dir`` and ``url`` is set."""

    lesson: Lesson
    source: Source
    app_dir: Path | None = None
    url: str | None = None
    serve: bool = False
    ignore_prerequisites: bool = False  # the project's tests prove every checkpoint can fail
    reverse: bool = False  # ...and that checkpoints do not depend on their order
    extra_checkpoints: Path | None = None  # a teacher's private checkpoint files, run too
    events: Path | None = None  # a JSON line per finished checkpoint is appended (the hub)

    @property
    def kind(self) -> TargetKind:
        """How the app is reached. A lesson whose checkpoints need a live server is served
        without being asked."""
        if self.url:
            return TargetKind.URL
        return TargetKind.SERVE if self.serve or self.lesson.live else TargetKind.INPROCESS

    @property
    def subject(self) -> str:
        """What the learner should read as "what was checked"."""
        if self.url:
            return f"the server at {self.url}"
        how = f"served with `{self.lesson.run}`" if self.kind is TargetKind.SERVE else "in-process"
        if self.lesson.production is not None and self.kind is TargetKind.SERVE:
            how = "served by gunicorn behind nginx"
        return f"{self.app_dir} ({how})"


def plan(
    catalog: Catalog,
    lesson: Lesson,
    *,
    path: Path | None = None,
    solution: bool = False,
    url: str | None = None,
    serve: bool = False,
    ignore_prerequisites: bool = False,
    reverse: bool = False,
    extra_checkpoints: Path | None = None,
    events: Path | None = None,
) -> CheckRequest:
    """The check the options describe; the workspace copy when none names another."""
    if url:
        source, app_dir = Source.URL, None
    elif solution:
        source, app_dir = Source.SOLUTION, lesson.solution
    elif path:
        source, app_dir = Source.PATH, path.resolve()
    else:
        source, app_dir = Source.WORKSPACE, workspace_dir(catalog) / lesson.slug
    if app_dir is not None and lesson.app_folder:  # one of several apps: its own folder
        app_dir = app_dir / lesson.app_folder
    extra = extra_checkpoints.resolve() if extra_checkpoints else None
    return CheckRequest(
        lesson, source, app_dir, url, serve, ignore_prerequisites, reverse, extra, events
    )


def _folder_problem(request: CheckRequest) -> TargetError | None:
    """Why the folder cannot be checked at all; None if it can."""
    lesson, app_dir = request.lesson, request.app_dir
    if app_dir is None:
        return None
    if not app_dir.is_dir():
        started = lesson.app_folder and app_dir.parent.is_dir()  # the lesson, not this app
        if request.source is Source.WORKSPACE and not started:
            return TargetError(
                ErrorKind.NOT_STARTED,
                f"You have not started {lesson.id} yet: there is no {app_dir}. Run "
                f"`mission start {lesson.id}` to copy the starter there, then check again.",
            )
        return TargetError(ErrorKind.NOT_STARTED, f"There is no folder {app_dir} to check.")
    module = lesson.entry.module.replace(".", "/")
    candidates = [Path(f"{module}.py"), Path(module, "__init__.py")]
    if not any(
        (app_dir / name).is_file() or (lesson.provided / name).is_file() for name in candidates
    ):
        return TargetError(
            ErrorKind.NO_APP,
            f"There is no {candidates[0]} (or {candidates[1]}) in {app_dir}. The checker "
            f"imports your app from it and uses `{lesson.entry.attribute}` ({lesson.entry}).",
        )
    return None


def _pytest_args(lesson: Lesson, *extra: str, checkpoints: Path | None = None) -> list[str]:
    folder = str(checkpoints or lesson.checkpoints)
    return [
        folder,
        "-c",
        str(INI),
        "--rootdir",
        folder,
        "--confcutdir",  # no conftest.py from the folders above the checkpoints
        folder,
        "--import-mode=importlib",
        "--capture=sys",
        "-q",
        "--no-header",
        *(f"-pno:{name}" for name in UNUSED_PLUGINS),
        *extra,
    ]


def run_check(request: CheckRequest) -> Report:
    """Run every checkpoint of the lesson against the target ``request`` describes."""
    lesson = request.lesson
    report = Report(
        checker=__version__,
        lesson=lesson.id,
        spec_hash=spec_hash(lesson),
        target=request.kind,
        subject=request.subject,
        title=lesson.title,
        app=lesson.app,
    )
    problem = _folder_problem(request)
    if problem is not None:
        return not_started(report, lesson, problem)

    isolation.protect_checker()
    output = io.StringIO()
    with contextlib.ExitStack() as stack:
        private = isolation.private_checkpoints(lesson.checkpoints)
        stack.callback(private.cleanup)
        report.spec_hash = private.spec_hash  # what runs, whatever happens to the originals
        services: dict[str, RunningService] = {}
        env = dict(lesson.check_env)
        if lesson.services and request.kind is not TargetKind.URL:
            # Only a lesson with services pays for importing them (werkzeug.serving).
            from mission_control.check.services import (
                ServiceUnavailable,
                running_services,
                service_env,
            )

            try:
                services = stack.enter_context(running_services(lesson))
            except ServiceUnavailable as missing:
                return service_missing(report, lesson, missing)
            except TargetError as error:
                return not_started(report, lesson, error)
            env.update(service_env(services))
            report.notices += [service.notice for service in services.values() if service.notice]
        target = make_target(
            lesson, request.kind, app_dir=request.app_dir, url=request.url, env=env
        )
        stack.callback(target.stop)
        expired = stack.enter_context(
            _deadline(target, seconds("MISSION_CHECK_TIMEOUT", CHECK_TIMEOUT))
        )
        if lesson.setup and request.kind is not TargetKind.URL:
            failed = run_setup(lesson, target, report)
            if failed is not None:
                return not_started(report, lesson, failed)
        # Where the private checkpoint copy is hidden from the app (a private view), the
        # app imports while pytest starts up. Elsewhere the app could reach the copy, so
        # its code starts only once the checkpoints are collected, that is, read into this
        # process (Release.pytest_collection_finish).
        target.start(hold=isolation.isolation_mode() not in isolation.PRIVATE_VIEW)

        import pytest

        from mission_control.check import browser, plugin, socketio
        from mission_control.check.plugin import CheckSession

        session = CheckSession(
            lesson=lesson,
            target=target,
            services=services,
            ignore_prerequisites=request.ignore_prerequisites,
            reverse=request.reverse,
            request_timeout=seconds("MISSION_REQUEST_TIMEOUT", lesson.request_timeout),
            events=request.events,
        )
        os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        release = Release(target)
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            extra = [str(request.extra_checkpoints)] if request.extra_checkpoints else []
            code = pytest.main(
                _pytest_args(lesson, *extra, checkpoints=private.path),
                plugins=[plugin, browser, socketio, session, release],
            )
        # pytest says INTERRUPTED for a checkpoint file it could not collect too (a
        # SyntaxError in a teacher's extra checkpoints): that is a checker error, below.
        if code == pytest.ExitCode.INTERRUPTED and not release.uncollected:
            raise KeyboardInterrupt

    report.results = list(session.results.values())
    if (
        request.kind is not TargetKind.URL
        and os.environ.get("MISSION_ISOLATION", "auto") == "auto"
        and isolation.isolation_mode() == "basic"
    ):
        report.notices.append(
            "This machine gives the checked app no private view of the files (no user "
            "namespaces), so the app could read whatever your user can. Grade untrusted "
            "work as root or in a container."
        )
    if (
        session.collected
        and report.spec_hash
        and request.extra_checkpoints is None
        and not lesson.app
    ):
        # A teacher's extra checkpoints are not the lesson's: never list them under its hash
        # (nor one app's share of a lesson with several).
        remember(report.spec_hash, session.collected.values())
    if expired:
        report.error = expired[0].error
    elif session.error is not None:
        report.error = session.error.error
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not report.results:
        report.error = CheckError(
            ErrorKind.CHECKER_ERROR,
            f"pytest ended with {code!r} for {lesson.checkpoints}:\n" + output.getvalue()[-3000:],
        )
    return report


CHECK_TIMEOUT = 900.0  # seconds a whole check may take (MISSION_CHECK_TIMEOUT)


@contextlib.contextmanager
def _deadline(target: Target, limit: float) -> Iterator[list[TargetError]]:
    """Past ``limit`` seconds, the app is killed and every checkpoint left is skipped with
    one error, so no app (and no server at a URL) can keep a check going for ever."""

    expired: list[TargetError] = []

    def expire() -> None:
        expired.append(
            TargetError(
                ErrorKind.CHECK_TIMEOUT,
                f"The check did not finish within {limit:g} s, so the checker stopped your "
                "app; the checkpoints that had not run yet are skipped. Look for requests "
                "that take very long to answer, or set MISSION_CHECK_TIMEOUT on a slow "
                "machine.",
            )
        )
        target.expire(expired[0])

    timer = threading.Timer(limit, expire)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


class Release:
    """Starts the learner's code once pytest has collected (imported) every checkpoint."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.uncollected: list[str] = []  # the checkpoint files pytest could not read

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.uncollected.append(report.nodeid)

    def pytest_collection_finish(self) -> None:
        self.target.release()


def run_setup(lesson: Lesson, target: Target, report: Report) -> TargetError | None:
    """Run the lesson's set-up commands (``check.setup``, e.g. ``flask --app app db
    upgrade``) in the app's folder with the app's environment, before the checkpoints; each
    becomes a step of the report. The first that fails stops the check with one error that
    quotes its output; ``None`` when all succeeded."""
    limit = seconds("MISSION_SETUP_TIMEOUT", SETUP_TIMEOUT)
    for command in lesson.setup:
        started = time.perf_counter()
        done = target.run_command(command, timeout=limit)
        step = SetupStep(
            command=command,
            ok=done.exit_code == 0,
            exit_code=done.exit_code,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        report.setup.append(step)
        if step.ok:
            continue
        step.output = done.output.strip()[-3000:]
        why = (
            f"did not finish within {limit:g} s"
            if done.timed_out
            else f"exited with status {done.exit_code}"
        )
        printed = f", after printing:\n{indent_text(step.output)}" if step.output else ""
        return TargetError(
            ErrorKind.SETUP_FAILED,
            f"Before the checkpoints, the checker runs `{command}` in your app's folder; it "
            f"{why}{printed}\nRun it yourself in your folder to see why, fix it, and check "
            "again.",
        )
    return None


def indent_text(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def not_started(report: Report, lesson: Lesson, error: TargetError) -> Report:
    """``report`` for a check that could not even begin: one error, every checkpoint skipped."""
    return replace(
        report,
        error=error.error,
        results=[
            Result(id=info.id, title=info.title, status=SKIPPED, detail=NOT_STARTED)
            for info in list_checkpoints(lesson)
        ],
    )


def service_missing(report: Report, lesson: Lesson, missing: TargetError) -> Report:
    """``report`` for a check whose lesson needs a service this machine does not run (and
    ``CI`` is not set): no error of the learner's, every checkpoint skipped with the message
    that says how to start it, which is also the report's first line."""
    return replace(
        report,
        notices=[*report.notices, missing.message],
        results=[
            Result(id=info.id, title=info.title, status=SKIPPED, detail=missing.message)
            for info in list_checkpoints(lesson)
        ],
    )


def unknown_lesson(catalog: Catalog, key: str) -> Report:
    known = ", ".join(item.id for item in catalog)
    return Report(
        checker=__version__,
        lesson=key,
        spec_hash=None,
        target=None,
        error=CheckError(
            ErrorKind.UNKNOWN_LESSON, f"There is no lesson '{key}'. Lessons: {known}."
        ),
    )
