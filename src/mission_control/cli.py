"""``mission``: start a lesson, check it, watch your progress, open the hub.

mission lessons                      the course map with your progress
mission start a01 [--dir DIR]        copy the starter into workspace/ (never overwrites)
mission start d07 --from d06         carry on with your own d06 app, plus d07's new files
mission check a01                    check your copy (or --path, --solution, --url; --serve)
mission check d14 --app django       one app of a lesson with several (a row per app without it)
mission compare d14 --solution       the apps of d14 side by side: code, start-up, requests/s, p99
mission progress [a01]               bars, first passes and regressions
mission reflect a01                  tick self-checks, write reflections ($EDITOR or stdin)
mission portfolio --out DIR          your lessons as Markdown pages for a GitHub Pages blog
mission quiz p01                     the primer's questions, in the terminal
mission notebook a01                 the lesson as a Jupyter notebook beside your copy
mission serve                        the Mission Control hub on http://127.0.0.1:8765
mission dev check a01 [--only ...]   (lesson authors) prove the lesson's invariants
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mission_control import __version__
from mission_control.catalog import Catalog, CatalogError, Lesson, load_catalog, workspace_dir
from mission_control.check.report import FORMATS
from mission_control.ports import HUB_PORT, port_notice
from mission_control.progress import LessonProgress, ProgressStore

if TYPE_CHECKING:
    from mission_control.check.inventory import CheckpointInfo
    from mission_control.check.report import Report
    from mission_control.journal import Revision

STARTER_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "instance")
#: What is not carried over from a learner's earlier copy: caches, data, environments.
CONTINUE_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "instance", ".venv", "venv", ".git", ".pytest_cache", "*.backup-*"
)


def _catalog() -> Catalog:
    try:
        return load_catalog()
    except CatalogError as error:
        raise click.ClickException(str(error)) from None


def _lesson(catalog: Catalog, key: str) -> Lesson:
    lesson = catalog.get(key)
    if lesson is None:
        known = ", ".join(lesson.id for lesson in catalog)
        raise click.ClickException(
            f"There is no lesson '{key}'. Lessons: {known}. (`mission lessons` shows the map.)"
        )
    return lesson


def _code_lesson(catalog: Catalog, key: str) -> Lesson:
    """A lesson the checker runs: a primer has no code to start, check or grade, so asking
    for one says where its questions are instead."""
    lesson = _lesson(catalog, key)
    if not lesson.checkable:
        raise click.ClickException(lesson.not_checkable_message)
    return lesson


def _unicode_ok() -> bool:
    try:
        "█░✔".encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    full, empty = ("█", "░") if _unicode_ok() else ("#", ".")
    return full * filled + empty * (width - filled)


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mission")
def main() -> None:
    """Flask Mission Control: work through the course's lessons from the terminal."""


@main.command("lessons")
@click.option("--markdown", is_flag=True, help="Print the course map for README.md instead.")
def lessons_command(markdown: bool) -> None:
    """The course map: every lesson by phase, with your progress."""
    from mission_control.check.inventory import list_many

    catalog = _catalog()
    if markdown:
        click.echo(course_map_markdown(catalog), nl=False)
        return
    store = ProgressStore()
    listed = {
        lesson.id: infos for lesson, infos in zip(catalog, list_many(list(catalog)), strict=True)
    }
    primers = _primer_answers(catalog, store)
    for number, name, lessons in catalog.by_phase():
        click.secho(f"Phase {number} · {name}", bold=True)
        if not lessons:
            click.echo("  (lessons to come)")
        for lesson in lessons:
            if lesson.id in primers:  # progress is the share of its questions answered
                done, total = primers[lesson.id]
                status = f"{done:>2}/{total:<2} questions" if done else "  –  "
                click.echo(f"  {lesson.id:<8} {lesson.title:<42} {bar(done, total)} {status}")
                continue
            ids = [info.id for info in listed[lesson.id]]
            progress = store.progress(lesson.id, ids)
            status = f"{progress.passed:>2}/{len(ids):<2}" if progress.started else "  –  "
            click.echo(
                f"  {lesson.id:<8} {lesson.title:<42} {bar(progress.passed, len(ids))} {status}"
            )
        click.echo()
    click.echo("Start one with `mission start <id>`, then `mission check <id>`.")
    _warn_if_damaged(store)


