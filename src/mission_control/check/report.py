"""What one check run found, as data: statuses, error kinds, results and the report.

A :class:`Result` keeps its parts as fields (what was expected, what came back, the app's
log, the request as curl, the hint) so that the terminal (:mod:`.render`), the JSON report
and the hub show the same things without gluing text together and splitting it again.
``message`` is still in the JSON, composed from the parts, for readers of the first format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class CheckerError(Exception):
    """The checker (or a checkpoint's own code) broke: reported as the checker's error,
    never as the learner's failure."""


class Status(StrEnum):
    """A checkpoint's outcome."""

    PASSED = "passed"
    FAILED = "failed"  # the learner's app did not do what the contract says
    SKIPPED = "skipped"  # not run: a prerequisite, a capability the target lacks, no app
    ERROR = "error"  # the checker or the checkpoint broke: never the learner's failure


PASSED, FAILED, SKIPPED, ERROR = Status.PASSED, Status.FAILED, Status.SKIPPED, Status.ERROR


class ErrorKind(StrEnum):
    """Why a whole check could not run; each has the headline a learner reads first."""

    IMPORT_ERROR = "import_error"
    NO_APP = "no_app"
    FACTORY_ERROR = "factory_error"
    APP_EXITED = "app_exited"
    IMPORT_TIMEOUT = "import_timeout"
    SERVER_EXITED = "server_exited"
    SERVER_NOT_ANSWERING = "server_not_answering"
    PROCESS_EXITED = "process_exited"
    PROCESS_NOT_READY = "process_not_ready"
    SERVICE_FAILED = "service_failed"
    SETUP_FAILED = "setup_failed"
    SERVER_UNREACHABLE = "server_unreachable"
    BAD_URL = "bad_url"
    NOT_STARTED = "not_started"
    UNKNOWN_LESSON = "unknown_lesson"
    CHECKER_ERROR = "checker_error"
    CHECK_TIMEOUT = "check_timeout"
    PROXY_CONFIG = "proxy_config"

    @property
    def headline(self) -> str:
        return _HEADLINES[self]


_HEADLINES = {
    ErrorKind.CHECK_TIMEOUT: "The check ran out of time.",
    ErrorKind.PROXY_CONFIG: "Your nginx configuration does not pass `nginx -t`.",
    ErrorKind.IMPORT_ERROR: "Your app does not import.",
    ErrorKind.NO_APP: "No app object found.",
    ErrorKind.FACTORY_ERROR: "Your app factory did not return an app.",
    ErrorKind.APP_EXITED: "Your app exited while it was being imported.",
    ErrorKind.IMPORT_TIMEOUT: "Importing your app never finished.",
    ErrorKind.SERVER_EXITED: "Your server stopped before it answered.",
    ErrorKind.SERVER_NOT_ANSWERING: "Your server did not answer on its port.",
    ErrorKind.PROCESS_EXITED: "One of your app's processes stopped.",
    ErrorKind.PROCESS_NOT_READY: "One of your app's processes never got ready.",
    ErrorKind.SERVICE_FAILED: "A service the lesson needs could not be started.",
    ErrorKind.SETUP_FAILED: "A set-up command failed, so no checkpoint could run.",
    ErrorKind.SERVER_UNREACHABLE: "Nothing answers at that address.",
    ErrorKind.BAD_URL: "That is not a URL the checker can use.",
    ErrorKind.NOT_STARTED: "There is nothing to check yet.",
    ErrorKind.UNKNOWN_LESSON: "There is no such lesson.",
    ErrorKind.CHECKER_ERROR: "The checker itself failed (not your code).",
}


class TargetKind(StrEnum):
    """How the checked app was reached: imported by the checker, served by it, or at a URL."""

    INPROCESS = "inprocess"
    SERVE = "serve"
    URL = "url"


#: All a learner reads about a hidden checkpoint that did not pass (check50 does the same).
HIDDEN_MESSAGE = "This is a hidden check: it did not pass, and its details are for your teacher."

#: The report formats `mission check --format` writes (mission_control.check.formats).
FORMATS = ("text", "json", "junit", "gradescope", "tap", "classroom")

#: The reason every checkpoint gives when the app could not be started at all.
NOT_STARTED = "not run: your app did not start (see above)"


@dataclass
class Result:
    """One checkpoint's outcome, in parts.

    ``detail`` is the main sentence: for a failure what was expected and what came instead
    ("expected X, not Y"), for a skip why it did not run, for an error what broke in the
    checker. ``came_back`` summarises the response the failure is about, ``app_log`` holds
    what the app logged during a 5xx (library frames folded), ``needs`` names the capability
    a skipped checkpoint needed and the target lacked.
    """

    id: str
    title: str
    status: Status
    detail: str = ""
    hint: str = ""
    curl: str = ""
    came_back: str = ""
    app_log: str = ""
    needs: str | None = None
    duration_ms: int = 0
    hidden: bool = False  # a hidden checkpoint: the learner reads only HIDDEN_MESSAGE

    @property
    def message(self) -> str:
        """Every part in one text, as the first JSON format had it."""
        text = self.detail
        if self.came_back:
            text += f"\n\nCame back: {self.came_back}"
        if self.app_log:
            text += f"\n\nYour app logged:\n{self.app_log}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": str(self.status),
            "message": self.message,
            "hint": self.hint,
            "curl": self.curl,
            "duration_ms": self.duration_ms,
            "detail": self.detail,
            "came_back": self.came_back,
            "app_log": self.app_log,
            "needs": self.needs,
            "hidden": self.hidden,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """A result from either JSON format (the first had only ``message``)."""
        detail = data.get("detail")
        came_back, app_log = data.get("came_back", ""), data.get("app_log", "")
        if detail is None:
            detail, _, rest = data.get("message", "").partition("\n\nCame back: ")
            came_back, _, app_log = rest.partition("\n\nYour app logged:\n")
        return cls(
            id=data["id"],
            title=data["title"],
            status=Status(data["status"]),
            detail=detail,
            hint=data.get("hint", ""),
            curl=data.get("curl", ""),
            came_back=came_back,
            app_log=app_log,
            needs=data.get("needs"),
            duration_ms=data.get("duration_ms", 0),
            hidden=bool(data.get("hidden", False)),
        )


@dataclass
class CheckError:
    """Why the whole check could not run."""

    kind: ErrorKind
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "message": self.message}


