"""The outcome of one check run, as JSON for teachers and as text for learners."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
NOT_STARTED = "not run: your app did not start (see above)"
MARKS = {PASSED: "✔", FAILED: "✘", SKIPPED: "–"}
ASCII_MARKS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}
COLOURS = {PASSED: "32", FAILED: "31", SKIPPED: "2"}


@dataclass
class Result:
    """One checkpoint's outcome. ``message`` says what was expected and what came back."""

    id: str
    title: str
    status: str
    message: str = ""
    hint: str = ""
    curl: str = ""
    duration_ms: int = 0


@dataclass
class Report:
    """One run of a lesson's checkpoints against one target."""

    checker: str
    lesson: str
    spec_hash: str
    target: str  # "inprocess" | "serve" | "url"
    error: dict[str, str] | None = None  # {"kind", "message"} when the app could not run
    results: list[Result] = field(default_factory=list)
    #: not part of the JSON: what was checked, for the terminal heading
    subject: str = ""
    title: str = ""

    @property
    def summary(self) -> dict[str, int]:
        counts = {PASSED: 0, FAILED: 0, SKIPPED: 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Every checkpoint passed (and there was at least one)."""
        return (
            bool(self.results)
            and self.error is None
            and all(result.status == PASSED for result in self.results)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "lesson": self.lesson,
            "spec_hash": self.spec_hash,
            "target": self.target,
            "error": self.error,
            "results": [asdict(result) for result in self.results],
            "summary": self.summary,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            checker=data["checker"],
            lesson=data["lesson"],
            spec_hash=data["spec_hash"],
            target=data["target"],
            error=data.get("error"),
            results=[Result(**result) for result in data.get("results", [])],
        )


def closing_line(summary: dict[str, int]) -> str:
    """``N passed, M failed`` and ``, K skipped`` when any were skipped."""
    line = f"{summary[PASSED]} passed, {summary[FAILED]} failed"
    if summary[SKIPPED]:
        line += f", {summary[SKIPPED]} skipped"
    return line


class TextRenderer:
    """The learner's view: one line per checkpoint, details under each failure."""

    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        if colour is None:
            colour = (
                hasattr(self.stream, "isatty")
                and self.stream.isatty()
                and "NO_COLOR" not in os.environ
            )
        self.colour = colour
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        try:
            "✔✘–…".encode(encoding)
            self.marks = MARKS
        except (UnicodeEncodeError, LookupError):
            self.marks = ASCII_MARKS

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def render(self, report: Report) -> None:
        out = self.stream
        heading = f"Checking {report.lesson}"
        if report.title:
            heading += f" · {report.title}"
        print(self.paint(heading, "1"), file=out)
        if report.subject:
            print(self.paint(f"  {report.subject}", "2"), file=out)
        print(file=out)
        if report.error:
            print(self.paint(_headline(report.error["kind"]), "1;31"), file=out)
            print(_indent(report.error["message"], "  "), file=out)
            print(file=out)
        for result in report.results:
            mark = self.paint(self.marks[result.status], COLOURS[result.status])
            line = f"{mark} {result.title}"
            if result.status == SKIPPED and result.message and not report.error:
                line += self.paint(f" ({result.message})", "2")
            print(line, file=out)
            if result.status == FAILED:
                self._details(result)
        print(file=out)
        print(closing_line(report.summary), file=out)

    def _details(self, result: Result) -> None:
        out = self.stream
        expected, _, came_back = result.message.partition("\n\nCame back: ")
        came_back, _, logged = came_back.partition("\n\nYour app logged:\n")
        print(_indent(expected, "    "), file=out)
        if result.curl:
            print(_labelled("request", result.curl), file=out)
        if came_back:
            print(_labelled("came back", came_back), file=out)
        if logged:
            print(_labelled("app log", logged), file=out)
        if result.hint:
            print(self.paint(_labelled("hint", result.hint), "36"), file=out)


def _headline(kind: str) -> str:
    return {
        "import_error": "Your app does not import.",
        "no_app": "No app object found.",
        "app_exited": "Your app exited while it was being imported.",
        "import_timeout": "Importing your app never finished.",
        "server_exited": "Your server stopped before it answered.",
        "server_not_answering": "Your server did not answer on its port.",
        "server_unreachable": "Nothing answers at that address.",
        "bad_url": "That is not a URL the checker can use.",
        "not_started": "There is nothing to check yet.",
        "unknown_lesson": "There is no such lesson.",
        "checker_error": "The checker itself failed (not your code).",
    }.get(kind, "The check could not run.")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _labelled(label: str, text: str) -> str:
    pad = " " * 15
    lines = text.splitlines() or [""]
    first = f"    {label + ':':<11}{lines[0]}"
    return "\n".join([first, *(pad + line for line in lines[1:])])
