"""Lesson d05 · Flask's contexts (reference solution).

An app whose behaviour shows the contexts at work:

- every request gets an id in ``g`` (before_request) that goes back as X-Request-ID
  (after_request), errors included;
- a per-request "connection" is opened lazily in ``g`` and always closed when the app
  context ends (teardown_appcontext), even when the view raised; GET /stats counts both;
- POST /background hands work to a thread, which reads the request through
  copy_current_request_context; GET /background/<job_id> shows the result;
- `flask --app app whoami` reads the config through current_app, with no request at all.
"""

import itertools
import os
import threading
import time
import uuid

import click
from flask import (
    Flask,
    abort,
    copy_current_request_context,
    current_app,
    g,
    jsonify,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, InternalServerError

app = Flask(__name__)
app.config["MISSION_NAME"] = "Apollo"
app.config.from_prefixed_env()  # FLASK_MISSION_NAME=Artemis in the environment overrides it


# -- the per-request resource --------------------------------------------------------------


counts_lock = threading.Lock()  # requests on several threads open and close connections
counts = {"opened": 0, "closed": 0}


class Connection:
    """Stands in for a database connection: something a request opens and must close."""

    _numbers = itertools.count(1)

    def __init__(self) -> None:
        with counts_lock:
            counts["opened"] += 1
            self.number = next(Connection._numbers)
        self.is_closed = False

    def close(self) -> None:
        with counts_lock:
            if not self.is_closed:
                self.is_closed = True
                counts["closed"] += 1


def get_connection() -> Connection:
    """This request's connection, opened on first use and kept in g until the end."""
    if "connection" not in g:
        g.connection = Connection()
    return g.connection


@app.teardown_appcontext
def close_connection(error: BaseException | None) -> None:
    # Runs when the app context ends: after every request, whatever happened in it.
    connection = g.pop("connection", None)
    if connection is not None:
        connection.close()


# -- the request id ------------------------------------------------------------------------


@app.before_request
def assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex


@app.after_request
def send_request_id(response):
    # after_request runs for error pages too, as long as a handler produced a response.
    response.headers["X-Request-ID"] = g.request_id
    return response


# -- views ---------------------------------------------------------------------------------


@app.get("/hello")
def hello():
    connection = get_connection()  # a second call in this request returns the same one
    return jsonify(
        message=f"Hello from {current_app.name}!",
        request_id=g.request_id,
        connection=connection.number,
    )


@app.get("/error")
def error():
    get_connection()
    raise RuntimeError("This view fails on purpose, after opening a connection.")


@app.get("/stats")
def stats():
    with counts_lock:
        return jsonify(counts)


# -- background work -----------------------------------------------------------------------

jobs_lock = threading.Lock()  # the view and the worker threads share the jobs dict
jobs: dict[str, dict] = {}


@app.post("/background")
def start_job():
    data = request.get_json()  # 415 or 400 for a body that is not JSON
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        abort(400, description="Send a JSON object with a non-empty 'name'.")
    job_id = uuid.uuid4().hex
    with jobs_lock:
        jobs[job_id] = {"id": job_id, "status": "pending", "result": None}
    # g belongs to this request's app context; the thread gets a new one, so pass the id.
    request_id = g.request_id

    @copy_current_request_context
    def work() -> None:
        try:
            time.sleep(0.2)  # the slow part of a real job
            # `request` is the request that started the job, even after it was answered.
            greeting = f"Hello, {request.get_json()['name'].strip()}!"
            outcome = {"status": "done", "result": {"greeting": greeting, "request_id": request_id}}
        except Exception as exc:  # a failed job says so instead of staying pending
            outcome = {"status": "failed", "result": {"error": str(exc)}}
        with jobs_lock:
            jobs[job_id].update(outcome)

    threading.Thread(target=work, daemon=True).start()
    location = url_for("job_status", job_id=job_id)
    return jsonify(job_id=job_id), 202, {"Location": location}


@app.get("/background/<job_id>")
def job_status(job_id: str):
    with jobs_lock:
        job = jobs.get(job_id)
        if job is None:
            abort(404, description=f"There is no job {job_id}.")
        return jsonify(job)


# -- errors --------------------------------------------------------------------------------


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


@app.errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    """An exception a view did not handle: log it with the request id, answer JSON 500."""
    current_app.logger.error(
        "request_id=%s %s %s failed: %r",
        g.request_id,
        request.method,
        request.path,
        error.original_exception,
    )
    return jsonify(error="Something went wrong on our side.", request_id=g.request_id), 500


# -- the command line ----------------------------------------------------------------------


@app.cli.command("whoami")
def whoami() -> None:
    """Print the app's name and its mission (an app context, no request)."""
    click.echo(f"app={current_app.name} mission={current_app.config['MISSION_NAME']}")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
