"""Lesson a04 · Task Manager with Background Tasks (reference solution).

A JSON API for tasks, kept in memory. Completing a task answers at once; a background
thread "sends" the completion e-mail NOTIFY_DELAY seconds later and logs it, and the task's
"notification" field shows how far that got: "none", then "pending", then "sent".
"""

import logging
import os
import re
import threading
import time

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's int converter matches \\d, which also takes other scripts' digits (the
    Arabic-Indic "١" is 1 to int()); a task id is written in 0-9 only."""

    regex = r"[0-9]+"


app = Flask(__name__)
app.url_map.converters["int"] = AsciiIntegerConverter  # before any route is added
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
tasks: dict[int, dict] = {}
next_id = 1


def json_body() -> dict:
    """The request's JSON object; 415 if it was not sent as JSON, 400 if it is malformed."""
    try:
        data = request.get_json()  # raises 415 or 400 for us, answered by json_error below
    except RecursionError:  # JSON nested thousands of levels deep is not a ValueError
        abort(400, description="The body is nested too deeply.")
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


def clean_task(data: dict) -> dict:
    """The valid fields of a new task; abort with 400 at the first invalid one."""
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        abort(400, description="'title' must be a non-empty string.")
    if len(title.strip()) > TITLE_MAX:
        abort(400, description=f"'title' must be at most {TITLE_MAX} characters.")
    email = data.get("user_email")
    if not isinstance(email, str) or len(email) > EMAIL_MAX or not EMAIL.fullmatch(email):
        abort(400, description="'user_email' must be an e-mail address like ada@example.com.")
    return {"title": title.strip(), "user_email": email}


def find(task_id: int) -> dict:
    task = tasks.get(task_id)
    if task is None:
        abort(404, description=f"There is no task with id {task_id}.")
    return task


def send_notification(task_id: int, email: str, title: str) -> None:
    """Runs in its own thread: wait for the "mail server", log the e-mail, mark it sent.

    It gets everything it needs as arguments: it runs after the request is over, so it
    cannot use `request`, and reading shared variables later could find another task.
    """
    time.sleep(NOTIFY_DELAY)
    app.logger.info("Notification SENT to %s: task '%s' completed.", email, title)
    with lock:
        tasks[task_id]["notification"] = "sent"


@app.post("/tasks")
def create_task():
    global next_id
    fields = clean_task(json_body())
    with lock:
        task = {"id": next_id, **fields, "completed": False, "notification": "none"}
        tasks[next_id] = task
        next_id += 1
        answer = dict(task)
    return jsonify(answer), 201, {"Location": url_for("get_task", task_id=answer["id"])}


@app.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    with lock:
        return jsonify(find(task_id))


@app.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    with lock:
        task = find(task_id)
        if task["completed"]:
            abort(409, description=f"Task {task_id} is already completed.")
        task["completed"] = True
        task["notification"] = "pending"
        answer = dict(task)
    # daemon=True: a pending notification must not keep the server from stopping. The
    # price: if the process ends first, that e-mail is never sent (see the README).
    worker = threading.Thread(
        target=send_notification,
        args=(task_id, answer["user_email"], answer["title"]),
        name=f"notify-task-{task_id}",
        daemon=True,
    )
    worker.start()
    return jsonify(answer)


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
