"""Rewrite the course map in README.md from the catalog (`make course-map`).

The block between the course-map markers is exactly what `mission lessons --markdown`
prints; tests/test_cli.py fails when the two differ.
"""

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- course-map:start -->\n", "<!-- course-map:end -->"

course_map = subprocess.run(
    [sys.executable, "-m", "mission_control", "lessons", "--markdown"],
    check=True,
    capture_output=True,
    text=True,
).stdout
text = README.read_text(encoding="utf-8")
before, rest = text.split(START)
_, after = rest.split(END)
README.write_text(before + START + course_map + END + after, encoding="utf-8")
print(f"README.md: course map updated ({course_map.count('| [')} lessons)")
