"""How long `mission check a01 --solution` takes, in-process and with --serve.

Prints the median wall time over several runs of each, beside a bare
`python -c "import flask"` measured in the same run, so the figures can be compared across
machines. The goal for in-process is a median of 1.0 s or less. Figures only: nothing here
passes or fails.

    .venv/bin/python bench/check_speed.py [--runs 7] [--lesson a01]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--lesson", default="a01")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "MISSION_PROGRESS_DB": str(Path(state) / "bench.sqlite3")}
        mission = [sys.executable, "-m", "mission_control", "check", args.lesson, "--solution"]
        commands = {
            "python -c 'import flask'": [sys.executable, "-c", "import flask"],
            f"mission check {args.lesson} --solution": mission,
            f"mission check {args.lesson} --solution --serve": [*mission, "--serve"],
        }
        timed(mission, env)  # warm the file cache once
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so a busy moment hits every command alike
            for name, command in commands.items():
                times[name].append(timed(command, env))

    baseline = statistics.median(times["python -c 'import flask'"])
    print(f"{args.runs} runs each, median wall time (min–max):")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:<45} {median:6.3f} s  ({min(values):.3f}–{max(values):.3f})"
            f"  {median / baseline:5.1f}× import flask"
        )
    inprocess = statistics.median(times[f"mission check {args.lesson} --solution"])
    verdict = "meets" if inprocess <= 1.0 else "misses"
    print(f"in-process median {inprocess:.3f} s {verdict} the 1.0 s goal")


if __name__ == "__main__":
    main()
