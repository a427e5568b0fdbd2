"""``POST /reports`` queues a report and answers ``202`` at once, with where to follow it;
``GET /reports/<task_id>`` says how far the task is.

TODO (d11): both views; only ids this app gave out, to the user who asked, are answered
(a ReportRequest row), since Celery itself says PENDING for any id at all.
"""

from flask import Blueprint, jsonify

bp = Blueprint("reports", __name__)


@bp.post("")
def request_report():
    return jsonify(error="not_implemented", message="TODO (d11)"), 501


@bp.get("/<task_id>")
def report_status(task_id):
    return jsonify(error="not_implemented", message="TODO (d11)"), 501
