"""A learner's portfolio: one Markdown file per lesson plus an index, for a GitHub Pages blog.

Each lesson's page has Jekyll front matter (layout, title, date, tags) and says where the
learner stands: status, first pass, every checkpoint, the self-checks they ticked, their
reflections and links to their code. Reflections are the learner's own Markdown, so they are
quoted (every line inside a ``>`` block, which keeps their headings and rules from breaking
the page's own structure), raw HTML is escaped, and Liquid's ``{{``/``{%`` are escaped so
Jekyll prints them instead of running them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mission_control.catalog import Catalog
from mission_control.journal import Journal, Revision
from mission_control.journey import LessonStanding, journey
from mission_control.progress import ProgressStore

CODE_SUFFIXES = (".py", ".html", ".css", ".js", ".toml", ".txt", ".md")
SKIPPED_FOLDERS = {"__pycache__", "instance", ".venv", "node_modules"}


def write_portfolio(
    catalog: Catalog, store: ProgressStore, out: Path, workspace: Path, code_url: str = ""
) -> list[Path]:
    """Write ``index.md`` and one ``<id>.md`` per lesson into ``out``; the files written.

    ``code_url`` is where the learner's code is published (a GitHub tree URL); without it the
    links are relative to ``workspace/`` as a sibling of the portfolio folder.
    """
    out.mkdir(parents=True, exist_ok=True)
    journal = Journal(store)
    written = []
    rows = []
    for standing in journey(catalog, store).lessons:
        revision = journal.latest(standing.lesson.id)
        if not standing.progress.started and revision is None:
            continue
        path = out / f"{standing.lesson.id}.md"
        page = lesson_page(standing, revision, workspace, code_url or "../workspace")
        path.write_text(page, encoding="utf-8")
        written.append(path)
        rows.append(
            f"| [{standing.lesson.id} · {_cell(standing.lesson.title)}]({standing.lesson.id}.md) "
            f"| {_status(standing)} | {standing.progress.passed}/{standing.progress.total} |"
        )
    index = out / "index.md"
    body = [
        _front_matter({"layout": "page", "title": "My Flask Mission Control portfolio"}),
        "The lessons I worked on, with what my code does and what I learned.",
        "",
        "| Lesson | Status | Checkpoints |",
        "|---|---|---|",
        *rows,
        "",
    ]
    if not rows:
        body[-1:] = ["", "Nothing here yet: check a lesson first.", ""]
    index.write_text("\n".join(body), encoding="utf-8")
    return [index, *written]


def lesson_page(
    standing: LessonStanding, revision: Revision | None, workspace: Path, code: str
) -> str:
    """One lesson's portfolio page."""
    lesson, progress = standing.lesson, standing.progress
    when = standing.first_pass or (progress.last_run.at if progress.last_run else None)
    when = when or (revision.at if revision else datetime.now(UTC))
    first_pass = f"{standing.first_pass:%Y-%m-%d}" if standing.first_pass else "not yet"
    lines = [
        _front_matter(
            {
                "layout": "post",
                "title": f"{lesson.id} · {lesson.title}",
                "date": when.strftime("%Y-%m-%d %H:%M:%S +0000"),
                "tags": ["flask", lesson.id, lesson.track],
                "status": _status(standing),
            }
        ),
        f"**Status:** {_status(standing)}, {progress.passed} of {progress.total} checkpoints.",
        "",
        f"**First passed:** {first_pass}",
        "",
        "## Checkpoints",
        "",
        "| Checkpoint | Status | First passed |",
        "|---|---|---|",
    ]
    for info in standing.checkpoints:
        latest = progress.latest.get(info.id)
        first = progress.first_passed.get(info.id)
        status = latest.status if latest else "not run"
        since = f"{first:%Y-%m-%d}" if first else "–"
        lines.append(f"| {_cell(info.title)} | {status} | {since} |")
    if lesson.self_checks:
        ticked = set(revision.ticked) if revision else set()
        lines += ["", "## What I can do", ""]
        lines += [f"- [{'x' if s in ticked else ' '}] {_inline(s)}" for s in lesson.self_checks]
    if lesson.reflection_prompts:
        lines += ["", "## Reflections", ""]
        answers = revision.answers if revision else {}
        for prompt in lesson.reflection_prompts:
            lines += [f"### {_inline(prompt)}", "", quote(answers.get(prompt, "")), ""]
    files = code_files(workspace / lesson.slug)
    if files:
        lines += ["", "## My code", ""]
        lines += [f"- [`{name}`]({code.rstrip('/')}/{lesson.slug}/{name})" for name in files]
    return "\n".join(lines).rstrip() + "\n"


def quote(text: str) -> str:
    """A reflection as a blockquote that cannot break the page (see the module docstring)."""
    text = text.strip()
    if not text:
        return "> *(not written yet)*"
    safe = _no_liquid(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "\n".join(f"> {line}".rstrip() for line in safe.splitlines())


def code_files(folder: Path) -> list[str]:
    """The learner's own files in their copy, relative, sorted (caches and venvs left out)."""
    if not folder.is_dir():
        return []
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix in CODE_SUFFIXES
        and not SKIPPED_FOLDERS.intersection(path.relative_to(folder).parts)
    )


def _status(standing: LessonStanding) -> str:
    if standing.passing:
        return "complete"
    return "in progress" if standing.progress.started else "not checked yet"


def _front_matter(values: dict[str, object]) -> str:
    """YAML front matter; every value written as JSON, which YAML reads as it is."""
    body = "\n".join(
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()
    )
    return f"---\n{body}\n---\n"


def _no_liquid(text: str) -> str:
    return text.replace("{{", "&#123;&#123;").replace("{%", "&#123;%")


def _inline(text: str) -> str:
    """Course text on one line (a title, a prompt): HTML and Liquid escaped."""
    return _no_liquid(text.replace("<", "&lt;").replace("\n", " "))


def _cell(text: str) -> str:
    """Text in a table cell: a pipe would end the cell."""
    return _inline(text).replace("|", "\\|")
