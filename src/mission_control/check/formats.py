"""A report in the formats the tools teachers already use read: JUnit XML, Gradescope's
``results.json``, TAP 14 and GitHub Classroom's autograding result.

Every format is written from one reading of a report, :func:`graded`: a checkpoint that was
skipped because the learner's app never started counts as failed (the learner's app is the
reason, and a CI dashboard must not show it as "skipped"); a checker error stays an error
(never the learner's fault, so a teacher sees it and re-runs); points come from the lesson's
``[check] points`` (one each by default) and only a passed checkpoint earns them.
``mission check --format`` and ``mission grade`` both use this module, so a grade, a JUnit
file and a Gradescope score never disagree.
"""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mission_control.check.report import (
    ERROR,
    FAILED,
    FORMATS,  # noqa: F401 (the formats, re-exported beside render)
    PASSED,
    SKIPPED,
    ErrorKind,
    Status,
)

if TYPE_CHECKING:
    from mission_control.catalog import Lesson
    from mission_control.check.report import Report, Result

#: The formats ``mission check --format`` prints (``text`` is the terminal's).

#: Error kinds that are the checker's, not the learner's: checkpoints stay "error".
CHECKER_KINDS = frozenset({ErrorKind.CHECKER_ERROR, ErrorKind.SERVICE_FAILED})

# Characters XML 1.0 cannot carry at all (a submission may print anything).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Graded:
    """One checkpoint as a grade sees it."""

    id: str
    title: str
    outcome: Status
    points: int
    max_points: int
    feedback: str  # what the learner reads: the detail, what came back, the hint
    seconds: float
    hidden: bool = False


def graded(report: Report, lesson: Lesson | None) -> list[Graded]:
    """Each checkpoint of ``report`` with its outcome for grading and its points."""
    rows: list[Graded] = []
    for result in report.results:
        weight = lesson.points_for(result.id) if lesson is not None else 1
        outcome = result.status
        feedback = _feedback(result)
        if outcome == SKIPPED and report.error is not None:
            outcome = ERROR if report.error.kind in CHECKER_KINDS else FAILED
            feedback = f"{report.error.kind.headline} {report.error.message}".strip()
        rows.append(
            Graded(
                id=result.id,
                title=result.title,
                outcome=outcome,
                points=weight if outcome == PASSED else 0,
                max_points=weight,
                feedback=feedback,
                seconds=result.duration_ms / 1000,
                hidden=result.hidden,
            )
        )
    return rows


def _feedback(result: Result) -> str:
    parts = [result.message]
    if result.hint:
        parts.append(f"Hint: {result.hint}")
    if result.curl:
        parts.append(f"Try it: {result.curl}")
    return "\n\n".join(part for part in parts if part)


def score(rows: Sequence[Graded]) -> tuple[int, int]:
    """(points earned, points possible)."""
    return sum(row.points for row in rows), sum(row.max_points for row in rows)


def counts(rows: Sequence[Graded]) -> dict[str, int]:
    """How many checkpoints had each outcome (every status present, zero if none)."""
    tally = dict.fromkeys(map(str, Status), 0)
    for row in rows:
        tally[row.outcome] += 1
    return tally


def render(report: Report, lesson: Lesson | None, fmt: str, name: str = "") -> str:
    """``report`` as text in ``fmt`` (one of :data:`FORMATS` but ``text``)."""
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "junit":
        return junit_xml([(name or "submission", report)], lesson)
    if fmt == "gradescope":
        return json.dumps(gradescope(report, lesson), ensure_ascii=False, indent=2) + "\n"
    if fmt == "tap":
        return tap(report, lesson)
    if fmt == "classroom":
        return json.dumps(classroom(report, lesson), ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


# -- JUnit XML -------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(suites: Sequence[tuple[str, Report]], lesson: Lesson | None) -> str:
    """JUnit XML as Jenkins, GitLab and most CI dashboards read it: a ``<testsuite>`` per
    submission, a ``<testcase>`` per checkpoint, the feedback as the failure's text."""
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    host = socket.gethostname() or "localhost"
    root = ET.Element("testsuites", name=lesson.id if lesson else "mission check")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    total_time = 0.0
    for number, (name, report) in enumerate(suites):
        rows = graded(report, lesson)
        tally = counts(rows)
        seconds = sum(row.seconds for row in rows)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_xml_text(name),
            tests=str(len(rows)),
            failures=str(tally[FAILED]),
            errors=str(tally[ERROR]),
            skipped=str(tally[SKIPPED]),
            time=f"{seconds:.3f}",
            timestamp=stamp,
            hostname=host,
            id=str(number),
            package=report.lesson,
        )
        earned, possible = score(rows)
        properties = ET.SubElement(suite, "properties")
        for key, value in (
            ("lesson", report.lesson),
            ("checker", report.checker),
            ("spec_hash", report.spec_hash or ""),
            ("points", str(earned)),
            ("max_points", str(possible)),
            ("error", str(report.error.kind) if report.error else ""),
        ):
            ET.SubElement(properties, "property", name=key, value=_xml_text(value))
        for row in rows:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_xml_text(row.title or row.id),
                classname=_xml_text(f"{report.lesson}.{name}.{row.id}"),
                time=f"{row.seconds:.3f}",
            )
            first = row.feedback.split("\n", 1)[0][:300]
            if row.outcome == FAILED:
                tag = ET.SubElement(case, "failure", message=_xml_text(first), type="failed")
                tag.text = _xml_text(row.feedback)
            elif row.outcome == ERROR:
                tag = ET.SubElement(case, "error", message=_xml_text(first), type="checker_error")
                tag.text = _xml_text(row.feedback)
            elif row.outcome == SKIPPED:
                ET.SubElement(case, "skipped", message=_xml_text(first))
        out = ET.SubElement(suite, "system-out")
        out.text = f"{earned}/{possible} points"
        err = ET.SubElement(suite, "system-err")
        err.text = _xml_text(report.error.message) if report.error else ""
        totals["tests"] += len(rows)
        totals["failures"] += tally[FAILED]
        totals["errors"] += tally[ERROR]
        totals["skipped"] += tally[SKIPPED]
        total_time += seconds
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# -- Gradescope ------------------------------------------------------------------------------


