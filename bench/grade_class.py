"""Submissions graded per minute by `mission grade`, for a class of 60 a01 submissions.

Grades the same generated class (tests/class_a01.py: the solution, the starter, one-bug
variants, one that exits at import; the one that hangs is left out, it would only measure
the timeout) with --jobs 1 and --jobs 2, then once more with nothing changed (every
submission re-used from the manifest). Figures only: nothing here passes or fails.

    .venv/bin/python bench/grade_class.py [--size 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from class_a01 import make_class  # noqa: E402


def grade(submissions: Path, out: Path, jobs: int, env: dict[str, str]) -> float:
    """Wall time of one `mission grade` run."""
    command = [sys.executable, "-m", "mission_control", "grade", "a01", str(submissions)]
    command += ["--out", str(out), "--jobs", str(jobs)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=60)
    size = parser.parse_args().size
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        make_class(base / "class", size + 1)
        shutil.rmtree(base / "class" / "s02-hangs")
        env = dict(os.environ, MISSION_PROGRESS_DB=str(base / "progress.sqlite3"))
        print(f"mission grade a01: {size} submissions, {os.cpu_count()} cores")
        for jobs in (1, 2):
            seconds = grade(base / "class", base / f"out-{jobs}", jobs, env)
            print(
                f"  --jobs {jobs}: {seconds:6.1f} s  {size / seconds * 60:6.1f} submissions/minute"
            )
        again = grade(base / "class", base / "out-2", 2, env)
        print(f"  second run, nothing changed (--jobs 2): {again:.2f} s")


if __name__ == "__main__":
    main()
