"""Lesson a08 · Webhook Receiver (your starter).

Fill in every TODO until `mission check a08` is all green. The lesson's README.md has the
contract. The database and the JSON error handler are ready; the security is yours to write.
Run the app with `python app.py`, and send it events with `python send_webhook.py`.
"""

import functools
import os
import re
import sqlite3

# TODO: you will also need hashlib, hmac, json and time, datetime and UTC from
#   datetime, and abort and request from flask.
from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException

# Development defaults, so that `python app.py` works out of the box. Anyone who reads this
# file knows them: set WEBHOOK_SECRET and ADMIN_TOKEN to long random values in any real use.
DEV_WEBHOOK_SECRET = "dev-webhook-secret-change-me"
DEV_ADMIN_TOKEN = "dev-admin-token-change-me"

TOLERANCE = 300  # seconds a signed request stays valid, either side of now
MAX_BODY = 1024 * 1024  # 1 MiB
SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")  # the whole header, hex digest in group 1
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # whole unix seconds

app = Flask(__name__)
app.config.update(
    WEBHOOK_SECRET=os.environ.get("WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
    ADMIN_TOKEN=os.environ.get("ADMIN_TOKEN") or DEV_ADMIN_TOKEN,
    DATABASE=os.path.join(app.instance_path, "events.sqlite3"),
)
# TODO: refuse bodies over 1 MiB (one line of configuration, see the README).

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL
)
"""


def init_db() -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.execute(SCHEMA)


def get_db() -> sqlite3.Connection:
    """One connection per request, closed when the request ends."""
    if "db" not in g:
        g.db = sqlite3.connect(app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(exception: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


def verify_signature(raw: bytes) -> None:
    """Abort with 401 unless the headers sign ``timestamp.raw`` with our secret, recently."""
    # TODO: read X-Webhook-Timestamp and X-Webhook-Signature; check their form (TIMESTAMP,
    #   SIGNATURE); compute the HMAC-SHA256 of timestamp + "." + raw with the secret;
    #   compare it with hmac.compare_digest; check the timestamp is within TOLERANCE of
    #   time.time(). Every failure: abort(401, description="Invalid signature").


def parse_event(raw: bytes) -> dict:
    """The event in a verified body: a JSON object with non-empty string id and type."""
    # TODO: json.loads(raw) in a try/except ValueError; abort(400) unless it is a dict whose
    #   "id" and "type" are non-empty strings.
    return {}


def admin_required(view):
    """Let the request through only with `Authorization: Bearer <ADMIN_TOKEN>`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        # TODO: answer 401 (a JSON error) unless request.authorization is a bearer token
        #   equal to app.config["ADMIN_TOKEN"] (compare with hmac.compare_digest).
        return view(*args, **kwargs)

    return wrapper


@app.post("/webhook")
def receive_webhook():
    # TODO: raw = request.get_data(); verify_signature(raw) before anything else; then
    #   parse_event(raw); store it (INSERT ... ON CONFLICT(event_id) DO NOTHING) and answer
    #   {"status": "received"}, or {"status": "duplicate"} when nothing was inserted.
    return not_implemented("POST /webhook")


@app.get("/admin/events")
@admin_required
def list_events():
    # TODO: answer every stored event, newest first, as
    #   {"id", "type", "payload" (the event as sent), "received_at"}.
    return not_implemented("GET /admin/events")


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


init_db()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
