"""What the checkpoints talk to: a launcher (how the app runs), its transports (how requests
reach it), the processes beside it, and the sandbox they share.

:func:`make_target` picks the combination for a check once: in-process (the app imported in
a child process, requests over a pipe), served (the run command on a free port, requests
over HTTP, with a second, imported copy of the app for requests that need the app object
itself), or a URL. The :class:`Target` then gives every checkpoint the same operations:
``send``, ``reset_session``, ``restart``, ``run_command``, the logs, and what it can do
(:mod:`.capabilities`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mission_control.catalog import Lesson
from mission_control.check.capabilities import OFFERS, Capability, missing
from mission_control.check.client import AppCrashed, Request, RequestTimedOut, Response
from mission_control.check.launchers import (
    CommandLauncher,
    ExtraProcesses,
    ImportLauncher,
    Launcher,
    UrlLauncher,
)
from mission_control.check.processes import AppLog, CommandResult, kill_tree, run_command
from mission_control.check.report import ErrorKind, TargetError, TargetKind
from mission_control.check.sandbox import Sandbox
from mission_control.check.transports import ConnectionLost, PipeClosed


def seconds(name: str, default: float) -> float:
    """A time limit from the environment (for slow machines, and for the tests)."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    import_timeout: float = 15.0
    start_timeout: float = 20.0

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(
            import_timeout=seconds("MISSION_IMPORT_TIMEOUT", 15),
            start_timeout=seconds("MISSION_START_TIMEOUT", 20),
        )


