"""The lesson invariants, for one lesson: what a lesson author runs with ``mission dev check``
and what the project's own tests run for every lesson.

Each ``check_*`` function proves one invariant and returns :class:`Finding` objects (what was
checked, whether it holds, and why not), so the test suite and the command share one
definition of "a lesson that works":

- the solution passes every checkpoint, in file order and in reverse;
- the starter passes none, and each checkpoint alone fails against it;
- every wrong-app variant (``variants/variants.toml``) is caught as it says;
- the README's "Testing step by step" returns the statuses it shows, against the solution.

The checker is run as a learner runs it, ``python -m mission_control check ... --json`` in a
subprocess, so these invariants depend only on its command line and JSON report.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mission_control.catalog import Lesson

#: The invariants of a lesson with code, by the name ``mission dev check --only`` takes.
INVARIANTS = ("solution", "starter", "variants", "walkthrough")
#: A primer (``kind = "primer"``) has no code: its one invariant is that its questions read.
INVARIANTS_BY_KIND = {"code": INVARIANTS, "primer": ("primer",)}

#: How long one ``mission check`` may take (seconds); MISSION_DEV_TIMEOUT overrides.
CHECK_TIMEOUT = float(os.environ.get("MISSION_DEV_TIMEOUT", "180"))

COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "instance")


@dataclass(frozen=True)
class Finding:
    """One invariant checked for one lesson: what, whether it holds, and if not, why."""

    invariant: str  # one of INVARIANTS
    check: str  # what was checked, in words ("the solution passes every checkpoint")
    ok: bool
    explanation: str = ""  # why it does not hold (empty when it does)
    checkpoints: tuple[str, ...] = ()  # the checkpoint ids the run reported, if one ran


# -- running the checker ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRun:
    """A finished ``mission check ... --json``: its exit code and parsed report."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None  # None when it did not print one JSON object

    @property
    def output(self) -> str:
        return f"--- stdout ---\n{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}"

    @property
    def results(self) -> list[dict[str, Any]]:
        return list((self.report or {}).get("results") or [])

    def statuses(self) -> dict[str, str]:
        return {result["id"]: result["status"] for result in self.results}

    def result(self, checkpoint_id: str) -> dict[str, Any] | None:
        return next((r for r in self.results if r["id"] == checkpoint_id), None)

    def broken(self) -> str | None:
        """Why this run says nothing about the checkpoints (no report, a checker error)."""
        if self.report is None:
            return f"`mission {' '.join(self.args)}` did not print a JSON report:\n{self.output}"
        if self.report.get("error"):
            return f"`mission {' '.join(self.args)}` reported an error: {self.report['error']}"
        return None

    def not_passed(self) -> str:
        """Each checkpoint that did not pass, with its message, one per line."""
        return "\n".join(
            f"{r['status']}: {r['id']}: {r.get('message', '')}".rstrip()
            for r in self.results
            if r["status"] != "passed"
        )


def run_check(*args: str, env: Mapping[str, str] | None = None) -> CheckRun:
    """Run ``mission check <args> --json`` in a subprocess, as a teacher or CI would."""
    argv = ("check", *args, "--json")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mission_control", *argv],
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired as timeout:
        out = timeout.stdout.decode(errors="replace") if timeout.stdout else ""
        return CheckRun(argv, -1, out, f"timed out after {CHECK_TIMEOUT:g} s", None)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        report = None
    return CheckRun(argv, done.returncode, done.stdout, done.stderr, report)


# -- the solution and the starter -----------------------------------------------------------


def check_solution(lesson: Lesson, *, reverse: bool | None = None) -> list[Finding]:
    """The solution passes every checkpoint, in file order and in reverse (so no checkpoint
    relies on another having run before it); ``reverse`` picks one of the two."""
    orders = [("in file order", False), ("in reverse order", True)]
    findings = []
    for order, backwards in orders:
        if reverse is not None and backwards != reverse:
            continue
        run = run_check(lesson.id, "--solution", *(["--reverse"] if backwards else []))
        check = f"the solution passes every checkpoint, {order}"
        why = run.broken()
        if why is None and not run.results:
            why = "the run reported no checkpoints"
        if why is None and (run.returncode != 0 or run.not_passed()):
            why = f"exit code {run.returncode}; not passed:\n{run.not_passed() or run.output}"
        findings.append(_finding("solution", check, why, run))
    return findings


