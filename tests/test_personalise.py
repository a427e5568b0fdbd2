"""A personalised app keeps its checkpoints: a01's solution with its own name, colour and
extra endpoint (the README's "Make it yours") still passes every checkpoint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import CATALOG, mission, provided_copy

A01 = CATALOG.get("a01")

PERSONAL = '''

NAME = "Ada's to-dos"


@app.get("/about")
def about():
    """Mine: who this API belongs to."""
    return {"name": NAME, "colour": "#0b57d0", "owner": "Ada"}
'''


def test_a_personalised_a01_passes_every_checkpoint(tmp_path: Path) -> None:
    assert "## Make it yours" in A01.readme.read_text()
    folder = provided_copy(A01, A01.solution, tmp_path / "mine")
    app = folder / "app.py"
    source = app.read_text()
    head, main = source.split('\nif __name__ == "__main__":')
    app.write_text(head.rstrip() + "\n" + PERSONAL + '\n\nif __name__ == "__main__":' + main)
    about = subprocess.run(
        [sys.executable, "-c", "import app; print(app.app.test_client().get('/about').json)"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Ada's to-dos" in about.stdout, "the personal endpoint is really there"
    run = mission("check", "a01", "--path", str(folder), "--json")
    assert run.returncode == 0, run.output
    statuses = set(run.statuses().values())
    assert statuses == {"passed"}, run.statuses()