def _primer_answers(catalog: Catalog, store: ProgressStore) -> dict[str, tuple[int, int]]:
    """Each primer's (answered, total) questions."""
    from mission_control.primer import answered, load_primers

    return {primer.id: answered(primer, store) for primer in load_primers(catalog)}


def _warn_if_damaged(store: ProgressStore) -> None:
    """Say once, on stderr, that the progress file could not all be read."""
    if store.damage:
        click.secho(store.damage, fg="yellow", err=True)


def course_map_markdown(catalog: Catalog) -> str:
    """The course map as README.md shows it: one table row per lesson, by phase."""
    lines: list[str] = []
    for number, name, lessons in catalog.by_phase():
        lines += ["", f"**Phase {number} · {name}**", ""]
        if not lessons:
            lines.append("_Lessons to come._")
            continue
        lines += ["| Lesson | Track | What you build |", "|---|---|---|"]
        for lesson in lessons:
            link = lesson.readme.relative_to(catalog.root).as_posix()
            summary = lesson.summary.replace("|", "\\|")
            lines.append(
                f"| [{lesson.id} · {lesson.title}]({link}) | {lesson.track_name} | {summary} |"
            )
    return "\n".join(lines[1:]) + "\n"


@main.command("start")
@click.argument("lesson_key", metavar="LESSON")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to put your copy (default: workspace/<lesson folder>).",
)
@click.option("--force", is_flag=True, help="Start over: move your current copy to a backup first.")
@click.option(
    "--from",
    "from_key",
    metavar="LESSON",
    help="Carry on with your own copy of the lesson this one continues (e.g. --from d06).",
)
def start_command(
    lesson_key: str, directory: Path | None, force: bool, from_key: str | None
) -> None:
    """Copy a lesson's starter into your workspace."""
    catalog = _catalog()
    lesson = _code_lesson(catalog, lesson_key)
    destination = (directory or workspace_dir(catalog) / lesson.slug).resolve()
    source = _continued_copy(catalog, lesson, from_key) if from_key else None
    backup = _make_room(destination, force)
    if source is None:
        shutil.copytree(lesson.starter, destination, ignore=STARTER_IGNORE, dirs_exist_ok=True)
        if lesson.provided.is_dir():  # the files the lesson gives, which the checker restores
            shutil.copytree(lesson.provided, destination, ignore=STARTER_IGNORE, dirs_exist_ok=True)
    if backup:
        click.echo(f"Your previous copy is safe in {backup}")
    if source is not None:
        _continue_from(lesson, source, destination)
    click.echo(f"Started {lesson.id} · {lesson.title} in {destination}")
    click.echo(f"Read the tutorial: {lesson.readme}")
    check = f"mission check {lesson.id}"
    if directory is not None:
        check += f" --path {destination}"
    click.echo(f"When you want feedback: {check}")


