"""``mission notebook a01``: a lesson as a Jupyter notebook beside the learner's copy.

The tutorial's sections become Markdown cells; each ``curl`` line of its walk-through becomes
a code cell that sends the same request to the running app (``send``, with the standard
library only, so the notebook needs nothing the course does not have) and prints what came
back; a cell runs the lesson's checkpoints (``mission check``) and shows the results; the
reflection prompts end it. The notebook is written as nbformat 4 JSON directly, so writing
one needs no Jupyter package; running it needs a Python kernel of the course's environment.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from mission_control.catalog import Lesson

SETUP = '''\
# Run this cell first. Start your app in a terminal before the requests below:
#   cd {folder} && {run}
import json, os, subprocess, sys, urllib.error, urllib.request

BASE = os.environ.get("MISSION_APP_URL", "http://127.0.0.1:{port}")


def send(method, path, body=None, headers=None):
    """Send one request to your running app and print the status, type and body."""
    request = urllib.request.Request(BASE + path, data=body, method=method,
                                     headers=headers or {{}})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, reason, kind, text = (response.status, response.reason,
                                          response.headers.get("Content-Type"), response.read())
    except urllib.error.HTTPError as error:
        status, reason, kind, text = (error.code, error.reason,
                                      error.headers.get("Content-Type"), error.read())
    except urllib.error.URLError as error:
        print(f"Your app did not answer at {{BASE}}: {{error.reason}}. Is it running?")
        return None
    print(status, reason, "|", kind)
    print(text.decode("utf-8", "replace"))
    return status
'''

CHECK = """\
# Your checkpoints, as `mission check {lesson}` runs them (and records them as your progress).
result = subprocess.run([sys.executable, "-m", "mission_control", "check", "{lesson}", "--json"],
                        capture_output=True, text=True)
report = json.loads(result.stdout)
marks = {{"passed": "✔ passed", "failed": "✘ failed", "skipped": "– skipped"}}
for checkpoint in report["results"]:
    print(marks.get(checkpoint["status"], checkpoint["status"]), " ", checkpoint["title"])
    if checkpoint["status"] == "failed" and checkpoint["hint"]:
        print("    hint:", checkpoint["hint"])
print(report["summary"])
"""


def notebook(lesson: Lesson, folder: Path) -> dict[str, Any]:
    """The notebook for ``lesson`` whose copy is ``folder``, as nbformat 4 JSON data."""
    cells = [
        _markdown(
            f"# {lesson.id} · {lesson.title}\n\n{lesson.summary}\n\n"
            "Run the cells from the top. Your copy is in "
            f"`{folder}`; the checkpoints cell checks it."
        ),
        _code(SETUP.format(folder=folder, run=lesson.run, port=lesson.port)),
    ]
    text = lesson.readme.read_text(encoding="utf-8") if lesson.readme.is_file() else ""
    for section in sections(text):
        cells.append(_markdown(section))
        cells += [_code(call) for call in requests_in(section, lesson.port)]
    cells.append(_markdown("## Check your work\n\nThe lesson's checkpoints against your copy."))
    cells.append(_code(CHECK.format(lesson=lesson.id)))
    if lesson.reflection_prompts:
        cells.append(_markdown("## Reflect\n\nWrite your answers in the cells below each prompt."))
        for prompt in lesson.reflection_prompts:
            cells += [_markdown(f"**{prompt}**"), _markdown("*Your answer here.*")]
    for number, cell in enumerate(cells, 1):
        cell["id"] = f"{lesson.id}-{number}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(lesson: Lesson, folder: Path) -> Path:
    """Write ``<copy>.ipynb`` beside the learner's copy; its path."""
    path = folder.with_name(f"{folder.name}.ipynb")
    data = notebook(lesson, folder)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def sections(text: str) -> list[str]:
    """The tutorial split at its ``## `` headings (the title line left out), ignoring
    headings inside code blocks."""
    parts: list[list[str]] = [[]]
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            parts.append([])
        if not (not fenced and line.startswith("# ")):
            parts[-1].append(line)
    return [joined for part in parts if (joined := "\n".join(part).strip())]


_CURL = re.compile(r"^\s*(?:\$\s*)?curl\s", re.MULTILINE)


def requests_in(section: str, port: int) -> list[str]:
    """A ``send(...)`` call for each curl line in the section's code blocks."""
    calls = []
    fenced = False
    for line in section.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced and _CURL.match(line) and (call := curl_to_send(line, port)):
            calls.append(call)
    return calls


def curl_to_send(line: str, port: int) -> str | None:
    """``curl -X POST URL -H ... -d ...`` as ``send("POST", "/path", ...)``; None when the
    line is not a request to the lesson's app (another host, a form upload)."""
    try:
        words = shlex.split(line.strip().removeprefix("$").strip())
    except ValueError:
        return None
    method, url, body, headers = None, None, None, {}
    items = iter(words[1:])
    for word in items:
        if word in ("-X", "--request"):
            method = next(items, "GET")
        elif word in ("-H", "--header"):
            name, _, value = next(items, "").partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw"):
            body = next(items, "")
        elif word in ("-F", "--form", "-T", "--upload-file"):
            return None
        elif not word.startswith("-"):
            url = word
    prefix = f"http://127.0.0.1:{port}"
    if url is None or not url.startswith(prefix):
        return None
    method = method or ("POST" if body is not None else "GET")
    arguments = [json.dumps(method), json.dumps(url.removeprefix(prefix) or "/")]
    if body is not None:
        arguments.append(f"body={json.dumps(body, ensure_ascii=False)}.encode()")
    if headers:
        arguments.append(f"headers={json.dumps(headers, ensure_ascii=False)}")
    return f"# {line.strip()}\nsend({', '.join(arguments)})"


def _markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _code(source: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source,
    }
