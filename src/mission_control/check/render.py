"""The learner's view of a report in the terminal: one line per checkpoint, the parts of a
failure labelled under it, and the closing ``N passed, M failed`` line."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from mission_control.check.report import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    Report,
    Result,
    Status,
    closing_line,
)

MARKS = {PASSED: "✔", FAILED: "✘", SKIPPED: "–", ERROR: "!"}
ASCII_MARKS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP", ERROR: "ERR!"}
COLOURS = {PASSED: "32", FAILED: "31", SKIPPED: "2", ERROR: "33"}


class TextRenderer:
    """Writes a :class:`Report` for a person: colour on a terminal, ASCII where the stream
    cannot encode the marks."""

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
            self.marks: dict[Status, str] = MARKS
        except (UnicodeEncodeError, LookupError):
            self.marks = ASCII_MARKS

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def render(self, report: Report) -> None:
        out = self.stream
        for notice in report.notices:  # first: it changes how to read everything below
            print(self.paint(f"Note: {notice}", "33"), file=out)
        heading = f"Checking {report.lesson}"
        if report.title:
            heading += f" · {report.title}"
        if report.app:
            heading += f" · app {report.app}"
        print(self.paint(heading, "1"), file=out)
        if report.subject:
            print(self.paint(f"  {report.subject}", "2"), file=out)
        print(file=out)
        for step in report.setup:
            mark = self.marks[PASSED if step.ok else FAILED]
            colour = COLOURS[PASSED if step.ok else FAILED]
            print(f"{self.paint(mark, colour)} set-up: {step.command}", file=out)
            if not step.ok and step.output and not report.error:
                print(indent(step.output, "    "), file=out)
        if report.setup:
            print(file=out)
        if report.error:
            print(self.paint(report.error.kind.headline, "1;31"), file=out)
            print(indent(report.error.message, "  "), file=out)
            print(file=out)
        for result in report.results:
            mark = self.paint(self.marks[result.status], COLOURS[result.status])
            line = f"{mark} {result.title}"
            if report.not_checkable(result):
                line += self.paint(f" (not checkable at a URL: {result.detail})", "2")
            elif result.status == SKIPPED and result.detail and not report.error:
                line += self.paint(f" ({result.detail})", "2")
            print(line, file=out)
            if result.status in (FAILED, ERROR):
                self.details(result)
        print(file=out)
        closing = closing_line(report.summary)
        if report.not_checkable_count:
            closing += f" ({report.not_checkable_count} not checkable at a URL)"
        print(closing, file=out)

    def app_rows(self, reports: list[Report]) -> None:
        """A lesson with several apps: one row per app after their reports, so the three
        frameworks read side by side (``✔ flask    11 passed, 0 failed``)."""
        out = self.stream
        print(file=out)
        print(self.paint("Every app, the same checkpoints", "1"), file=out)
        width = max(len(report.app or "") for report in reports)
        for report in reports:
            status = PASSED if report.ok else FAILED
            mark = self.paint(self.marks[status], COLOURS[status])
            line = f"{mark} {report.app or '':<{width}}  {closing_line(report.summary)}"
            if report.error:
                line += f" · {report.error.kind.headline}"
            print(line, file=out)

    def details(self, result: Result) -> None:
        out = self.stream
        if result.status == ERROR:
            print(
                indent("The checker broke on this checkpoint; it is not your mistake.", "    "),
                file=out,
            )
        print(indent(result.detail, "    "), file=out)
        if result.curl:
            print(labelled("request", result.curl), file=out)
        if result.came_back:
            print(labelled("came back", result.came_back), file=out)
        if result.app_log:
            print(labelled("app log", result.app_log), file=out)
        if result.hint:
            print(self.paint(labelled("hint", result.hint), "36"), file=out)


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def labelled(label: str, text: str) -> str:
    pad = " " * 15
    lines = text.splitlines() or [""]
    first = f"    {label + ':':<11}{lines[0]}"
    return "\n".join([first, *(pad + line for line in lines[1:])])