class TargetError(Exception):
    """The app could not be started or reached, so no checkpoint that needs it can run."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @property
    def error(self) -> CheckError:
        return CheckError(self.kind, self.message)


@dataclass
class SetupStep:
    """One of the lesson's set-up commands (``check.setup``), run before the checkpoints;
    ``output`` is what it printed, kept when it failed."""

    command: str
    ok: bool
    exit_code: int | None = None
    output: str = ""
    duration_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "output": self.output,
            "duration_ms": self.duration_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SetupStep:
        return cls(
            command=data["command"],
            ok=data["ok"],
            exit_code=data.get("exit_code"),
            output=data.get("output", ""),
            duration_ms=data.get("duration_ms", 0),
        )


@dataclass
class Report:
    """One run of a lesson's checkpoints against one target."""

    checker: str
    lesson: str
    spec_hash: str | None
    target: TargetKind | None
    error: CheckError | None = None
    results: list[Result] = field(default_factory=list)
    #: sentences the learner reads first (e.g. "this check runs on the SQLite fallback")
    notices: list[str] = field(default_factory=list)
    #: the lesson's set-up commands, in the order they ran
    setup: list[SetupStep] = field(default_factory=list)
    #: not part of the JSON: what was checked, for the terminal heading
    subject: str = ""
    title: str = ""
    #: the app checked, for a lesson with several (``[[apps]]``); None for one app
    app: str | None = None
    #: a report that joins several apps' runs (:func:`merge_reports`) keeps each of them
    apps: list[Report] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(map(str, Status), 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Every checkpoint passed (and there was at least one). At a URL, a checkpoint the
        address cannot answer for (a command, a log, a restart: ``needs`` set) does not
        count against it: every checkpoint that can run at a URL passed."""
        counted = [result for result in self.results if not self.not_checkable(result)]
        return (
            bool(counted)
            and self.error is None
            and all(result.status == PASSED for result in counted)
        )

    def not_checkable(self, result: Result) -> bool:
        """Whether ``result`` was skipped only because a URL target cannot run it."""
        return self.target is TargetKind.URL and result.status == SKIPPED and bool(result.needs)

    @property
    def not_checkable_count(self) -> int:
        return sum(self.not_checkable(result) for result in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "lesson": self.lesson,
            "spec_hash": self.spec_hash,
            "target": str(self.target) if self.target else None,
            "error": self.error.to_dict() if self.error else None,
            "results": [result.to_dict() for result in self.results],
            "summary": self.summary,
            "notices": list(self.notices),
            "setup": [step.to_dict() for step in self.setup],
            # only for a lesson with several apps: the app, or null and each app's report
            **({"app": self.app} if self.app or self.apps else {}),
            **({"apps": [report.to_dict() for report in self.apps]} if self.apps else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        error = data.get("error")
        return cls(
            checker=data["checker"],
            lesson=data["lesson"],
            spec_hash=data.get("spec_hash"),
            target=TargetKind(data["target"]) if data.get("target") else None,
            error=CheckError(ErrorKind(error["kind"]), error["message"]) if error else None,
            results=[Result.from_dict(result) for result in data.get("results", [])],
            notices=list(data.get("notices", [])),
            setup=[SetupStep.from_dict(step) for step in data.get("setup", [])],
            app=data.get("app"),
            apps=[Report.from_dict(report) for report in data.get("apps", [])],
        )


#: Which status wins when several apps ran the same checkpoint (the worst one).
_WORST = {ERROR: 3, FAILED: 2, SKIPPED: 1, PASSED: 0}


def merge_reports(reports: list[Report]) -> Report:
    """One report for a lesson checked as several apps (``[[apps]]``), as the progress
    store and the hub keep it: a checkpoint counts as passed only when it passed for every
    app that ran it, and otherwise takes the worst app's result, its detail prefixed with
    that app's name. The first app error is the report's error; ``apps`` keeps every run."""
    first = reports[0]
    merged: dict[str, Result] = {}
    for report in reports:
        for result in report.results:
            here = merged.get(result.id)
            if here is None or _WORST[result.status] > _WORST[here.status]:
                shown = replace(result)
                if result.status != PASSED and result.detail and report.app:
                    shown.detail = f"[{report.app}] {result.detail}"
                merged[result.id] = shown
    error = next(
        (
            CheckError(report.error.kind, f"[{report.app}] {report.error.message}")
            for report in reports
            if report.error
        ),
        None,
    )
    return Report(
        checker=first.checker,
        lesson=first.lesson,
        spec_hash=first.spec_hash,
        target=first.target,
        error=error,
        results=list(merged.values()),
        notices=list(dict.fromkeys(n for report in reports for n in report.notices)),
        setup=[
            replace(step, command=f"[{report.app}] {step.command}")
            for report in reports
            for step in report.setup
        ],
        title=first.title,
        apps=list(reports),
    )


def closing_line(summary: dict[str, int]) -> str:
    """``N passed, M failed``, then ``, K skipped`` and ``, E checker errors`` when any."""
    line = f"{summary[PASSED]} passed, {summary[FAILED]} failed"
    if summary[SKIPPED]:
        line += f", {summary[SKIPPED]} skipped"
    if summary.get(ERROR):
        line += f", {summary[ERROR]} checker error" + ("s" if summary[ERROR] > 1 else "")
    return line
