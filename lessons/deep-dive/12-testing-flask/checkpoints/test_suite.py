"""d12 · Testing Flask applications: the checkpoints run YOUR tests.

The app is given; what is checked is the suite in tests/. pytest runs in fresh copies of
your folder (``suite_runner.py``, sent to ``python -`` there): under coverage.py in file
order, with every test twice, in reverse order, and against one-bug versions of the app
(``mutants.toml``), on each of which the suite must fail.

The first three runs are made once per check, two at a time, whichever checkpoint needs
them first; each checkpoint then reads its own verdict from them.
"""

import json
import tomllib
from pathlib import Path

import pytest

from mission_control.check import checkpoint, fail

HERE = Path(__file__).parent
RUN_TIMEOUT = 90  # seconds for one pytest run of the suite
COVERAGE_MIN = 90  # percent of the app's statements (app/ and config.py)
SHOWN = 5  # failures quoted in a message

PASS_HINT = (
    "Run `python -m pytest` in your folder: every test must pass against the given app. "
    "The fixtures live in tests/conftest.py (`app`, `client`, `runner`, `auth_client`)."
)


def read_mutants():
    return tomllib.loads((HERE / "mutants.toml").read_text(encoding="utf-8"))["mutant"]


@pytest.fixture(scope="session")
def kept():
    """What one check keeps between checkpoints (the folder does not change meanwhile)."""
    return {}


def the_runs(run_command, kept):
    """The suite as it is: ``given app`` (file order, under coverage, which also records
    which tests run each mutant's lines), ``twice`` and ``reverse``."""
    if "runs" not in kept:
        select = [{"name": m["name"], "file": m["file"], "find": m["find"]} for m in read_mutants()]
        kept["runs"] = run_suite(
            run_command,
            [
                {"name": "given app", "coverage": True, "select": select},
                {"name": "twice", "orders": ["twice"]},
                {"name": "reverse", "orders": ["reverse"]},
            ],
        )
    return kept["runs"]


def run_suite(run_command, runs):
    """Run the suite once per entry of ``runs`` (two at a time); their results, by name."""
    spec = {"timeout": RUN_TIMEOUT, "workers": 2, "runs": runs}
    each = max(run.get("timeout", RUN_TIMEOUT) for run in runs)
    total = each * 2 * ((len(runs) + 1) // 2) + 60  # two at a time; coverage adds a step
    done = run_command(
        ["python", "-", json.dumps(spec)],
        input=(HERE / "suite_runner.py").read_text(encoding="utf-8"),
        timeout=total,
    )
    for line in done.stdout.splitlines():
        if line.startswith("SUITE-RESULTS "):
            return {result["name"]: result for result in json.loads(line.split(" ", 1)[1])}
    raise RuntimeError(f"the suite runner gave no results:\n{done.output[-2000:]}")


def what_failed(result):
    """The failures of a run, in words: which test, and what it said."""
    if result.get("error"):
        return result["error"]
    step = result["steps"][-1]
    if step["exit"] is None:
        return f"pytest did not finish within {RUN_TIMEOUT} s (a test waits for something?)"
    if step["exit"] == 5 or step.get("collected") == 0:
        return "pytest found no tests (test_*.py files under tests/, functions test_*)"
    lines = [f"{f['test']} ({f['when']}): {f['message'].strip()}" for f in step["failed"][:SHOWN]]
    if len(step["failed"]) > SHOWN:
        lines.append(f"... and {len(step['failed']) - SHOWN} more")
    if not lines:
        lines = [f"pytest ended with exit code {step['exit']}:\n{step['output'][-1500:]}"]
    return "\n".join(f"  - {line}" for line in lines)


def passed(result):
    return not result.get("error") and result.get("exit") == 0


@checkpoint("suite-passes", hint=PASS_HINT)
def test_suite_passes(run_command, kept):
    """Your test suite passes against the given app"""
    result = the_runs(run_command, kept)["given app"]
    if not passed(result):
        fail(f"expected `pytest` to pass against the given app, but:\n{what_failed(result)}")


@checkpoint(
    "suite-repeatable",
    hint="A test must not count on what another test (or an earlier run) left behind: "
    "module-level lists or apps, a database file that is never emptied. Build state in "
    "fixtures, one fresh `app` (and database) per test.",
    requires="suite-passes",
)
def test_suite_repeatable(run_command, kept):
    """Your suite passes twice in a row (in one pytest session: each test sees nothing the
    first round left)"""
    result = the_runs(run_command, kept)["twice"]
    if not passed(result):
        fail(
            "expected the suite to pass with every test run twice (all of them, then all of "
            f"them again, in one pytest session), but:\n{what_failed(result)}"
        )


@checkpoint(
    "suite-reverse",
    hint="This test passes only after another one has run: each test must make the users "
    "and posts it needs itself (fixtures such as `make_user`, `auth_client`), in a database "
    "of its own.",
    requires="suite-passes",
)
def test_suite_reverse(run_command, kept):
    """Your suite passes with its tests run in reverse order (each test is independent)"""
    result = the_runs(run_command, kept)["reverse"]
    if not passed(result):
        fail(f"expected the suite to pass in reverse order, but:\n{what_failed(result)}")


@checkpoint(
    "coverage-90",
    hint="Run `python -m coverage run -m pytest` and `python -m coverage report -m`: the "
    "Missing column lists the lines no test runs. Test the pages, the API, the commands, "
    "the error pages and the mail module.",
    requires="suite-passes",
)
def test_coverage(run_command, kept):
    """Your suite runs at least 90% of the app's statements (app/ and config.py, by
    coverage.py)"""
    result = the_runs(run_command, kept)["given app"]
    report = result.get("coverage")
    if report is None or not report["statements"]:
        fail(f"expected coverage figures, but the run measured nothing:\n{what_failed(result)}")
    if not passed(result):
        fail(f"expected the suite to pass under coverage, but:\n{what_failed(result)}")
    percent = 100 * report["covered"] / report["statements"]
    if percent >= COVERAGE_MIN:
        return
    weak = sorted(
        (
            (100 * info["covered"] / info["statements"], name, info["missing"])
            for name, info in report["files"].items()
            if info["statements"] and info["covered"] < info["statements"]
        ),
    )
    lines = [f"  - {name}: {share:.0f}%, lines {spans(missing)}" for share, name, missing in weak]
    fail(
        f"expected at least {COVERAGE_MIN}% of the app's statements to run, not {percent:.1f}% "
        f"({report['covered']} of {report['statements']}). Files not fully covered:\n"
        + "\n".join(lines[:12])
    )


def spans(numbers):
    """[3, 4, 5, 9] -> "3-5, 9"."""
    out, start = [], None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}-{n}" if n != start else str(n))
            start = None
    return ", ".join(out[:8]) + (", ..." if len(out) > 8 else "")


