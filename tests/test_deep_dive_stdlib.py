"""d01 (a raw WSGI application) uses nothing but the standard library.

Two proofs: its source imports only standard-library modules (or its own files), and running
it loads no installed package, Flask and Werkzeug above all, even after it answered requests.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CATALOG

LESSON = CATALOG.get("d01")
FOLDERS = ["starter", "solution"]

pytestmark = pytest.mark.skipif(LESSON is None, reason="lesson d01 is not in the catalog")


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every absolute import in ``path``, wherever it sits."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value).partition(".")[0])
    return names


@pytest.mark.parametrize("folder", FOLDERS)
def test_source_imports_only_the_standard_library(folder: str) -> None:
    root = LESSON.path / folder
    files = sorted(root.rglob("*.py"))
    assert files, f"{root} has no Python files"
    own = {path.stem for path in files}
    for path in files:
        foreign = imported_modules(path) - set(sys.stdlib_module_names) - own
        assert not foreign, f"{path} imports {sorted(foreign)}, which are not standard library"


# Imports the app, sends it two requests through wsgiref's own test helpers, then reports
# every module that appeared and is neither standard library nor a file of the app folder.
PROBE = r"""
import io, json, os, sys
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

folder = os.path.realpath(sys.argv[1])
sys.path.insert(0, folder)
before = set(sys.modules)
import app as module

statuses = []


def start_response(status, headers, exc_info=None):
    statuses.append(status)


for path in ("/", "/hello/J%C3%BCrgen".encode().decode("latin-1")):
    environ = {"SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": ""}
    environ["wsgi.input"] = io.BytesIO()
    setup_testing_defaults(environ)
    body = validator(module.app)(environ, start_response)
    b"".join(body)
    body.close()
loaded = {}
for name in set(sys.modules) - before:
    top = name.partition(".")[0]
    loaded[top] = getattr(sys.modules.get(top), "__file__", None) or ""
foreign = sorted(
    top for top, where in loaded.items()
    if top not in sys.stdlib_module_names
    and not os.path.realpath(where).startswith(folder + os.sep)
)
print(json.dumps({"statuses": statuses, "foreign": foreign}))
"""


def test_running_the_solution_loads_no_installed_package(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(LESSON.solution)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert [status[:3] for status in report["statuses"]] == ["200", "200"], report
    assert report["foreign"] == [], f"the solution loaded {report['foreign']}"


def test_the_probe_notices_an_installed_package(tmp_path: Path) -> None:
    """The probe above can fail: an app that imports Werkzeug is caught."""
    app = tmp_path / "app"
    app.mkdir()
    source = (LESSON.solution / "app.py").read_text(encoding="utf-8")
    (app / "app.py").write_text("import werkzeug.utils  # noqa\n" + source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(app)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "werkzeug" in json.loads(done.stdout.strip().splitlines()[-1])["foreign"]
