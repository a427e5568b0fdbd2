"""A primer's page (``kind = "primer"``): each question asked before its explanation, answered
by a plain form. It is the primer's lesson page, ``/lessons/p01``; ``/primer/p01`` leads there."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from mission_control.catalog import Lesson
from mission_control.hub.markdown import render
from mission_control.hub.services import store
from mission_control.primer import Answers, Primer, share_answered

bp = Blueprint("primer", __name__, url_prefix="/primer")


def primers() -> dict[str, Primer]:
    """Every primer of the catalog, by id (read once, when the hub starts)."""
    found: dict[str, Primer] = current_app.extensions["mission_primers"]
    return found


def _primer(primer_id: str) -> Primer:
    primer = primers().get(primer_id.strip().lower())
    if primer is None:
        abort(404, description=f"There is no primer called “{primer_id}”.")
    return primer


def page(lesson: Lesson) -> str:
    """The page of a primer lesson: its questions, and the explanations already earned."""
    primer = _primer(lesson.id)
    answers = Answers(store()).first(primer)
    explanations = {q.key: Markup(render(q.explanation)) for q in primer.questions}
    return render_template(
        "primer.html",
        primer=primer,
        answers=answers,
        explanations=explanations,
        progress=share_answered(primer, answers),
    )


@bp.get("/<primer_id>")
def show(primer_id: str) -> BaseResponse:
    """The primer's first address: its page is now its lesson page."""
    primer = _primer(primer_id)
    return redirect(url_for("lessons.show", lesson_id=primer.id), 301)


@bp.post("/<primer_id>/answer")
def answer(primer_id: str) -> BaseResponse:
    """Record an answer, then show its explanation (303 back to the question)."""
    primer = _primer(primer_id)
    key = request.form.get("question", "")
    choice = request.form.get("answer", "")
    question = primer.get(key)
    if question is None:
        abort(400, description="That question is not part of this primer.")
    if choice not in question.choices:
        abort(400, description="Choose one of the answers first, then press “Commit my answer”.")
    Answers(store()).record(primer, key, choice)
    return redirect(url_for("lessons.show", lesson_id=primer.id, _anchor=f"q-{key}"), 303)
