"""From pressing "Run checks" in the hub to the first checkpoint shown and to the summary,
beside `mission check a01` in a terminal, in one run.

A copy of a01's solution is the workspace (a private one, with a private progress file);
`mission serve` runs on a free 127.0.0.1 port and headless Chromium (the Debian package)
presses the button. The terminal figures are a `mission check a01` subprocess: the time to its
first line of output and to its end. Each side is measured ``--rounds`` times, alternating;
the script prints medians and the ratio of the hub's first checkpoint to the terminal's first
line (the goal: at most 1.5). Figures only: nothing here passes or fails.

    .venv/bin/python bench/hub_check.py [--rounds 5] [--lesson a01]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mission_control import dev  # noqa: E402
from mission_control.catalog import load_catalog  # noqa: E402
from mission_control.check.processes import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def terminal(lesson: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting `mission check` to its first line of output, and to its end."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "check", lesson],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    process.stdout.readline()
    first = time.perf_counter() - start
    process.stdout.read()
    process.wait()
    return first, time.perf_counter() - start


#: Noted in the run page itself, on the wall clock, the moment each appears: Playwright's
#: waits look again only every 100 to 500 ms, which would be most of what is measured.
MARKS = """
addEventListener("DOMContentLoaded", () => {
  const marks = window.__marks = {};
  const note = () => {
    const now = performance.timeOrigin + performance.now();
    if (!marks.first && document.querySelector("#run-results .checkpoint")) marks.first = now;
    const state = document.getElementById("run-state");
    if (!marks.end && state && state.textContent.includes("Finished:")) marks.end = now;
  };
  note();
  new MutationObserver(note).observe(document.body, {childList: true, subtree: true,
                                                     characterData: true});
});
"""


def hub(page: Any, base: str, lesson: str) -> tuple[float, float]:
    """Seconds from pressing "Run checks" (Enter on the focused button, so the browser
    automation's own checks before a click are not counted) to the first checkpoint shown,
    and to the summary (live, through Server-Sent Events), as the page saw them."""
    page.goto(f"{base}/lessons/{lesson}")
    page.get_by_role("button", name="Run checks").focus()
    start = time.time() * 1000  # the wall clock, as the page's performance.timeOrigin
    page.keyboard.press("Enter")
    page.locator("#run-state").filter(has_text="Finished:").wait_for(timeout=120_000)
    marks = page.evaluate("window.__marks")
    return (marks["first"] - start) / 1000, (marks["end"] - start) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lesson", default="a01")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    lesson = load_catalog(ROOT).get(args.lesson)
    assert lesson is not None, f"no lesson {args.lesson}"
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        folder = Path(scratch)
        dev.app_folder(lesson, lesson.solution, folder / "workspace" / lesson.slug)
        env = {
            **os.environ,
            "MISSION_WORKSPACE": str(folder / "workspace"),
            "MISSION_PROGRESS_DB": str(folder / "progress.sqlite3"),
            "NO_COLOR": "1",
        }
        port = free_port()
        command = f"{sys.executable} -m mission_control serve --port {port}"
        times: dict[str, list[float]] = {"t_first": [], "t_end": [], "h_first": [], "h_end": []}
        with (
            dev.running_server(command, ROOT, env, port) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.add_init_script(MARKS)
                hub(page, base, lesson.id)  # warm-up: the first import of everything
                terminal(lesson.id, env)
                for _ in range(args.rounds):
                    first, end = terminal(lesson.id, env)
                    times["t_first"].append(first)
                    times["t_end"].append(end)
                    first, end = hub(page, base, lesson.id)
                    times["h_first"].append(first)
                    times["h_end"].append(end)
            finally:
                browser.close()
        shutil.rmtree(folder / "workspace", ignore_errors=True)
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"{lesson.id}: {args.rounds} rounds each, medians (after one warm-up of each)")
    print(
        f"  terminal `mission check {lesson.id}`: first line {median['t_first']:.2f} s, "
        f"end {median['t_end']:.2f} s"
    )
    print(
        f'  hub "Run checks": first checkpoint {median["h_first"]:.2f} s, '
        f"summary {median['h_end']:.2f} s"
    )
    ratio = median["h_first"] / median["t_first"]
    print(f"  hub first checkpoint / terminal first line: {ratio:.2f} (goal: at most 1.5)")


if __name__ == "__main__":
    main()