def check_starter(lesson: Lesson) -> list[Finding]:
    """Against the starter a normal run passes nothing, and every checkpoint alone (its
    prerequisites ignored) fails with a message: a checkpoint that cannot fail is a defect.
    For a lesson with several apps, this holds for each app the learner writes (not for
    one the starter gives finished, ``given``)."""
    if lesson.apps:
        return [
            replace(finding, check=f"{app.name}: {finding.check}")
            for app in lesson.apps
            if not app.given
            for finding in _check_starter(lesson, ("--app", app.name))
        ]
    return _check_starter(lesson, ())


def _check_starter(lesson: Lesson, app: tuple[str, ...]) -> list[Finding]:
    starter = str(lesson.starter)
    run = run_check(lesson.id, "--path", starter, *app)
    why = run.broken() if run.report is None else None
    if why is None:
        passed = sorted(cid for cid, status in run.statuses().items() if status == "passed")
        if passed:
            why = f"these checkpoints pass against the starter: {', '.join(passed)}"
        elif run.returncode != 1:
            why = f"`mission check` exited {run.returncode}, not 1:\n{run.output}"
    findings = [_finding("starter", "a normal run against the starter passes no checkpoint", why)]

    alone = run_check(lesson.id, "--path", starter, "--ignore-prerequisites", *app)
    why = alone.broken()
    if why is None:
        not_failing = {cid: s for cid, s in alone.statuses().items() if s != "failed"}
        silent = [r["id"] for r in alone.results if not str(r.get("message", "")).strip()]
        if not alone.results:
            why = "the run reported no checkpoints"
        elif not_failing:
            why = "these checkpoints do not fail against the starter (a checkpoint that " + (
                f"cannot fail is a defect): {not_failing}"
            )
        elif silent:
            why = f"these checkpoints fail without saying why: {', '.join(silent)}"
    check = "each checkpoint alone (prerequisites ignored) fails against the starter, saying why"
    findings.append(_finding("starter", check, why, alone))
    return findings


def _finding(invariant: str, check: str, why: str | None, run: CheckRun | None = None) -> Finding:
    ids = tuple(run.statuses()) if run is not None else ()
    return Finding(invariant, check, why is None, why or "", ids)


# -- folders: solution/starter with provided/ laid over ------------------------------------


def app_folder(lesson: Lesson, source: Path, destination: Path) -> Path:
    """Copy ``source`` (a lesson's solution or starter) to ``destination`` with the lesson's
    provided/ files laid over it: the folder a learner has after ``mission start``."""
    shutil.copytree(source, destination, ignore=COPY_IGNORE)
    if lesson.provided.is_dir():
        shutil.copytree(lesson.provided, destination, ignore=COPY_IGNORE, dirs_exist_ok=True)
    return destination


# -- variants -------------------------------------------------------------------------------


class VariantsError(Exception):
    """A variants.toml that cannot be used, named by file and what is wrong."""


@dataclass(frozen=True)
class Variant:
    """A wrong app: the solution with one mistake (``diff``), and what must catch it.

    ``caught_by`` must fail (each with a message and a hint); ``still_passes`` must pass; with
    ``only`` nothing but ``caught_by`` may fail.
    """

    lesson: str
    name: str
    description: str
    diff: Path
    caught_by: tuple[str, ...]
    still_passes: tuple[str, ...] = ()
    only: bool = False
    app: str | None = None  # a lesson with several apps: the app the mistake is in

    @property
    def id(self) -> str:
        """``a10-alg-none``: the lesson and the variant, as test ids show it."""
        return f"{self.lesson}-{self.name}"


_TOP_KEYS = {"still_passes", "only", "variant"}
_VARIANT_KEYS = {"name", "description", "caught_by", "still_passes", "only", "app"}