class Target:
    """One app under check, whatever launches it. The outcome of getting it ready is
    kept: once it could not start, every later call raises the same error at once."""

    def __init__(
        self,
        lesson: Lesson,
        launcher: Launcher,
        *,
        sandbox: Sandbox | None = None,
        env: Mapping[str, str] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.lesson = lesson
        self.launcher = launcher
        self.kind: TargetKind = launcher.kind
        self.sandbox = sandbox
        self.env = dict(env or {})
        self.limits = limits or Limits()
        self.extras = (
            ExtraProcesses(lesson.processes, sandbox, self.env, self.limits.start_timeout)
            if sandbox is not None and lesson.processes
            else None
        )
        self._linter: ImportLauncher | None = None
        self._error: TargetError | None = None
        self._ready = False
        self._held = False

    # -- what it offers -------------------------------------------------------------------

    @property
    def capabilities(self) -> frozenset[Capability]:
        return OFFERS[self.kind]

    def missing(self, capability: Capability) -> str | None:
        return missing(capability, self.kind, self.lesson)

    @property
    def folder(self) -> Path | None:
        """Where the app's files are (a sandbox copy), if the checker has them."""
        return self.sandbox.path if self.sandbox else None

    @property
    def log(self) -> AppLog:
        """What the web process printed."""
        return self.launcher.log

    @property
    def logs(self) -> dict[str, AppLog]:
        """Every process's log by name: ``web`` and the lesson's other processes."""
        return {**self.launcher.logs, **(self.extras.logs if self.extras else {})}

    @property
    def base_url(self) -> str | None:
        """A real address of the app, when it has one."""
        transport = self.launcher.transport
        return getattr(transport, "base_url", None)

    @property
    def curl_base(self) -> str:
        """The address shown in curl commands: where the learner's own server would be."""
        if self.kind is TargetKind.URL:
            return self.base_url or ""
        return f"http://127.0.0.1:{self.lesson.port}"

    # -- life cycle -----------------------------------------------------------------------

    def start(self, hold: bool = False) -> None:
        """Begin starting everything; may return before it is ready. With ``hold``, only
        what runs no learner code yet starts (the in-process worker's interpreter), and
        :meth:`release` starts the rest: the checker calls it once the checkpoints are
        collected, so the learner's code cannot change them before they are in memory."""
        self._held = hold
        if isinstance(self.launcher, ImportLauncher):
            self.launcher.start(hold=hold)
        elif not hold:
            self.launcher.start()
        if self.extras is not None and not hold:
            self.extras.start()

    def release(self) -> None:
        """Start what :meth:`start` held back."""
        if not self._held:
            return
        self._held = False
        if isinstance(self.launcher, ImportLauncher):
            self.launcher.release()
        else:
            self.launcher.start()
        if self.extras is not None:
            self.extras.start()

    def ready(self) -> None:
        """Block until the app (and its other processes) can take requests."""
        if self._error:
            raise self._error
        self.release()
        try:
            if not self._ready:
                if not self.launcher.alive():
                    self.launcher.start()  # stopped after an earlier checkpoint (a hang, a crash)
                self.launcher.wait_ready()
                if self.extras is not None:
                    self.extras.wait_ready()
                self._ready = True
            elif self.extras is not None:
                self.extras.check_alive()
        except TargetError as error:
            self.launcher.stop()
            if error.kind is ErrorKind.SERVER_NOT_ANSWERING:
                error = self._import_problem() or error
            self._error = error
            raise error from None

    def _import_problem(self) -> TargetError | None:
        """Why a served app that never answered cannot even be imported, if that is why: an
        import that crashes or never ends is the learner's real problem, not ``PORT``."""
        if self.sandbox is None or self.kind is not TargetKind.SERVE:
            return None
        probe = ImportLauncher(
            self.sandbox,
            self.lesson.entry,
            interface=self.lesson.interface,
            env=self.env,
            import_timeout=self.limits.import_timeout,
        )
        try:
            probe.start()
            probe.wait_ready()
        except TargetError as error:
            return error
        finally:
            probe.stop()
        return None

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        if wsgi_lint:
            return self._lint(request, timeout)
        if not self.launcher.alive():
            self.launcher.stop()
            self._ready = False  # the app died on an earlier checkpoint: start it again
        self.ready()
        try:
            return self.launcher.transport.send(request, timeout)
        except TimeoutError:
            self.stop_app()  # a hung app cannot answer the next checkpoint either
            raise RequestTimedOut(request, timeout) from None
        except PipeClosed:
            raise AppCrashed(request, self.launcher.lost()) from None
        except ConnectionLost as exc:
            raise AppCrashed(request, self.launcher.lost(str(exc))) from None

    def _lint(self, request: Request, timeout: float) -> Response:
        """A request under ``wsgiref.validate``, which must wrap the app object itself: in
        the import launcher's own worker, or in one beside a served app over the same copy."""
        reason = self.missing(Capability.WSGI)
        if reason:
            from mission_control.check.plugin import NeedsCapability

            raise NeedsCapability(Capability.WSGI, reason)
        if isinstance(self.launcher, ImportLauncher):
            self.ready()
            return self.launcher.transport.send(request, timeout, wsgi_lint=True)
        if self._linter is None:
            self.ready()
            assert self.sandbox is not None
            self._linter = ImportLauncher(
                self.sandbox,
                self.lesson.entry,
                interface=self.lesson.interface,
                env=self.env,
                import_timeout=self.limits.import_timeout,
            )
            self._linter.start()
            self._linter.wait_ready()
        return self._linter.transport.send(request, timeout, wsgi_lint=True)

    def reset_session(self) -> None:
        """Forget cookies, so every checkpoint starts as a new visitor."""
        for launcher in (self.launcher, self._linter):
            if launcher is None or not launcher.alive():
                continue
            try:
                launcher.transport.reset_session()
            except (TimeoutError, PipeClosed):
                launcher.stop()

    def restart(self) -> None:
        """Stop the app (letting it shut down cleanly) and start it again over the same files."""
        self.launcher.stop(graceful=True)
        self._ready = False
        self._error = None
        self.launcher.start()
        self.ready()

    def expire(self, error: TargetError) -> None:
        """End the check now (its deadline passed; called from another thread): every
        process of the app dies, the request under way fails, and every later checkpoint is
        skipped with ``error``. Only processes are killed here; pipes and sockets are closed
        by :meth:`stop`, on the checker's own thread."""
        self._error = error
        for launcher in (self.launcher, self._linter):
            for process in _processes_of(launcher):
                kill_tree(process.pid)
        if self.extras is not None:
            for managed in self.extras.running.values():
                if managed.process is not None:
                    kill_tree(managed.process.pid)

    def stop_app(self) -> None:
        self.launcher.stop()
        self._ready = False

    def stop(self) -> None:
        """Stop everything the target started; safe to call more than once."""
        for launcher in (self._linter, self.launcher):
            if launcher is not None:
                launcher.stop()
                close = getattr(launcher, "close", None)
                if close is not None:
                    close()
        self._linter = None
        if self.extras is not None:
            self.extras.stop()
        if self.sandbox is not None:
            self.sandbox.cleanup()
            self.sandbox = None

    def run_command(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = 10.0,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> CommandResult:
        """Run a command in the app's folder (the sandbox copy) with the app's environment."""
        if self.sandbox is None:
            raise RuntimeError("this target has no folder to run commands in")
        return run_command(
            command,
            cwd=self.sandbox.path,
            env={**self.env, **(env or {})},
            timeout=timeout,
            input=input,
            restore=self.sandbox.restore_paths,
        )


def _processes_of(launcher: Launcher | None) -> list[subprocess.Popen[bytes]]:
    if isinstance(launcher, ImportLauncher) and launcher.process is not None:
        return [launcher.process]
    if isinstance(launcher, CommandLauncher) and launcher.web.process is not None:
        return [launcher.web.process]
    from mission_control.check.production import ProductionStack

    if isinstance(launcher, ProductionStack):
        return [p.process for p in launcher.processes.values() if p.process is not None]
    return []


def make_target(
    lesson: Lesson,
    kind: TargetKind,
    *,
    app_dir: Path | None = None,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    limits: Limits | None = None,
) -> Target:
    """The target for one check: ``kind`` decides the launcher, and with it the transport."""
    limits = limits or Limits.from_environment()
    if kind is TargetKind.URL:
        assert url is not None
        return Target(lesson, UrlLauncher(url), limits=limits)
    assert app_dir is not None
    sandbox = Sandbox(app_dir, lesson.provided)
    launcher: Launcher
    if kind is TargetKind.SERVE and lesson.production is not None:
        from mission_control.check.production import ProductionStack

        launcher = ProductionStack(
            sandbox, lesson.production, env=env, start_timeout=limits.start_timeout
        )
    elif kind is TargetKind.SERVE:
        launcher = CommandLauncher(sandbox, lesson.run, env=env, start_timeout=limits.start_timeout)
    else:
        launcher = ImportLauncher(
            sandbox,
            lesson.entry,
            interface=lesson.interface,
            env=env,
            import_timeout=limits.import_timeout,
        )
    return Target(lesson, launcher, sandbox=sandbox, env=env, limits=limits)
