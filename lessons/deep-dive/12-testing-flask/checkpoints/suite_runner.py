"""Runs the learner's test suite for the d12 checkpoints.

The checkpoints send this file to ``python -`` in the learner's folder (the checker's
sandbox copy), with one JSON argument: the runs to make. The child cannot read the course's
files, so everything it needs travels in this file and that argument.

Each run gets a fresh copy of the folder, optionally with one edit to the app (a mutant),
and runs pytest there with a small plugin that can reverse or double the collected tests
and records each failure. Runs go two at a time. The results are printed as one JSON line
after ``SUITE-RESULTS``.

Standard library only: it runs with the course's Python, beside the learner's code.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: The pytest plugin (``-p mission_suite``), importable from the run's own folder.
PLUGIN = """
import json
import os

import pytest

RESULTS = {"passed": 0, "failed": []}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    order = os.environ.get("SUITE_ORDER", "")
    if order == "reverse":
        items.reverse()
    elif order == "twice":
        items[:] = items + items


def pytest_runtest_logreport(report):
    if report.passed and report.when == "call":
        RESULTS["passed"] += 1
    elif report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr)[-800:]
        RESULTS["failed"].append({"test": report.nodeid, "when": report.when, "message": message})


def pytest_collectreport(report):
    if report.failed:
        RESULTS["failed"].append(
            {"test": report.nodeid or "collection", "when": "collect",
             "message": str(report.longrepr)[-800:]}
        )


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["SUITE_REPORT"], "w", encoding="utf-8") as file:
        json.dump({**RESULTS, "collected": session.testscollected, "exit": int(exitstatus)}, file)
"""

#: What a copy of the folder leaves out: caches, environments, coverage data.
IGNORED = shutil.ignore_patterns(
    "__pycache__", ".pytest_cache", ".venv", "venv", ".git", ".coverage*", "htmlcov", ".mypy_cache"
)
OUTPUT_TAIL = 3000  # characters of pytest's own output kept for a message


def pytest_argv(run):
    argv = [sys.executable, "-m"]
    if run.get("coverage"):
        argv += ["coverage", "run", "--rcfile", os.devnull, "--source=app,config", "-m"]
    argv += ["pytest", "-p", "mission_suite", "-p", "no:randomly", "-p", "no:cacheprovider"]
    argv += ["-q", "--no-header", "-o", "console_output_style=classic"]
    return argv + (["-x"] if run.get("stop_first") else [])


def execute(argv, cwd, env, timeout):
    """Run ``argv``; (exit status or None on timeout, the tail of its output)."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            status = process.wait(timeout)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything the tests left running
            process.wait()
        out.seek(0)
        return status, out.read().decode("utf-8", "replace")[-OUTPUT_TAIL:]


def apply_edit(folder, edit):
    """Make the mutant's one edit; an error message if the app no longer has that text."""
    path = folder / edit["file"]
    if not path.is_file():
        return f"{edit['file']} is missing"
    text = path.read_text(encoding="utf-8")
    if text.count(edit["find"]) != 1:
        return f"{edit['file']} is not the given app's any more"
    path.write_text(text.replace(edit["find"], edit["replace"]), encoding="utf-8")
    return None


def one_run(run, timeout):
    """One pytest run in a fresh copy of this folder (or more: ``run["repeat"]``)."""
    result = {"name": run["name"]}
    with tempfile.TemporaryDirectory(prefix="mission-suite-") as tmp:
        folder = Path(tmp, "app")
        shutil.copytree(Path.cwd(), folder, ignore=IGNORED, symlinks=True)
        plugins = Path(tmp, "plugins")
        plugins.mkdir()
        (plugins / "mission_suite.py").write_text(PLUGIN, encoding="utf-8")
        if run.get("edit") and (problem := apply_edit(folder, run["edit"])):
            return {**result, "error": problem}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugins), env.get("PYTHONPATH")]))
        env["COVERAGE_FILE"] = str(Path(tmp, "coverage.data"))
        result["steps"] = []
        for order in run.get("orders", [""]):  # several: one after the other, in one copy
            report = Path(tmp, "report.json")
            report.unlink(missing_ok=True)
            env.update(SUITE_ORDER=order, SUITE_REPORT=str(report))
            status, output = execute(pytest_argv(run), folder, env, timeout)
            step = {"order": order, "exit": status, "output": output, "failed": []}
            if report.is_file():
                step.update(json.loads(report.read_text(encoding="utf-8")))
            result["steps"].append(step)
            result["exit"] = status
            if status != 0:
                break
        if run.get("coverage") and result.get("exit") is not None:
            data = Path(tmp, "coverage.json")
            json_argv = [sys.executable, "-m", "coverage", "json", "--rcfile", os.devnull]
            execute([*json_argv, "-o", str(data)], folder, env, timeout)
            if data.is_file():
                result["coverage"] = summarize(json.loads(data.read_text(encoding="utf-8")))
    return result


def summarize(report):
    """Coverage per file: statements, covered, and the missing line numbers."""
    files = {
        name: {
            "statements": info["summary"]["num_statements"],
            "covered": info["summary"]["covered_lines"],
            "missing": info["missing_lines"],
        }
        for name, info in report["files"].items()
    }
    totals = report["totals"]
    return {
        "files": files,
        "statements": totals["num_statements"],
        "covered": totals["covered_lines"],
    }


def main(spec):
    with ThreadPoolExecutor(max_workers=spec.get("workers", 2)) as pool:
        results = list(pool.map(lambda run: one_run(run, spec["timeout"]), spec["runs"]))
    print("SUITE-RESULTS " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
