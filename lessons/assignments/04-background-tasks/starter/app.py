"""Lesson a04 · Task Manager with Background Tasks (your starter).

Fill in every TODO until `mission check a04` is all green. The lesson's README.md has the
contract each route must keep. Run the app with `python app.py` (or `flask --app app run`).
"""

import logging
import os
import re
import threading
import time

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
# Flask's logger inherits Python's default level, WARNING, which hides INFO lines.
app.logger.setLevel(logging.INFO)

# How long "sending" an e-mail takes, in seconds: it stands in for a slow mail server.
NOTIFY_DELAY = float(os.environ.get("NOTIFY_DELAY", "5"))

TITLE_MAX = 200
EMAIL_MAX = 254
# Plausible, not proven: one @, no spaces, a dot in the domain. Only sending proves more.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Request threads and notification threads change the same tasks: the lock makes each
# read-modify-write happen one at a time.
lock = threading.Lock()
tasks: dict[int, dict] = {}  # id -> {"id": 1, "title": ..., "user_email": ..., ...}
next_id = 1


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


def json_body() -> dict:
    """The request's JSON object; 415 if it was not sent as JSON, 400 if it is malformed."""
    data = request.get_json()
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


def send_notification(task_id: int, email: str, title: str) -> None:
    """Runs in its own thread, after the request that started it is over."""
    time.sleep(NOTIFY_DELAY)
    # TODO: log exactly  Notification SENT to <email>: task '<title>' completed.
    #   with app.logger.info(...), then set the task's "notification" to "sent"
    #   (hold the lock while you change the task).


@app.post("/tasks")
def create_task():
    # TODO: read the body with json_body(); check "title" (a string of 1-200 characters
    #   once stripped) and "user_email" (at most 254 characters, matching EMAIL with
    #   EMAIL.fullmatch); abort(400, description=...) otherwise.
    #   Store {"id", "title", "user_email", "completed": False, "notification": "none"}
    #   under the next id (hold the lock!) and answer 201 with the task and a
    #   Location header pointing at /tasks/<id>.
    return not_implemented("POST /tasks")


@app.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    # TODO: answer 200 with the task, or 404 if there is none with this id.
    return not_implemented("GET /tasks/<id>")


@app.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    # TODO: 404 for an unknown id; 409 if the task is already completed.
    #   Otherwise set "completed" to True and "notification" to "pending", start a
    #   threading.Thread that runs send_notification with this task's id, e-mail and
    #   title (args=...), and answer 200 with the task at once: do not wait for it.
    return not_implemented("POST /tasks/<id>/complete")


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
