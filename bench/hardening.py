"""Figures for the checker's limits (issue 18): a 40 MB in-process response, the frame
reader alone, and the checker's memory while an app prints without end. Figures only.

    .venv/bin/python bench/hardening.py
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mission_control.catalog import load_catalog
from mission_control.check.client import Request
from mission_control.check.processes import AppLog
from mission_control.check.report import TargetKind
from mission_control.check.targets import make_target
from mission_control.check.transports import FrameReader, encode_frame

BIG = """
from flask import Flask
app = Flask(__name__)
BODY = b"x" * (40 << 20)

@app.get("/big")
def big():
    return BODY
"""


def in_process_40mb(runs: int = 3) -> list[float]:
    lesson = load_catalog().get("a01")
    assert lesson is not None
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.py").write_text(BIG)
        target = make_target(lesson, TargetKind.INPROCESS, app_dir=Path(folder))
        try:
            target.start()
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = target.send(Request("GET", "/big"), timeout=120)
                times.append(time.perf_counter() - started)
                assert len(answer.data) == 40 << 20
            return times
        finally:
            target.stop()


def frame_reader_40mb() -> float:
    frame = encode_frame({"body": "x" * (40 << 20)})
    reader = FrameReader()
    started = time.perf_counter()
    for offset in range(0, len(frame), 1 << 16):  # what a pipe read gives at a time
        reader.feed(frame[offset : offset + (1 << 16)])
        reader.next_frame()
    return time.perf_counter() - started


def chatty_log_rss_mb(lines: int = 200_000) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log = AppLog()
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stream:
        thread = log.pump(stream, "stdout", str)
        with os.fdopen(write, "wb") as out:
            line = b"z" * 10_000 + b"\n"
            for _ in range(lines):
                out.write(line)
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return before, after


def main() -> None:
    before, after = chatty_log_rss_mb()
    print(
        f"AppLog after 200,000 lines of 10,000 chars (2 GB printed): max RSS {before:.0f} MB"
        f" -> {after:.0f} MB"
    )
    times = in_process_40mb()
    print(
        f"40 MB in-process response: median {statistics.median(times):.2f} s "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"FrameReader, one 53 MB frame in 64 KiB reads: {frame_reader_40mb():.2f} s")


if __name__ == "__main__":
    sys.exit(main())