@checkpoint(
    "catches-bugs",
    hint="For each bug above, write the test that would have caught it: make the situation "
    "(two users, a refused mail, a logout), then assert what the contract promises (a 403, "
    "one mail to the new user, a redirect to the login page).",
    requires="suite-passes",
)
def test_catches_bugs(run_command, kept):
    """Your suite fails on each of the one-bug versions of the app (mutants.toml)"""
    mutants = read_mutants()
    given = the_runs(run_command, kept)["given app"]
    if not passed(given):
        fail(
            "expected the suite to pass against the given app first (else every bug would "
            f"look caught), but:\n{what_failed(given)}",
            hint=PASS_HINT,
        )
    # A bug may make a test wait forever; no run needs much longer than the suite did.
    timeout = min(RUN_TIMEOUT, 30 + 3 * given.get("seconds", RUN_TIMEOUT))
    # Only the tests that ran a mutant's lines can notice it (None: all of them).
    selected = given.get("selected", {})
    runs = [
        {
            "name": m["name"],
            "stop_first": True,
            "timeout": timeout,
            "only": selected.get(m["name"]),
            "edit": {key: m[key] for key in ("file", "find", "replace")},
        }
        for m in mutants
    ]
    results = run_suite(run_command, runs)
    broken = [(m, results[m["name"]]["error"]) for m in mutants if results[m["name"]].get("error")]
    if broken:
        fail(
            "expected the app in your folder to be the given one, so that each bug can be "
            "made in a copy, but:\n"
            + "\n".join(f"  - {error} (for: {m['description']})" for m, error in broken),
            hint="Restore the app's files from the lesson's starter: in this lesson you "
            "write tests, not the app.",
        )
    missed = [m["description"] for m in mutants if passed(results[m["name"]])]
    if missed:
        fail(
            f"expected your suite to fail on each of {len(mutants)} one-bug versions of the "
            f"app; it caught {len(mutants) - len(missed)}, and your tests pass when:\n"
            + "\n".join(f"  - {description}" for description in missed)
        )
