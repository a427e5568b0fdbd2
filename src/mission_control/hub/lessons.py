"""One lesson: its tutorial, how to work on it, its checkpoints with the latest results, and
the learner's self-checks and reflections (saved as revisions, previewed before saving)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from mission_control.catalog import Lesson
from mission_control.hub import primer
from mission_control.hub.markdown import render, render_file
from mission_control.hub.services import catalog, lesson_view, store
from mission_control.journal import Journal
from mission_control.ports import HUB_PORT, listening

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


def _lesson(lesson_id: str) -> Lesson:
    lesson = catalog().get(lesson_id)
    if lesson is None:
        abort(404, description=f"There is no lesson called “{lesson_id}”.")
    return lesson


@bp.get("/<lesson_id>")
def show(lesson_id: str) -> str:
    lesson = _lesson(lesson_id)
    if lesson.kind == "primer":  # questions and explanations, no code to check
        return primer.page(lesson)
    return _page(lesson)


def _page(
    lesson: Lesson,
    *,
    draft: tuple[list[str], dict[str, str], int | None] | None = None,
    previews: Mapping[str, Markup] | None = None,
) -> str:
    """The lesson page; ``draft`` (ticks, answers, base revision) is a posted, unsaved form."""
    view = lesson_view(lesson)
    tutorial = Markup(render_file(lesson.readme)) if lesson.readme.is_file() else None
    folder = Path(current_app.config["WORKSPACE"]) / lesson.slug
    clash = request.host.rpartition(":")[2] == str(lesson.port)
    journal = Journal(store())
    latest = journal.latest(lesson.id)
    if draft is None:
        ticked = list(latest.ticked) if latest else []
        answers = dict(latest.answers) if latest else {}
        base = latest.id if latest else None
    else:
        ticked, answers, base = draft
    return render_template(
        "lesson.html",
        view=view,
        lesson=lesson,
        tutorial=tutorial,
        hub_port=HUB_PORT,
        port_clash=clash,
        folder=folder,
        started=folder.exists(),
        port_taken=not clash and listening(lesson.port),
        latest=latest,
        revisions=len(journal.history(lesson.id)),
        ticked=ticked,
        answers=answers,
        base=base,
        previews=previews or {},
        saved=request.args.get("saved"),
        merged=request.args.get("merged") == "1",
    )


@bp.post("/<lesson_id>/reflect")
def reflect(lesson_id: str) -> str | BaseResponse:
    """Save the self-checks and reflections as a new revision, or show a preview unsaved."""
    lesson = _lesson(lesson_id)
    if not (lesson.self_checks or lesson.reflection_prompts):
        abort(404, description=f"{lesson.id} has no self-checks or reflections to save.")
    ticked = [s for s in request.form.getlist("ticked") if s in lesson.self_checks]
    answers = {
        prompt: request.form.get(f"answer-{number}", "").replace("\r\n", "\n")
        for number, prompt in enumerate(lesson.reflection_prompts, 1)
    }
    base_text = request.form.get("base", "")
    base = int(base_text) if base_text.isdigit() else None
    if request.form.get("action") == "preview":
        previews = {prompt: Markup(render(text)) for prompt, text in answers.items() if text}
        return _page(lesson, draft=(ticked, answers, base), previews=previews)
    revision = Journal(store()).save(lesson.id, ticked, answers, base)
    target = url_for(
        "lessons.show",
        lesson_id=lesson.id,
        saved=revision.id,
        merged=int(revision.merged),
        _anchor="reflect-title",
    )
    return redirect(target, 303)
