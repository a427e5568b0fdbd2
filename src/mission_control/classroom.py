"""``mission classroom``: a GitHub Classroom template repository for one assignment.

The template holds what ``mission start`` gives a learner (the starter with the lesson's
provided files laid over it), the lesson's README, and the class's GitHub flow: a workflow
that checks every push with the course's checker at a pinned version and reports points the
way GitHub Classroom's autograding reads them (the ``classroom-resources/
autograding-grading-reporter`` action decodes a runner's base64 result from
``<RUNNER>_RESULTS``; ``mission check --format classroom`` writes that result), a pull-request
template with the lesson's self-check list, and a peer-review checklist.

The workflow's name and single job name are the ones Classroom looks for.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from mission_control import __version__
from mission_control.catalog import Lesson

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "instance")
RUNNER = "checkpoints"

WORKFLOW = """\
name: Autograding Tests
on:
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Checkout the course's checker ({ref})
        uses: actions/checkout@v4
        with:
          repository: {course_repo}
          ref: {ref}
          path: .mission-course
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install the checker
        run: python -m pip install -e ./.mission-course
      - name: Run the checkpoints
        id: {runner}
        env:
          MISSION_PROGRESS_DB: ${{{{ runner.temp }}}}/progress.sqlite3
        run: |
          mission check {lesson} --path . --format classroom > "$RUNNER_TEMP/result.json" || true
          echo "result=$(base64 -w0 "$RUNNER_TEMP/result.json")" >> "$GITHUB_OUTPUT"
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {env_name}_RESULTS: "${{{{ steps.{runner}.outputs.result }}}}"
        with:
          runners: {runner}
"""


def contract_bullets(lesson: Lesson) -> list[str]:
    """The README's contract as a list: the bullets of the sections that state it (the
    lessons have no self-check list of their own yet)."""
    text = lesson.readme.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    wanted = [s for s in sections if re.match(r"(?i)(the )?contract|what .*build", s)]
    bullets = []
    for section in wanted or sections[1:2]:
        for line in section.splitlines():
            match = re.match(r"^[-*] (.+)", line)
            if match:
                bullets.append(" ".join(match.group(1).split()))
    return bullets


def write_template(lesson: Lesson, out: Path, course_repo: str, ref: str | None = None) -> Path:
    """Write the template repository into ``out`` (which must be empty or new)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    shutil.copytree(lesson.starter, out, ignore=IGNORE, dirs_exist_ok=True)
    if lesson.provided.is_dir():
        shutil.copytree(lesson.provided, out, ignore=IGNORE, dirs_exist_ok=True)
    shutil.copyfile(lesson.readme, out / "README.md")
    github = out / ".github"
    (github / "workflows").mkdir(parents=True)
    workflow = WORKFLOW.format(
        ref=ref or f"v{__version__}",
        course_repo=course_repo,
        lesson=lesson.id,
        runner=RUNNER,
        env_name=RUNNER.upper(),
    )
    (github / "workflows" / "classroom.yml").write_text(workflow, encoding="utf-8")
    checks = "\n".join(f"- [ ] {bullet}" for bullet in contract_bullets(lesson))
    (github / "pull_request_template.md").write_text(
        f"## {lesson.id} · {lesson.title}\n\nWhat this change does:\n\n"
        f"### Self-check (the README's contract)\n\n{checks}\n\n"
        f"- [ ] `mission check {lesson.id} --path .` passes on my machine\n",
        encoding="utf-8",
    )
    (out / "REVIEW.md").write_text(
        f"# Peer review: {lesson.id} · {lesson.title}\n\n"
        "Review a classmate's pull request. Be kind and specific: quote the line.\n\n"
        "- [ ] I ran their app and tried one request from the README myself\n"
        "- [ ] Each route answers what the README's contract says (status, JSON)\n"
        "- [ ] Bad input gets a clear JSON error, never a 500\n"
        "- [ ] Names say what things are; no dead code or leftover prints\n"
        "- [ ] One thing I learnt from their code:\n"
        "- [ ] One suggestion, with why:\n",
        encoding="utf-8",
    )
    (out / ".gitignore").write_text("__pycache__/\n*.pyc\ninstance/\n.mission-course/\n")
    return out