def _make_room(destination: Path, force: bool) -> Path | None:
    """Never overwrite a learner's work: refuse a folder that holds files unless ``force``,
    and then move it to a dated backup first (returned)."""
    if not destination.exists() or (destination.is_dir() and not any(destination.iterdir())):
        return None
    if not force:
        raise click.ClickException(
            f"{destination} already holds your work, so nothing was changed. To start "
            "over, add --force: your current copy is moved to a backup first."
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = destination.with_name(f"{destination.name}.backup-{stamp}")
    suffix = 1
    while backup.exists():
        suffix += 1
        backup = destination.with_name(f"{destination.name}.backup-{stamp}-{suffix}")
    destination.rename(backup)
    return backup


def _continued_copy(catalog: Catalog, lesson: Lesson, from_key: str) -> Path:
    """The learner's own copy of the lesson ``lesson`` continues, checked before anything
    is touched."""
    previous = _lesson(catalog, from_key)
    if lesson.continues != previous.id:
        grows = (
            f"{lesson.id} continues {lesson.continues}"
            if lesson.continues
            else f"{lesson.id} does not continue another lesson"
        )
        raise click.ClickException(
            f"{grows}, so it cannot start from your {previous.id} copy. Run "
            f"`mission start {lesson.id}` for its starter."
        )
    source = workspace_dir(catalog) / previous.slug
    if not source.is_dir() or not any(source.iterdir()):
        raise click.ClickException(
            f"There is no {previous.id} copy of yours at {source} to carry on with. Start "
            f"{lesson.id} from its starter instead: `mission start {lesson.id}`."
        )
    return source


def _continue_from(lesson: Lesson, source: Path, destination: Path) -> None:
    """The learner's own app (``source``), then every file of the lesson's starter and
    ``provided/`` that it does not have yet: their files are never replaced."""
    shutil.copytree(source, destination, ignore=CONTINUE_IGNORE, dirs_exist_ok=True)
    added: list[str] = []
    changed: list[str] = []
    for folder in (lesson.starter, lesson.provided):
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            relative = file.relative_to(folder)
            if not file.is_file() or any(
                STARTER_IGNORE(str(file.parent), [p]) for p in relative.parts
            ):
                continue
            target = destination / relative
            if target.exists():
                if folder == lesson.starter and target.read_bytes() != file.read_bytes():
                    changed.append(relative.as_posix())
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
            added.append(relative.as_posix())
    click.echo(f"Copied your own {lesson.continues} app from {source}")
    if added:
        click.echo(f"Added the files {lesson.id} introduces: {', '.join(added)}")
    if changed:
        click.echo(
            f"Kept your version of: {', '.join(changed)}. {lesson.id}'s README, \"What is new "
            f'since {lesson.continues}", says what to change in them.'
        )


@main.command("check")
@click.argument("lesson_key", metavar="LESSON")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Check this app folder.")
@click.option("--solution", is_flag=True, help="Check the lesson's reference solution.")
@click.option("--url", help="Check a server that is already running, e.g. http://127.0.0.1:8000.")
@click.option(
    "--serve",
    is_flag=True,
    help="Start the app with the lesson's run command and check it over HTTP.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON report (for teachers and CI)."
)
@click.option(
    "--record",
    is_flag=True,
    help="Count this run as your progress even though it checks another target than your "
    "workspace copy (--path, --url).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON report to FILE, once every process of the app has ended "
    "(for grading: the app cannot reach it).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    help="json (= --json), junit, gradescope (results.json), tap, classroom (GitHub Classroom).",
)
@click.option(
    "--extra-checkpoints",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Also run a teacher's own checkpoint files (test_*.py) from this folder.",
)
@click.option(
    "--events",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line to FILE as each checkpoint finishes (the hub's live view).",
)
@click.option(
    "--app",
    "app_name",
    metavar="NAME",
    help="For a lesson with several apps (d14: flask, django, fastapi): check this one only.",
)
@click.option("--ignore-prerequisites", is_flag=True, hidden=True)
@click.option("--reverse", is_flag=True, hidden=True)
def check_command(
    lesson_key: str,
    app_name: str | None,
    path: Path | None,
    solution: bool,
    url: str | None,
    serve: bool,
    as_json: bool,
    record: bool,
    output: Path | None,
    fmt: str,
    extra_checkpoints: Path | None,
    events: Path | None,
    ignore_prerequisites: bool,
    reverse: bool,
) -> None:
    """Run a lesson's checkpoints and say what works and what does not yet.

    By default your copy in workspace/ is checked in-process (your app imported in a child
    process), and only that check counts as your progress. Exit status 0 means every
    checkpoint passed; with --url, every checkpoint that can run at a URL.
    """
    from mission_control.check.render import TextRenderer
    from mission_control.check.runner import plan, run_check, unknown_lesson

    if sum(bool(choice) for choice in (path, solution, url)) > 1:
        raise click.UsageError("choose one of --path, --solution and --url")
    if url and serve:
        raise click.UsageError("--serve starts your app itself; --url checks one already running")
    if record and solution:
        raise click.UsageError("a check of the reference solution is never your progress")

    fmt = "json" if as_json else fmt
    catalog = _catalog()
    lesson = catalog.get(lesson_key)
    if lesson is None:
        if fmt != "text":
            from mission_control.check.formats import render

            sys.stdout.write(render(unknown_lesson(catalog, lesson_key), None, fmt))
            sys.exit(2)
        _lesson(catalog, lesson_key)
        return
    if not lesson.checkable:
        if fmt != "text":
            from mission_control.check.formats import render
            from mission_control.check.report import CheckError, ErrorKind

            report = unknown_lesson(catalog, lesson.id)
            report.error = CheckError(ErrorKind.UNKNOWN_LESSON, lesson.not_checkable_message)
            sys.stdout.write(render(report, None, fmt))
            sys.exit(2)
        _code_lesson(catalog, lesson_key)
    if url and lesson.apps and not app_name:
        names = ", ".join(lesson.app_names)
        raise click.UsageError(f"--url checks one server: say which app it is with --app ({names})")
    views = _app_views(lesson, app_name)
    requests = [
        plan(
            catalog,
            view,
            path=path,
            solution=solution,
            url=url,
            serve=serve,
            ignore_prerequisites=ignore_prerequisites,
            reverse=reverse,
            extra_checkpoints=extra_checkpoints,
            events=events.resolve() if events else None,
        )
        for view in views
    ]
    request = requests[0]
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        reports = [run_check(one) for one in requests]
    except KeyboardInterrupt:
        click.echo("Interrupted: your app was stopped and nothing was recorded.", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if len(reports) > 1:
        from mission_control.check.report import merge_reports

        report = merge_reports(reports)  # one run of the lesson: progress, the hub, --json
    else:
        report = reports[0]
    # One app of several is a part of the lesson: it is never recorded as its progress.
    recorded = counts_as_progress(request.source, record) and not (lesson.apps and app_name)
    if recorded:
        try:
            ProgressStore().record(report, str(request.source))
        except Exception as exc:
            click.echo(f"(Could not save this run to your progress: {exc})", err=True)
    notice = _port_notice(report, views[0]) if request.url is None else None
    if output is not None:
        write_report(output, report.to_dict())
    if notice:  # on stderr unless the learner reads text
        click.echo(notice, err=fmt != "text")
    if fmt == "text":
        renderer = TextRenderer()
        for one in reports:
            renderer.render(one)
        if len(reports) > 1:
            renderer.app_rows(reports)
    else:
        name = request.app_dir.name if request.app_dir else str(url)
        from mission_control.check.formats import render

        sys.stdout.write(render(report, lesson, fmt, name=name))
        sys.stdout.flush()
    if not recorded:  # on stderr, so stdout stays the report
        why = _NOT_RECORDED[request.source]
        if lesson.apps and app_name and request.source == "workspace":
            why = f"it checked the {app_name} app only; check every app to count it"
        click.echo(f"(Not recorded as your progress: {why}.)", err=True)
    sys.exit(0 if all(one.ok for one in reports) else 1)


def _app_views(lesson: Lesson, app_name: str | None) -> list[Lesson]:
    """The lesson as each app to check sees it: every app of a lesson with several
    (``[[apps]]``), or the one ``--app`` names; the lesson itself when it has one app."""
    if not lesson.apps:
        if app_name:
            raise click.UsageError(
                f"{lesson.id} has one app; --app is for lessons with several (such as d14)"
            )
        return [lesson]
    if app_name is None:
        return [lesson.for_app(name) for name in lesson.app_names]
    try:
        return [lesson.for_app(app_name)]
    except KeyError as error:
        raise click.UsageError(str(error.args[0])) from None


_NOT_RECORDED = {
    "path": "it checked another folder than your workspace copy; add --record to count it",
    "url": "it checked a server at a URL; add --record to count it",
    "solution": "it checked the reference solution",
    "workspace": "",
}


def counts_as_progress(source: str, record: bool) -> bool:
    """Whether a run is the learner's progress: a check of their workspace copy always is;
    another folder or a URL only when they ask (``--record``); the solution never."""
    if source == "workspace":
        return True
    return record and source != "solution"


def _port_notice(report: Report, lesson: Lesson) -> str | None:
    """The one-line notice when the lesson's port is taken, if the report shows curl lines
    (which point at that port)."""
    if not any(result.curl for result in report.results):
        return None
    return port_notice(lesson.port, lesson.id)


def write_report(path: Path, data: dict[str, Any]) -> None:
    """Write a report whole or not at all (a temporary file renamed over ``path``). It is
    called after run_check, which returns only once the app's whole process tree is dead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@main.command("progress")
@click.argument("lesson_key", metavar="[LESSON]", required=False)
def progress_command(lesson_key: str | None) -> None:
    """Your progress: a bar per lesson, first passes, regressions and your latest
    reflections; a primer's share of questions answered."""
    from mission_control.check.inventory import list_many
    from mission_control.journal import Journal

    catalog = _catalog()
    store = ProgressStore()
    lessons = [_lesson(catalog, lesson_key)] if lesson_key else list(catalog)
    primers = _primer_answers(catalog, store)
    journal = Journal(store)
    shown = 0
    for lesson, infos in zip(lessons, list_many(lessons), strict=True):
        if lesson.id in primers:
            done, total = primers[lesson.id]
            if done or lesson_key:
                shown += 1
                click.secho(
                    f"{lesson.id:<8} {lesson.title:<40} {bar(done, total)} {done}/{total} "
                    "questions answered",
                    bold=True,
                )
                if done < total:
                    click.echo(f"         the rest: `mission quiz {lesson.id}` or the hub")
            continue
        progress = store.progress(lesson.id, [info.id for info in infos])
        reflection = journal.latest(lesson.id)
        if not progress.started and reflection is None and not lesson_key:
            continue
        shown += 1
        _show_progress(lesson, progress, infos, detailed=bool(lesson_key))
        _show_reflection(lesson, reflection, detailed=bool(lesson_key))
    if not shown:
        click.echo(
            "No checks yet. Start with `mission start d04` (your first Flask app), then "
            "`mission check d04`."
        )
    elif not lesson_key:
        _show_journey(catalog, store)
    _warn_if_damaged(store)


def _show_reflection(lesson: Lesson, latest: Revision | None, detailed: bool) -> None:
    """The latest saved self-checks and reflections: a line, or (for one lesson) the texts."""
    if latest is None:
        return
    written = [(prompt, text) for prompt, text in latest.answers.items() if text.strip()]
    click.echo(
        f"         reflection saved {_date(latest.at)}: {len(latest.ticked)} of "
        f"{len(lesson.self_checks)} self-checks ticked, {len(written)} of "
        f"{len(lesson.reflection_prompts)} prompts answered"
    )
    if detailed:
        for prompt, text in written:
            click.echo(f"\n  {prompt}")
            click.echo("    " + text.strip().replace("\n", "\n    "))


def _show_journey(catalog: Catalog, store: ProgressStore) -> None:
    """The phases, the next suggested lesson and the last runs (as the hub's /progress)."""
    from mission_control.journey import journey

    course = journey(catalog, store, last_runs=5)
    click.echo()
    for phase in course.phases:
        if not phase.lessons:
            continue
        cleared = "  cleared" if phase.cleared else ""
        click.echo(
            f"Phase {phase.number} · {phase.name:<30} {bar(phase.passing, len(phase.lessons))} "
            f"{phase.passing}/{len(phase.lessons)} lessons pass{cleared}"
        )
    if course.suggested:
        click.echo(f"Next suggested: {course.suggested.id} · {course.suggested.title}")
    click.echo("Last runs:")
    for run in course.last_runs:
        trouble = f" (could not run: {run.error_kind})" if run.error_kind else ""
        click.echo(
            f"  {_date(run.at)}  {run.lesson:<6} {run.passed} passed, {run.failed} failed, "
            f"{run.skipped} skipped{trouble}"
        )


def _show_progress(
    lesson: Lesson, progress: LessonProgress, infos: list[CheckpointInfo], detailed: bool
) -> None:
    click.secho(
        f"{lesson.id:<8} {lesson.title:<40} {bar(progress.passed, progress.total)} "
        f"{progress.passed}/{progress.total}",
        bold=True,
    )
    if progress.last_run is None:
        click.echo(f"         not checked yet: `mission check {lesson.id}`")
        return
    click.echo(f"         last checked {_date(progress.last_run.at)}")
    if progress.completed_at:
        click.echo(f"         completed {_date(progress.completed_at)} (every checkpoint passed)")
    titles = {info.id: info.title for info in infos}
    for checkpoint in progress.regressions:
        click.secho(
            f"         regression: {titles.get(checkpoint, checkpoint)} passed on "
            f"{_date(progress.first_passed[checkpoint])}, and does not pass now",
            fg="red",
        )
    if detailed:
        click.echo()
        for info in infos:
            latest = progress.latest.get(info.id)
            status = latest.status if latest else "not run"
            first = progress.first_passed.get(info.id)
            since = f"first passed {_date(first)}" if first else "not passed yet"
            click.echo(f"  {status:<8} {info.title}  ({since})")


@main.command("reflect")
@click.argument("lesson_key", metavar="LESSON")
def reflect_command(lesson_key: str) -> None:
    """Tick your self-checks and write your reflections, in $EDITOR (or from stdin).

    The text has one "- [ ]" line per statement (put an x in the ones you can do) and one
    "## " section per prompt; each save is a new revision, as on the hub.
    """
    from mission_control.journal import Journal, edit_text, parse_text

    lesson = _lesson(_catalog(), lesson_key)
    if not (lesson.self_checks or lesson.reflection_prompts):
        raise click.ClickException(f"{lesson.id} has no self-checks or reflections yet.")
    journal = Journal(ProgressStore())
    latest = journal.latest(lesson.id)
    text = edit_text(lesson, latest)
    if sys.stdin.isatty():
        edited = click.edit(text, extension=".md")
        if edited is None:
            click.echo("Nothing saved (the editor was closed without saving).")
            return
    else:
        edited = sys.stdin.read()
    ticked, answers = parse_text(lesson, edited)
    revision = journal.save(lesson.id, ticked, answers, latest.id if latest else None)
    click.echo(
        f"Saved revision {revision.id}: {len(ticked)} of {len(lesson.self_checks)} "
        f"self-checks ticked, {sum(bool(a.strip()) for a in answers.values())} of "
        f"{len(lesson.reflection_prompts)} reflections written."
    )


@main.command("portfolio")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to write (a GitHub Pages blog's folder, for example).",
)
@click.option("--code-url", default="", help="Where your code is published (a GitHub tree URL).")
def portfolio_command(out: Path, code_url: str) -> None:
    """Write your portfolio: one Markdown page per lesson plus an index, for GitHub Pages."""
    from mission_control.portfolio import write_portfolio

    catalog = _catalog()
    store = ProgressStore()
    written = write_portfolio(catalog, store, out, workspace_dir(catalog), code_url)
    click.echo(f"Wrote {len(written)} pages to {out} (index.md and one per lesson you worked on).")
    _warn_if_damaged(store)


@main.command("quiz")
@click.argument("primer_key", metavar="PRIMER")
def quiz_command(primer_key: str) -> None:
    """Answer a primer's questions (p01) in the terminal; each explanation follows your answer."""
    from mission_control.primer import Answers, load_primers, share_answered

    catalog = _catalog()
    found = {primer.id: primer for primer in load_primers(catalog)}
    lesson = catalog.get(primer_key)
    primer = found.get(lesson.id) if lesson is not None else None
    if primer is None:
        code = f" ({lesson.id} has code to write: `mission start {lesson.id}`.)" if lesson else ""
        raise click.ClickException(
            f"There is no primer '{primer_key}'. Primers: {', '.join(found) or 'none'}.{code}"
        )
    answers = Answers(ProgressStore())
    given = answers.first(primer)
    click.secho(f"{primer.id} · {primer.title}", bold=True)
    for question in primer.questions:
        if question.key in given:
            continue
        click.echo()
        click.secho(question.title, bold=True)
        for number, choice in enumerate(question.choices, 1):
            click.echo(f"  {number}. {choice}")
        picked = click.prompt(
            question.question, type=click.IntRange(1, len(question.choices)), err=True
        )
        choice = question.choices[picked - 1]
        answers.record(primer, question.key, choice)
        if question.correct is not None:
            verdict = "right" if choice == question.correct else "not quite"
            click.echo(f"{verdict}: it is {question.correct.lower()}.")
        click.echo(question.explanation)
    done, total = share_answered(primer, answers.first(primer))
    click.echo(f"\n{done} of {total} questions answered. Next: `mission start d04`.")


@main.command("notebook")
@click.argument("lesson_key", metavar="LESSON")
def notebook_command(lesson_key: str) -> None:
    """Write a Jupyter notebook of the lesson beside your copy: its tutorial, the walk-through
    requests to your running app, a cell that runs the checkpoints, and the reflections."""
    from mission_control.notebook import write_notebook

    catalog = _catalog()
    lesson = _code_lesson(catalog, lesson_key)
    folder = workspace_dir(catalog) / lesson.slug
    if not folder.is_dir():
        raise click.ClickException(
            f"You have not started {lesson.id} yet: run `mission start {lesson.id}` first."
        )
    path = write_notebook(lesson, folder)
    click.echo(f"Wrote {path}. Start your app ({lesson.run} in {folder}), then run the cells.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=int, default=None, help=f"Default: $PORT, else {HUB_PORT} (no lesson uses it)."
)
def serve_command(host: str, port: int | None) -> None:
    """Open Mission Control, the course hub, in your browser."""
    from mission_control.hub import create_app

    port = port or int(os.environ.get("PORT") or HUB_PORT)
    app = create_app()
    click.echo(f"Mission Control is at http://{host}:{port}/ (Ctrl-C to stop)")
    # Stopped by SIGTERM as by Ctrl-C: the interpreter exits normally, so the hub's exit
    # handler stops every check it started (their processes are in sessions of their own).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app.run(host=host, port=port, debug=False, load_dotenv=False)
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["mission_runs"].stop_all()


# -- for lesson authors ------------------------------------------------------------------------


@main.command("compare")
@click.argument("lesson_key", metavar="LESSON")
@click.option("--solution", is_flag=True, help="Compare the reference solutions.")
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Compare the apps in this folder (default: your workspace copy).",
)
@click.option(
    "--requests",
    "total",
    type=click.IntRange(1, 20000),
    default=2000,
    show_default=True,
    help="GET /api/v1/posts requests per app, over all rounds.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="Clients."
)
@click.option(
    "--rounds", type=click.IntRange(1, 20), default=4, show_default=True, help="Interleaved."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def compare_command(
    lesson_key: str,
    solution: bool,
    path: Path | None,
    total: int,
    concurrency: int,
    rounds: int,
    as_json: bool,
) -> None:
    """Measure a lesson's apps side by side (d14: Flask, Django, FastAPI): files and lines
    of code, start-up time, and requests per second and p99 of GET /api/v1/posts, each
    under its production server, in interleaved rounds. Figures to read, not a grade."""
    from mission_control.compare import CompareError, compare, table, to_json

    if solution and path:
        raise click.UsageError("choose one of --solution and --path")
    catalog = _catalog()
    lesson = _lesson(catalog, lesson_key)
    if not lesson.apps:
        raise click.UsageError(
            f"{lesson.id} has one app; compare is for lessons with several (such as d14)"
        )
    if solution:
        source = lesson.solution
    else:
        source = path.resolve() if path else workspace_dir(catalog) / lesson.slug
    if not as_json:
        click.echo(
            f"Comparing {lesson.id} in {source}: {total} requests per app, {concurrency} "
            f"clients, {rounds} interleaved rounds…",
            err=True,
        )
    try:
        figures = compare(lesson, source, requests=total, concurrency=concurrency, rounds=rounds)
    except CompareError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        settings = {"requests": total, "concurrency": concurrency, "rounds": rounds}
        click.echo(to_json(figures, settings))
        return
    click.echo(table(figures))
    click.echo(
        "\nLines: .py and templates, blank lines and migrations left out. Requests/s: the "
        "median of the rounds; p50/p99 over every request. Your machine, this run: compare "
        "the apps with each other, not with other machines."
    )


@main.group("dev")
def dev_group() -> None:
    """Tools for lesson authors."""


@dev_group.command("check")
@click.argument("lesson_key", metavar="LESSON")
@click.option(
    "--only",
    type=click.Choice(["solution", "starter", "variants", "walkthrough", "primer"]),
    help="Check one invariant only.",
)
def dev_check_command(lesson_key: str, only: str | None) -> None:
    """Prove a lesson's invariants: the solution passes every checkpoint (in order and in
    reverse), the starter none, each variant is caught, the README walk-through holds."""
    from mission_control import dev

    lesson = _lesson(_catalog(), lesson_key)
    click.echo(f"{lesson.id} · {lesson.title}")
    holds = True
    for name in [only] if only else dev.invariants_for(lesson):
        findings = dev.check_lesson(lesson, name)
        if not findings:
            click.echo(f"- {name}: nothing to check in this lesson")
        for finding in findings:
            holds = holds and finding.ok
            mark = click.style("✔", fg="green") if finding.ok else click.style("✘", fg="red")
            click.echo(f"{mark} {finding.check}")
            if not finding.ok:
                click.echo("    " + finding.explanation.replace("\n", "\n    "))
    if not holds:
        sys.exit(1)


# -- for teachers ------------------------------------------------------------------------------


@main.command("grade")
@click.argument("lesson_key", metavar="LESSON")
@click.argument("submissions", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Default: ./grades-<lesson>.",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Checks at a time (default: the cores).")
@click.option(
    "--roster",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A CSV with folder,name columns.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    help="Seconds one submission may take.",
)
@click.option("--force", is_flag=True, help="Re-check every submission, changed or not.")
@click.option(
    "--extra-checkpoints",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Also run your own checkpoint files (test_*.py) from this folder.",
)
@click.option(
    "--reveal-hidden", is_flag=True, help="Keep the details of hidden checkpoints in the reports."
)
def grade_command(
    lesson_key: str,
    submissions: Path,
    out: Path | None,
    jobs: int | None,
    roster: Path | None,
    timeout: float,
    force: bool,
    extra_checkpoints: Path | None,
    reveal_hidden: bool,
) -> None:
    """Grade every sub-folder of SUBMISSIONS: grades.csv, junit.xml, report.html and a JSON
    report per submission in --out. Nothing is recorded into your progress."""
    from mission_control import grade

    lesson = _code_lesson(_catalog(), lesson_key)
    found = grade.find_submissions(submissions, roster)
    if not found:
        raise click.ClickException(f"There are no submission folders in {submissions}.")
    out = (out or Path(f"grades-{lesson.id}")).resolve()
    items = grade.grade(
        lesson,
        found,
        out,
        jobs=jobs,
        force=force,
        timeout=timeout,
        extra_checkpoints=extra_checkpoints,
        reveal_hidden=reveal_hidden,
        progress=sys.stderr,
    )
    for line in grade.summary_lines(lesson, items):
        click.echo(line)
    click.echo(f"\nGrades in {out}: grades.csv, junit.xml, report.html, reports/")


@main.command("classroom")
@click.argument("lesson_key", metavar="LESSON")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--course-repo",
    default="OWNER/flask-mission-control",
    show_default=True,
    help="The GitHub repository of this course, whose checker the workflow installs.",
)
@click.option("--ref", help="The tag or commit of the checker to pin (default: v<version>).")
def classroom_command(lesson_key: str, out: Path, course_repo: str, ref: str | None) -> None:
    """Write a GitHub Classroom template repository for one assignment."""
    from mission_control.classroom import write_template

    lesson = _code_lesson(_catalog(), lesson_key)
    try:
        write_template(lesson, out, course_repo, ref)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc}: choose a new folder.") from None
    click.echo(f"Template for {lesson.id} in {out}: push it to GitHub, mark it a template,")
    click.echo("and choose it when you create the assignment in GitHub Classroom.")