def read_variants(lesson: Lesson) -> list[Variant]:
    """The lesson's variants as ``variants/variants.toml`` describes them ([] if it has no
    variants/ folder). Every .diff there must be described, and every variant have its diff,
    so a wrong app can neither be forgotten nor tested without its file."""
    folder = lesson.variants
    if not folder.is_dir():
        return []
    path = folder / "variants.toml"
    if not path.is_file():
        raise VariantsError(f"{folder}: has no variants.toml describing its diffs")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise VariantsError(f"{path}: is not valid TOML ({error})") from error
    _no_unknown(path, data, _TOP_KEYS, "")
    default_passes = _ids(path, data, "still_passes", "")
    default_only = _flag(path, data, "only", "", False)
    variants: list[Variant] = []
    for i, raw in enumerate(data.get("variant", [])):
        where = f"variant[{i}]."
        if not isinstance(raw, dict):
            raise VariantsError(f"{path}: variant[{i}] must be a table")
        _no_unknown(path, raw, _VARIANT_KEYS, where)
        name, description = (_text(path, raw, key, where) for key in ("name", "description"))
        caught_by = _ids(path, raw, "caught_by", where)
        if not caught_by:
            raise VariantsError(f"{path}: {where}caught_by must name at least one checkpoint")
        passes = _ids(path, raw, "still_passes", where) if "still_passes" in raw else default_passes
        if overlap := set(caught_by) & set(passes):
            raise VariantsError(f"{path}: {name} must both fail and pass {sorted(overlap)}")
        diff = folder / f"{name}.diff"
        if not diff.is_file():
            raise VariantsError(f"{path}: {where}name: there is no {diff.name} beside it")
        only = _flag(path, raw, "only", where, default_only)
        app = raw.get("app")
        if lesson.apps and app not in lesson.app_names:
            raise VariantsError(
                f"{path}: {where}app must name the app the mistake is in: "
                f"{', '.join(lesson.app_names)}"
            )
        if not lesson.apps and app is not None:
            raise VariantsError(f"{path}: {where}app: {lesson.id} has one app")
        variants.append(Variant(lesson.id, name, description, diff, caught_by, passes, only, app))
    described = {variant.diff.name for variant in variants}
    if orphans := sorted(p.name for p in folder.glob("*.diff") if p.name not in described):
        raise VariantsError(f"{path}: describes no variant for {', '.join(orphans)}")
    if len(described) != len(variants):
        raise VariantsError(f"{path}: two variants share a name")
    return variants


