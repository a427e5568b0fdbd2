"""`mission notebook`: a generated notebook, executed (nbclient + ipykernel) against the
solution running on a free port."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import CATALOG, free_port, mission, provided_copy, running_server

from mission_control.notebook import curl_to_send, notebook, sections

A01 = CATALOG.get("a01")


def test_curl_lines_become_requests_to_the_app() -> None:
    line = (
        "curl -i -X PUT http://127.0.0.1:5000/todos/1 "
        """-H "Content-Type: application/json" -d '{}'"""
    )
    call = curl_to_send(line, 5000)
    assert call is not None and call.endswith(
        'send("PUT", "/todos/1", body="{}".encode(), headers={"Content-Type": "application/json"})'
    )
    assert curl_to_send("curl -i http://example.com/", 5000) is None
    assert curl_to_send("curl -F file=@me.png http://127.0.0.1:5000/up", 5000) is None


def test_the_notebook_has_the_tutorial_checkpoints_and_prompts(tmp_path: Path) -> None:
    data = notebook(A01, tmp_path / A01.slug)
    markdown = [c["source"] for c in data["cells"] if c["cell_type"] == "markdown"]
    assert len(sections(A01.readme.read_text())) + 1 < len(markdown)
    assert any("## Check your work" in m for m in markdown)
    assert all(any(p in m for m in markdown) for p in A01.reflection_prompts)
    assert len({c["id"] for c in data["cells"]}) == len(data["cells"])


def test_mission_notebook_runs_against_the_solution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    folder = provided_copy(A01, A01.solution, Path(os.environ["MISSION_WORKSPACE"]) / A01.slug)
    run = mission("notebook", "a01")
    assert run.returncode == 0, run.output
    path = folder.with_name(f"{folder.name}.ipynb")
    assert path.is_file()
    port = free_port()
    with running_server(A01.run, folder, port=port) as url:
        monkeypatch.setenv("MISSION_APP_URL", url)
        book = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbclient.NotebookClient(book, timeout=180, kernel_name="python3").execute()
    printed = [
        "".join(output.get("text", "") for output in cell.get("outputs", []))
        for cell in book.cells
        if cell.cell_type == "code"
    ]
    requests = [text for text in printed[1:-1] if text]
    assert requests and "201 CREATED" in requests[0], requests[:2]
    assert not any("did not answer" in text for text in printed)
    results = printed[-1]
    assert (
        results.count("✔ passed")
        == json.loads(mission("check", "a01", "--json").stdout)["summary"]["passed"]
    )
    assert "✘" not in results
