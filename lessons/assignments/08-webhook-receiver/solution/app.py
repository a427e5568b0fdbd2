"""Lesson a08 · Webhook Receiver (reference solution).

Receives signed webhook events: the signature is an HMAC-SHA256 over the timestamp and the
raw body, checked before anything else; old timestamps and repeated event ids are refused;
the events are kept in SQLite and listed behind an admin token.
"""

import functools
import hashlib
import hmac
import json
import os
import re
import sqlite3
import time
from datetime import UTC, datetime

from flask import Flask, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

# Development defaults, so that `python app.py` works out of the box. Anyone who reads this
# file knows them: set WEBHOOK_SECRET and ADMIN_TOKEN to long random values in any real use.
DEV_WEBHOOK_SECRET = "dev-webhook-secret-change-me"
DEV_ADMIN_TOKEN = "dev-admin-token-change-me"

TOLERANCE = 300  # seconds a signed request stays valid, either side of now
MAX_BODY = 1024 * 1024  # 1 MiB
SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")
TIMESTAMP = re.compile(r"[0-9]{1,12}")

app = Flask(__name__)
app.config.update(
    WEBHOOK_SECRET=os.environ.get("WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
    ADMIN_TOKEN=os.environ.get("ADMIN_TOKEN") or DEV_ADMIN_TOKEN,
    # Werkzeug answers 413 by itself when a body is larger than this.
    MAX_CONTENT_LENGTH=MAX_BODY,
    DATABASE=os.path.join(app.instance_path, "events.sqlite3"),
)

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


def reject_signature():
    # One answer for every way a signature can be wrong: an attacker learns nothing from it.
    abort(401, description="Invalid signature")


def verify_signature(raw: bytes) -> None:
    """Abort with 401 unless the headers sign ``timestamp.raw`` with our secret, recently."""
    timestamp = request.headers.get("X-Webhook-Timestamp", "")
    match = SIGNATURE.fullmatch(request.headers.get("X-Webhook-Signature", ""))
    if match is None or not TIMESTAMP.fullmatch(timestamp):
        reject_signature()
    signed = timestamp.encode() + b"." + raw
    secret = app.config["WEBHOOK_SECRET"].encode()
    expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
    # compare_digest takes the same time wherever the first difference is, so response
    # times do not reveal how many leading characters of a forged signature were right.
    if not hmac.compare_digest(expected, match.group(1)):
        reject_signature()
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        reject_signature()


def parse_event(raw: bytes) -> dict:
    """The event in a verified body: a JSON object in UTF-8 with non-empty string id and type."""
    try:
        # Decode first: json.loads(bytes) would also take UTF-16 and a byte-order mark, and
        # the body is kept as UTF-8 text. json.loads(str) refuses a BOM left at the start.
        event = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # ValueError covers bad JSON and bad UTF-8
        abort(400, description="The body must be a JSON object in UTF-8.")
    if not isinstance(event, dict):
        abort(400, description="The body must be a JSON object.")
    for field in ("id", "type"):
        if not isinstance(event.get(field), str) or not event[field]:
            abort(400, description=f"'{field}' must be a non-empty string.")
    try:
        # "\ud800" is valid JSON but no character: SQLite could not store such an id.
        json.dumps(event, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        abort(400, description="The body holds a lone surrogate, which is not a character.")
    return event


def admin_required(view):
    """Let the request through only with `Authorization: Bearer <ADMIN_TOKEN>`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.authorization
        token = (auth.token or "") if auth is not None and auth.type == "bearer" else ""
        expected = app.config["ADMIN_TOKEN"]
        if not token or not hmac.compare_digest(token.encode(), expected.encode()):
            error = jsonify(error="Send the admin token: Authorization: Bearer <token>.")
            return error, 401, {"WWW-Authenticate": "Bearer"}
        return view(*args, **kwargs)

    return wrapper


@app.post("/webhook")
def receive_webhook():
    raw = request.get_data()  # the exact bytes that were signed (413 past MAX_CONTENT_LENGTH)
    verify_signature(raw)  # before any parsing: nothing unverified gets any further
    event = parse_event(raw)
    received_at = datetime.now(UTC).isoformat(timespec="seconds")
    db = get_db()
    with db:  # one transaction; the UNIQUE event_id makes a second copy impossible
        stored = db.execute(
            "INSERT INTO events (event_id, type, payload, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(event_id) DO NOTHING",
            (event["id"], event["type"], raw.decode("utf-8"), received_at),
        )
    if stored.rowcount == 0:
        return jsonify(status="duplicate")
    return jsonify(status="received")


@app.get("/admin/events")
@admin_required
def list_events():
    rows = get_db().execute(
        "SELECT event_id, type, payload, received_at FROM events ORDER BY seq DESC"
    )
    return jsonify(
        [
            {
                "id": row["event_id"],
                "type": row["type"],
                "payload": json.loads(row["payload"]),
                "received_at": row["received_at"],
            }
            for row in rows
        ]
    )


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