def _no_unknown(path: Path, table: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise VariantsError(f"{path}: {where}{key}: unknown (allowed: {sorted(allowed)})")


def _text(path: Path, table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise VariantsError(f"{path}: {where}{key} must be a non-empty string")
    return value.strip()


def _ids(path: Path, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise VariantsError(f"{path}: {where}{key} must be a list of checkpoint ids")
    return tuple(value)


def _flag(path: Path, table: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise VariantsError(f"{path}: {where}{key} must be true or false")
    return value


def apply_variant(lesson: Lesson, variant: Variant, destination: Path) -> Path:
    """A copy of the solution (with provided/) at ``destination`` with the variant's diff
    applied. ``git apply`` refuses a diff the solution has moved away from, so a variant can
    never silently test stale code."""
    folder = app_folder(lesson, lesson.solution, destination)
    subprocess.run(
        ["git", "apply", "-p1", str(variant.diff)],
        cwd=folder,
        env={**os.environ, "GIT_CEILING_DIRECTORIES": str(folder.parent)},  # not inside a repo
        check=True,
        capture_output=True,
    )
    return folder


def check_variant(lesson: Lesson, variant: Variant) -> Finding:
    """The checkpoints catch this wrong app as variants.toml says."""
    caught_by = ", ".join(variant.caught_by)
    check = f"variant {variant.name} ({variant.description}) is caught by {caught_by}"
    with tempfile.TemporaryDirectory(prefix="mission-variant-") as tmp:
        try:
            folder = apply_variant(lesson, variant, Path(tmp) / variant.name)
        except subprocess.CalledProcessError as error:
            why = f"{variant.diff} does not apply to the solution:\n{error.stderr.decode()}"
            return Finding("variants", check, False, why)
        app = ("--app", variant.app) if variant.app else ()
        run = run_check(lesson.id, "--path", str(folder), *app)
    return _finding("variants", check, _variant_failure(variant, run), run)


def _variant_failure(variant: Variant, run: CheckRun) -> str | None:
    """Why ``run`` does not catch ``variant`` as described (None when it does)."""
    if why := run.broken():
        return why
    statuses = run.statuses()
    if run.returncode != 1:
        return f"`mission check` exited {run.returncode}, not 1: {statuses}"
    for cid in (*variant.caught_by, *variant.still_passes):
        if cid not in statuses:
            return f"variants.toml names {cid}, which is not a checkpoint of {variant.lesson}"
    for cid in variant.caught_by:
        result = run.result(cid) or {}
        if statuses[cid] != "failed":
            return f"{cid} should fail against it, and is {statuses[cid]}: {statuses}"
        if not str(result.get("message", "")).strip() or not str(result.get("hint", "")).strip():
            return f"{cid} fails without a message and a hint for the learner: {result}"
    for cid in variant.still_passes:
        if statuses[cid] != "passed":
            return f"{cid} should still pass against it, and is {statuses[cid]}: {statuses}"
    failed = {cid for cid, status in statuses.items() if status == "failed"}
    if variant.only and failed != set(variant.caught_by):
        return f"only {sorted(variant.caught_by)} may fail, and these fail: {sorted(failed)}"
    return None


def check_variants(lesson: Lesson) -> list[Finding]:
    """Every variant of the lesson is caught as described ([] for a lesson without any)."""
    try:
        variants = read_variants(lesson)
    except VariantsError as error:
        return [
            Finding("variants", "variants/variants.toml describes the variants", False, str(error))
        ]
    return [check_variant(lesson, variant) for variant in variants]


# -- the README walk-through ------------------------------------------------------------------


class WalkthroughError(ValueError):
    """A "Testing step by step" section the walk-through cannot run as written."""


def sections(readme: str) -> dict[str, str]:
    """The README's level-2 sections by title (code fences are not mistaken for headings)."""
    found: dict[str, str] = {}
    title, fenced = None, False
    lines: list[str] = []
    for line in readme.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if title:
                found[title] = "\n".join(lines)
            title, lines = line[3:].strip(), []
        elif title:
            lines.append(line)
    if title:
        found[title] = "\n".join(lines)
    return found


def walkthrough(readme: str) -> list[tuple[str, int]]:
    """Each curl command of "Testing step by step" with the status its ```http block shows.
    Raises :class:`WalkthroughError` where a command shows no answer, or a block has two."""
    section = sections(readme).get("Testing step by step", "")
    steps: list[tuple[str, int]] = []
    pending: list[str] = []
    for language, body in re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M):
        if language in ("bash", "sh", "shell"):
            joined = re.sub(r"\\\n\s*", " ", body)
            curls = [
                line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")
            ]
            if pending:
                raise WalkthroughError(f"no ```http block shows the answer to: {pending[0]}")
            if len(curls) > 1:
                raise WalkthroughError(f"one curl per block, so each shows its answer: {curls}")
            pending = curls
        elif language == "http" and pending:
            status = re.match(r"HTTP/[\d.]+ (\d{3})", body)
            if not status:
                raise WalkthroughError(
                    f"the ```http block after {pending[0]!r} must start with its status line"
                )
            steps.append((pending.pop(), int(status.group(1))))
    if pending:
        raise WalkthroughError(f"no ```http block shows the answer to: {pending[0]}")
    return steps


def has_walkthrough(lesson: Lesson) -> bool:
    """Whether the lesson's README has a "Testing step by step" section to run."""
    return lesson.readme.is_file() and "## Testing step by step" in lesson.readme.read_text()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:g} s")


@contextlib.contextmanager
def running_server(
    command: str | Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout: float = 20.0,
) -> Iterator[str]:
    """Start ``command`` in ``cwd`` with PORT set; yield its base URL; always stop it, even
    when the caller fails. What the server printed is in the error if it does not come up."""
    from mission_control.check.processes import command_argv, free_port, stop_process

    port = port or free_port()
    full_env = {**os.environ, **(env or {}), "PORT": str(port)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command_argv(command, full_env),
            cwd=cwd,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                _wait_for_port(port, process, timeout)
            except RuntimeError as error:
                log.seek(0)
                printed = log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"`{command}` in {cwd}: {error}\n{printed}") from None
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_process(process, grace=3.0)


@contextlib.contextmanager
def serving_solution(lesson: Lesson) -> Iterator[tuple[str, Path]]:
    """The solution as a learner runs it: a temporary copy with provided/ laid over it,
    started with the documented command on a free PORT, with the lesson's fakes running and
    check.env set. Yields (base URL, folder); the server and services are always stopped."""
    from mission_control.check.services import running_services, service_env

    with (
        tempfile.TemporaryDirectory(prefix="mission-solution-") as tmp,
        running_services(lesson) as services,
    ):
        folder = app_folder(lesson, lesson.solution, Path(tmp) / "app")
        env = {**lesson.check_env, **service_env(services)}
        if lesson.apps:  # several apps: the first, as `mission check --app <first>` runs it
            lesson = lesson.for_app(lesson.apps[0].name)
            folder = folder / lesson.app_folder
            for command in lesson.setup:
                _setup(command, folder, env)
        with running_server(lesson.run, folder, env) as base_url:
            yield base_url, folder


def _setup(command: str, folder: Path, env: Mapping[str, str]) -> None:
    """One of the app's set-up commands (``flask --app app init-db``), before it starts."""
    from mission_control.check.processes import command_argv

    full_env = {**os.environ, **env}
    subprocess.run(
        command_argv(command, full_env),
        cwd=folder,
        env=full_env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def check_walkthrough(lesson: Lesson) -> list[Finding]:
    """Every curl command of the README's "Testing step by step" returns the status it shows,
    run in order against one fresh solution (see :func:`serving_solution`): [] for a README
    without the section."""
    if not has_walkthrough(lesson):
        return []
    check = 'the README\'s "Testing step by step" returns the statuses it shows'
    steps: list[tuple[str, int]] = []
    try:
        steps = walkthrough(lesson.readme.read_text(encoding="utf-8"))
        with serving_solution(lesson) as (base_url, folder):
            why = _run_steps(lesson, folder, steps, base_url.rsplit(":", 1)[1])
    except (WalkthroughError, RuntimeError, subprocess.TimeoutExpired) as error:
        why = str(error)
    if why is None and not steps:
        why = "the section has no curl command with its answer"
    return [Finding("walkthrough", f"{check} ({len(steps)} steps)", why is None, why or "")]


def _run_steps(lesson: Lesson, folder: Path, steps: list[tuple[str, int]], port: str) -> str | None:
    """Run the steps in order against the server on ``port``; why the first one went wrong."""
    for command, expected in steps:
        if why := _run_step(lesson, folder, command, expected, port):
            return why
    return None


def _run_step(lesson: Lesson, folder: Path, command: str, expected: int, port: str) -> str | None:
    """One curl command, pointed at the server's real port; why it failed, or None."""
    command = re.sub(rf"(127\.0\.0\.1|localhost):{lesson.port}\b", f"127.0.0.1:{port}", command)
    done = subprocess.run(
        ["bash", "-c", command], cwd=folder, capture_output=True, text=True, timeout=60
    )
    statuses = re.findall(r"^HTTP/[\d.]+ (\d{3})", done.stdout, re.M)
    if not statuses:
        return f"{command}\nprinted no status line:\n{done.stdout}{done.stderr}"
    if int(statuses[-1]) != expected:
        return (
            f"{command}\nanswered {statuses[-1]}, the README shows {expected}:\n"
            f"{done.stdout[:1500]}"
        )
    return None


# -- a primer -----------------------------------------------------------------------------------


def check_primer(lesson: Lesson) -> list[Finding]:
    """A primer's questions read: every question has choices and an explanation, every myth
    a true/false answer, and the takeaways and the request flow are there."""
    from mission_control.primer import PrimerError, load_primer

    check = f"{lesson.primer_file.name} reads: questions with choices and explanations"
    try:
        primer = load_primer(lesson)
    except PrimerError as exc:
        return [_finding("primer", check, str(exc))]
    problems = [
        f"question '{q.key}' has no question or no explanation"
        for q in primer.questions
        if not (q.question.strip() and q.explanation.strip())
    ]
    if not primer.steps or not primer.myths:
        problems.append("a primer has build-up steps and myths")
    if not primer.takeaways or not primer.flow:
        problems.append("a primer ends with its takeaways and the request flow")
    return [_finding("primer", check, "\n".join(problems) or None)]


# -- all of them --------------------------------------------------------------------------------

CHECKS = {
    "solution": check_solution,
    "starter": check_starter,
    "variants": check_variants,
    "walkthrough": check_walkthrough,
    "primer": check_primer,
}


def invariants_for(lesson: Lesson) -> tuple[str, ...]:
    """The invariants that apply to the lesson's kind, in order."""
    return INVARIANTS_BY_KIND[lesson.kind]


def check_lesson(lesson: Lesson, only: str | None = None) -> list[Finding]:
    """Every invariant for ``lesson`` (or only the one named), in the order of INVARIANTS;
    one that does not apply to the lesson's kind (a solution of a primer) finds nothing."""
    names = [only] if only else list(invariants_for(lesson))
    return [
        finding
        for name in names
        if name in invariants_for(lesson)
        for finding in CHECKS[name](lesson)
    ]


__all__ = [
    "INVARIANTS",
    "INVARIANTS_BY_KIND",
    "CheckRun",
    "Finding",
    "Variant",
    "VariantsError",
    "WalkthroughError",
    "app_folder",
    "apply_variant",
    "check_lesson",
    "check_primer",
    "check_solution",
    "check_starter",
    "check_variant",
    "check_variants",
    "check_walkthrough",
    "has_walkthrough",
    "invariants_for",
    "read_variants",
    "run_check",
    "running_server",
    "sections",
    "serving_solution",
    "walkthrough",
]
