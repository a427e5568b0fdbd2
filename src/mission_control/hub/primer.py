"""The primer's page: each question asked before its explanation, answered by a plain form."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from mission_control.hub.markdown import render
from mission_control.hub.services import store
from mission_control.primer import Answers, Primer, share_answered

bp = Blueprint("primer", __name__, url_prefix="/primer")


def primers() -> list[Primer]:
    found: list[Primer] = current_app.extensions["mission_primers"]
    return found


def _primer(primer_id: str) -> Primer:
    primer = next((p for p in primers() if p.id == primer_id), None)
    if primer is None:
        abort(404, description=f"There is no primer called “{primer_id}”.")
    return primer


@bp.get("/<primer_id>")
def show(primer_id: str) -> str:
    primer = _primer(primer_id)
    answers = Answers(store()).first(primer)
    explanations = {q.key: Markup(render(q.explanation)) for q in primer.questions}
    return render_template(
        "primer.html",
        primer=primer,
        answers=answers,
        explanations=explanations,
        progress=share_answered(primer, answers),
    )


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
    return redirect(url_for("primer.show", primer_id=primer.id, _anchor=f"q-{key}"), 303)
