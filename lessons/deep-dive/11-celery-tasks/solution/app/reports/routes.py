"""``POST /reports`` queues a report and answers ``202`` at once, with where to follow it;
``GET /reports/<task_id>`` says how far the task is. Only ids this app gave out, to the user
who asked, are answered: Celery itself would say PENDING for any id at all."""

import uuid

from flask import Blueprint, jsonify, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import ReportRequest
from app.tasks import send_report

bp = Blueprint("reports", __name__)


@bp.post("")
@login_required
def request_report():
    task_id = str(uuid.uuid4())
    db.session.add(ReportRequest(task_id=task_id, user_id=current_user.id))
    db.session.commit()  # known before the worker can finish it
    send_report.apply_async(args=[current_user.id], task_id=task_id)
    response = jsonify(task_id=task_id, state="PENDING")
    response.status_code = 202
    response.headers["Location"] = url_for("reports.report_status", task_id=task_id)
    return response


@bp.get("/<task_id>")
@login_required
def report_status(task_id):
    known = db.session.scalar(
        select(ReportRequest).filter_by(task_id=task_id, user_id=current_user.id)
    )
    if known is None:
        return jsonify(error="not_found", message="There is no report with this id."), 404
    result = send_report.AsyncResult(task_id)
    body = {"state": result.state}
    if result.successful():
        body["result"] = result.result
    elif result.failed():
        body["error"] = str(result.result)
    return jsonify(body)