def gradescope(report: Report, lesson: Lesson | None) -> dict[str, Any]:
    """Gradescope's autograder ``results.json``: the score, then one test per checkpoint.
    A hidden checkpoint is shown to students after the grades are published."""
    rows = graded(report, lesson)
    earned, _ = score(rows)
    output = f"{report.error.kind.headline}\n\n{report.error.message}" if report.error else ""
    return {
        "score": float(earned),
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": row.title or row.id,
                "number": str(number),
                "score": float(row.points),
                "max_score": float(row.max_points),
                "status": "passed" if row.outcome == PASSED else "failed",
                "output": row.feedback,
                "output_format": "text",
                "tags": [row.id],
                "visibility": "after_published" if row.hidden else "visible",
            }
            for number, row in enumerate(rows, start=1)
        ],
    }


# -- TAP 14 ----------------------------------------------------------------------------------


def _tap_description(text: str) -> str:
    """A test point's description: one line, ``#`` and ``\\`` escaped as TAP 14 says."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("#", "\\#")


def tap(report: Report, lesson: Lesson | None) -> str:
    """TAP version 14: a plan, a test point per checkpoint, a YAML block under a failure."""
    rows = graded(report, lesson)
    lines = ["TAP version 14", f"1..{len(rows)}"]
    if report.error is not None:
        lines.append(f"# {_tap_description(report.error.kind.headline)}")
    for number, row in enumerate(rows, start=1):
        description = _tap_description(f"{row.id}: {row.title}")
        if row.outcome == PASSED:
            lines.append(f"ok {number} - {description}")
        elif row.outcome == SKIPPED:
            reason = _tap_description(row.feedback.split("\n", 1)[0])
            lines.append(f"ok {number} - {description} # SKIP {reason}")
        else:
            lines.append(f"not ok {number} - {description}")
            lines += [
                "  ---",
                f"  severity: {'error' if row.outcome == ERROR else 'fail'}",
                f"  points: {row.points}",
                f"  max_points: {row.max_points}",
                f"  message: {json.dumps(row.feedback, ensure_ascii=False)}",
                "  ...",
            ]
    return "\n".join(lines) + "\n"


# -- GitHub Classroom ------------------------------------------------------------------------


def classroom(report: Report, lesson: Lesson | None) -> dict[str, Any]:
    """The result a GitHub Classroom grader step hands on, base64-encoded, to
    ``classroom-resources/autograding-grading-reporter`` (``<ID>_RESULTS``): a status, the
    maximum score, and a test per checkpoint with its score."""
    rows = graded(report, lesson)
    _, possible = score(rows)
    word = {PASSED: "pass", FAILED: "fail", SKIPPED: "pass", ERROR: "error"}
    outcomes = {row.outcome for row in rows}
    status = "error" if ERROR in outcomes else "fail" if FAILED in outcomes or not rows else "pass"
    return {
        "version": 1,
        "status": status,
        "max_score": possible,
        "tests": [
            {
                "name": row.title or row.id,
                "status": word[row.outcome],
                "score": row.points,
                "message": row.feedback or None,
                "test_code": f"mission check {report.lesson}  # checkpoint {row.id}",
                "filename": "",
                "line_no": 0,
                "execution_time": f"{row.seconds:.2f}s",
            }
            for row in rows
        ],
    }
