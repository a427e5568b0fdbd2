"""Lesson d05 · Flask's contexts (your starter).

Fill in every TODO until `mission check d05` is all green. The lesson's README.md has the
contract. Run the app with `python app.py` (or `flask --app app run --debug`), and the demo
with `python contexts_demo.py`.
"""

import itertools
import os
import threading

from flask import Flask, jsonify

app = Flask(__name__)
# TODO: set app.config["MISSION_NAME"] = "Apollo", then call app.config.from_prefixed_env()
#   so that FLASK_MISSION_NAME in the environment overrides it.


# -- the per-request resource (given: you do not need to change it) ------------------------

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
    # TODO: open a Connection only if g has none yet, keep it in g, and return it.
    raise NotImplementedError("get_connection")


# TODO: an @app.teardown_appcontext function that takes the connection out of g (if this
#   request opened one) and closes it.


# -- the request id ------------------------------------------------------------------------

# TODO: an @app.before_request function that sets g.request_id to a new uuid.uuid4().hex.
# TODO: an @app.after_request function that adds the header X-Request-ID: g.request_id.


# -- views ---------------------------------------------------------------------------------


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@app.get("/hello")
def hello():
    # TODO: use get_connection(), and answer 200 with {"message": ..., "request_id": ...}.
    return not_implemented("GET /hello")


@app.get("/error")
def error():
    # TODO: use get_connection(), then raise RuntimeError on purpose.
    return not_implemented("GET /error")


@app.get("/stats")
def stats():
    # TODO: answer 200 with {"opened": ..., "closed": ...} from `counts` (hold the lock).
    return not_implemented("GET /stats")


# -- background work -----------------------------------------------------------------------


@app.post("/background")
def start_job():
    # TODO: read {"name": ...} (400 unless it is a non-empty string); store a pending job
    #   under a new id; start a thread that stores {"greeting": "Hello, <name>!",
    #   "request_id": <this request's id>} as the job's result; answer 202 with
    #   {"job_id": ...} and a Location header pointing at /background/<job_id>.
    return not_implemented("POST /background")


@app.get("/background/<job_id>")
def job_status(job_id: str):
    # TODO: answer 200 with {"id": ..., "status": ..., "result": ...}, or 404.
    return not_implemented("GET /background/<job_id>")


# -- errors --------------------------------------------------------------------------------

# TODO: an @app.errorhandler(HTTPException) that answers every HTTP error as JSON.
# TODO: an @app.errorhandler(InternalServerError) that logs request_id=<g.request_id> with
#   current_app.logger.error(...) and answers 500 with a JSON error.


# -- the command line ----------------------------------------------------------------------

# TODO: a command `flask --app app whoami` (@app.cli.command("whoami")) that prints
#   app=<current_app.name> mission=<current_app.config["MISSION_NAME"]>


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
