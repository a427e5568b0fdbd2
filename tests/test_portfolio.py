"""`mission portfolio` and the hub's download: Markdown pages with Jekyll front matter."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

from helpers import CATALOG, ROOT

from mission_control.check.inventory import list_checkpoints
from mission_control.check.report import Report, Result
from mission_control.hub import create_app
from mission_control.journal import Journal
from mission_control.portfolio import quote, write_portfolio
from mission_control.progress import ProgressStore

A01 = CATALOG.get("a01")


def front_matter(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    block = text.split("---\n")[1]
    return {k: json.loads(v) for k, v in (line.split(": ", 1) for line in block.splitlines())}


def learner(tmp_path: Path) -> tuple[ProgressStore, Path]:
    store = ProgressStore(tmp_path / "progress.sqlite3")
    infos = list_checkpoints(A01)
    report = Report(checker="t", lesson="a01", spec_hash="x", target="inprocess")
    report.results = [Result(id=i.id, title=i.title, status="passed") for i in infos]
    store.record(report, "workspace", at=datetime.fromisoformat("2026-03-01T09:00:00+00:00"))
    sneaky = "## Not a heading of mine\n---\n<script>alert(1)</script> {{ site.title }} {% raw %}"
    Journal(store).save("a01", [A01.self_checks[0]], {A01.reflection_prompts[0]: sneaky}, None)
    workspace = tmp_path / "workspace"
    shutil.copytree(A01.solution, workspace / A01.slug)
    return store, workspace


def test_portfolio_pages(tmp_path: Path) -> None:
    store, workspace = learner(tmp_path)
    out = tmp_path / "blog"
    written = write_portfolio(
        CATALOG, store, out, workspace, "https://github.com/me/flask/tree/main"
    )
    assert [p.name for p in written] == ["index.md", "a01.md"]
    index = (out / "index.md").read_text()
    assert front_matter(index)["layout"] == "page" and "(a01.md)" in index
    page = (out / "a01.md").read_text()
    meta = front_matter(page)
    assert meta["title"] == "a01 · Basic To-Do API" and meta["status"] == "complete"
    assert str(meta["date"]).startswith("2026-03-01")
    assert "**First passed:** 2026-03-01" in page
    assert page.count("| passed | 2026-03-01 |") == len(list_checkpoints(A01))
    assert f"- [x] {A01.self_checks[0]}" in page and f"- [ ] {A01.self_checks[1]}" in page
    assert "\n> ## Not a heading of mine\n> ---\n" in page, "quoted, so it stays in its section"
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "{{" not in page.split("---\n", 2)[2] and "{%" not in page
    assert "(https://github.com/me/flask/tree/main/01-basic-todo-api/app.py)" in page
    assert "__pycache__" not in page


def test_an_empty_reflection_and_no_progress() -> None:
    assert quote("  ") == "> *(not written yet)*"


def test_the_hub_downloads_the_portfolio(tmp_path: Path) -> None:
    store, workspace = learner(tmp_path)
    app = create_app(
        {"COURSE_ROOT": str(ROOT), "PROGRESS_DB": str(store.path), "WORKSPACE": str(workspace)}
    )
    client = app.test_client()
    assert "/progress/portfolio.zip" in client.get("/progress", headers={"Host": "127.0.0.1"}).text
    response = client.get("/progress/portfolio.zip", headers={"Host": "127.0.0.1"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names == ["portfolio/index.md", "portfolio/a01.md"]
