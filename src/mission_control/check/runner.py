"""One check run: start the target, run the lesson's checkpoints with pytest, stop everything,
and return a :class:`~mission_control.check.report.Report`.

pytest runs in this process (the checkpoints are course code); the learner's code runs in a
child process that the target owns. Whatever happens, the child and any server are stopped
before this returns, and the report is complete: an app that cannot start gives one error
and every checkpoint skipped, never a traceback from the checker.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mission_control import __version__
from mission_control.catalog import Lesson
from mission_control.check.inventory import spec_hash
from mission_control.check.report import NOT_STARTED, SKIPPED, Report, Result
from mission_control.check.targets import InProcessTarget, ServeTarget, Target, UrlTarget

if TYPE_CHECKING:
    from mission_control.check.fakes import FakeService

INI = Path(__file__).with_name("pytest.ini")
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


@dataclass(frozen=True)
class CheckOptions:
    """What to check. Exactly one of ``app_dir`` and ``url`` is set."""

    app_dir: Path | None = None
    url: str | None = None
    serve: bool = False
    subject: str = ""  # what the learner should read as "what was checked"
    ignore_prerequisites: bool = False  # the project's tests prove every checkpoint can fail
    reverse: bool = False  # ...and that checkpoints do not depend on their order

    @property
    def mode(self) -> str:
        if self.url:
            return "url"
        return "serve" if self.serve else "inprocess"


def _seconds(name: str, default: float) -> float:
    """A time limit from the environment (for slow machines, and for the tests)."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def make_target(lesson: Lesson, options: CheckOptions, env: dict[str, str]) -> Target:
    display = f"http://127.0.0.1:{lesson.port}"
    provided = lesson.provided if lesson.provided.is_dir() else None
    if options.url:
        return UrlTarget(base_url=options.url)
    if options.serve:
        return ServeTarget(
            options.app_dir,
            lesson.run,
            display_url=display,
            entry=lesson.entry,
            env=env,
            start_timeout=_seconds("MISSION_START_TIMEOUT", 20),
            provided=provided,
        )
    return InProcessTarget(
        options.app_dir,
        lesson.entry,
        base_url=display,
        env=env,
        import_timeout=_seconds("MISSION_IMPORT_TIMEOUT", 15),
        provided=provided,
    )


def run_check(lesson: Lesson, options: CheckOptions) -> Report:
    """Run every checkpoint of ``lesson`` against the target ``options`` describes."""
    report = Report(
        checker=__version__,
        lesson=lesson.id,
        spec_hash=spec_hash(lesson),
        target=options.mode,
        subject=options.subject,
        title=lesson.title,
    )
    fakes: dict[str, FakeService] = {}
    target: Target | None = None
    output = io.StringIO()
    try:
        if options.mode != "url" and lesson.fakes:
            from mission_control.check.fakes import start_fakes

            fakes = start_fakes(lesson)
        env = {**lesson.check_env, **{name: fake.env_value for name, fake in fakes.items()}}
        target = make_target(lesson, options, env)
        target.start()  # the child imports the app while pytest is imported and starts up

        import pytest

        from mission_control.check import plugin
        from mission_control.check.plugin import CheckSession

        session = CheckSession(
            lesson=lesson,
            target=target,
            fakes=fakes,
            ignore_prerequisites=options.ignore_prerequisites,
            reverse=options.reverse,
            request_timeout=_seconds("MISSION_REQUEST_TIMEOUT", lesson.request_timeout),
        )
        args = [
            str(lesson.checkpoints),
            "-c",
            str(INI),
            "--rootdir",
            str(lesson.checkpoints),
            "--confcutdir",  # no conftest.py from the folders above the checkpoints
            str(lesson.checkpoints),
            "--import-mode=importlib",
            "--capture=sys",
            "-q",
            "--no-header",
            *(f"-pno:{name}" for name in UNUSED_PLUGINS),
        ]
        os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(args, plugins=[plugin, session])
        if code == pytest.ExitCode.INTERRUPTED:
            raise KeyboardInterrupt
    finally:
        if target is not None:
            target.stop()
        for fake in fakes.values():
            fake.stop()

    report.results = list(session.results.values())
    if session.error is not None:
        report.error = {"kind": session.error.kind, "message": session.error.message}
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not report.results:
        report.error = {
            "kind": "checker_error",
            "message": f"pytest ended with {code!r} for {lesson.checkpoints}:\n"
            + output.getvalue()[-3000:],
        }
    return report


def not_started_report(lesson: Lesson, mode: str, kind: str, message: str) -> Report:
    """A report for a check that could not even begin (no folder to check, say)."""
    from mission_control.check.inventory import list_checkpoints

    return Report(
        checker=__version__,
        lesson=lesson.id,
        spec_hash=spec_hash(lesson),
        target=mode,
        error={"kind": kind, "message": message},
        results=[
            Result(id=info.id, title=info.title, status=SKIPPED, message=NOT_STARTED)
            for info in list_checkpoints(lesson)
        ],
        title=lesson.title,
    )
