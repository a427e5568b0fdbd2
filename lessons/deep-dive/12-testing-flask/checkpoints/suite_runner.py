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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: The pytest plugin (``-p mission_suite``), importable from the run's own folder.
PLUGIN = """
import json
import os

import pytest

try:
    import coverage
except ImportError:
    coverage = None

RESULTS = {"passed": 0, "failed": []}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    only = os.environ.get("SUITE_ONLY")
    if only:
        wanted = set(json.loads(only))
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in wanted])
        items[:] = [i for i in items if i.nodeid in wanted]
    order = os.environ.get("SUITE_ORDER")
    if order == "reverse":
        items.reverse()
    elif order == "twice" and len(items) > 1:  # (one item twice in a row cannot run twice)
        items[:] = items + items


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Under coverage, each line is recorded with the test (setup, call, teardown) that ran it.
    cov = coverage.Coverage.current() if coverage is not None else None
    if cov is not None:
        cov.switch_context(item.nodeid)
    yield
    if cov is not None:
        cov.switch_context("")


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


def pytest_args(run):
    args = ["-p", "mission_suite", "-p", "no:randomly", "-p", "no:cacheprovider"]
    args += ["-q", "--no-header", "-o", "console_output_style=classic"]
    return args + (["-x"] if run.get("stop_first") else [])


def pytest_argv(run):
    argv = [sys.executable, "-m"]
    if run.get("coverage"):
        argv += ["coverage", "run", "--rcfile", os.devnull, "--source=app,config", "-m"]
    return [*argv, "pytest", *pytest_args(run)]


#: A process that imports the usual libraries once, then forks one child per pytest run:
#: a run then costs the tests, not the imports (most of a small suite's time). The child
#: is what ``python -m pytest`` in that folder would be: its own session, folder,
#: environment and output file; it writes its exit status to a file as it ends.
ZYGOTE = """
import json, os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the system reaps the children
for name in json.loads(sys.argv[1]):
    try:
        __import__(name)
    except Exception:
        pass
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            sys.path[:0] = [job["cwd"], job["plugins"]]
            sys.argv = ["pytest", *job["args"]]
            import pytest
            code = int(pytest.main(job["args"]))
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                with open(job["status"] + ".part", "w") as file:
                    file.write(str(code))
                os.replace(job["status"] + ".part", job["status"])
            finally:
                os._exit(code)
    print(pid, flush=True)
"""
#: What the zygote imports before it forks (each if it can): pytest, Flask and the
#: extensions of the blog. Never the learner's own modules: it runs in an empty folder.
PRELOAD = [
    "pytest",
    "unittest.mock",
    "smtplib",
    "email.message",
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_login",
    "flask_wtf",
    "wtforms",
    "marshmallow",
    "jwt",
]


class Zygote:
    """Forks pytest runs from a process that has already imported the libraries."""

    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.jobs = 0
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, json.dumps(PRELOAD)],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self.process.stdout.readline().strip() == "ready"

    def run(self, args, cwd, env, plugins, timeout):
        """Like :func:`execute`, for ``python -m pytest <args>`` in ``cwd``."""
        with self.lock:
            self.jobs += 1
            base = Path(self.folder, f"job-{self.jobs}")
            job = {
                "args": args,
                "cwd": str(cwd),
                "env": env,
                "plugins": str(plugins),
                "out": f"{base}.out",
                "status": f"{base}.status",
            }
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            pid = int(self.process.stdout.readline())
        status_file, deadline = Path(job["status"]), time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            if status_file.is_file():
                status = int(status_file.read_text())
                break
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # on a timeout, or what the tests left running
        output = Path(job["out"]).read_bytes() if Path(job["out"]).is_file() else b""
        return status, output.decode("utf-8", "replace")[-OUTPUT_TAIL:]

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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


def one_run(run, timeout, zygote=None):
    """One pytest run in a fresh copy of this folder (several in the same copy, one after
    the other, for each of ``run["orders"]``); ``run["timeout"]`` overrides ``timeout``."""
    timeout = run.get("timeout", timeout)
    started = time.monotonic()
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
        if run.get("only") is not None:
            env["SUITE_ONLY"] = json.dumps(run["only"])
        for order in run.get("orders", [""]):  # several: one after the other, in one copy
            report = Path(tmp, "report.json")
            report.unlink(missing_ok=True)
            env.update(SUITE_ORDER=order, SUITE_REPORT=str(report))
            if zygote is not None and not run.get("coverage"):
                status, output = zygote.run(pytest_args(run), folder, env, plugins, timeout)
            else:
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
            execute([*json_argv, "--show-contexts", "-o", str(data)], folder, env, timeout)
            if data.is_file():
                report = json.loads(data.read_text(encoding="utf-8"))
                result["coverage"] = summarize(report)
                result["selected"] = {
                    edit["name"]: tests_running(report, folder, edit)
                    for edit in run.get("select", [])
                }
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def tests_running(report, folder, edit):
    """The tests that ran any line of ``edit["find"]`` (in setup, call or teardown), or None
    when the whole suite must run: a line that runs at import time (a class body, a
    decorator) or that no test ran, or an edit not found."""
    path = folder / edit["file"]
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text.count(edit["find"]) != 1:
        return None
    first = text[: text.index(edit["find"])].count("\n") + 1
    lines = range(first, first + max(edit["find"].rstrip("\n").count("\n") + 1, 1))
    contexts = report["files"].get(edit["file"], {}).get("contexts", {})
    tests = set()
    for line in lines:
        names = contexts.get(str(line), [])
        if "" in names:
            return None
        tests.update(names)
    return sorted(tests) or None


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
    with tempfile.TemporaryDirectory(prefix="mission-zygote-") as tmp:
        zygote = Zygote(tmp) if any(not run.get("coverage") for run in spec["runs"]) else None
        if zygote is not None and not zygote.ready:
            zygote.close()
            zygote = None  # then each run is a process of its own
        try:
            with ThreadPoolExecutor(max_workers=spec.get("workers", 2)) as pool:
                results = list(
                    pool.map(lambda run: one_run(run, spec["timeout"], zygote), spec["runs"])
                )
        finally:
            if zygote is not None:
                zygote.close()
    print("SUITE-RESULTS " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
