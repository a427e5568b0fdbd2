"""Checkpoints for a08 · Webhook Receiver (HMAC): the contract, then the attack suite.

Every checkpoint signs its own events with a fresh id, so they pass in any order and against
a server that already holds events. The checker signs with the WEBHOOK_SECRET and sends the
ADMIN_TOKEN that lesson.toml sets for the app; a server you start yourself for
`mission check a08 --url ...` must use the same two values.
"""

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime

from mission_control.check import checkpoint, expect, expect_equal, fail

#: The values lesson.toml's [check] env gives the app (and the README's walk-through uses).
SECRET = "whsec-a08-walkthrough"
ADMIN_TOKEN = "admin-a08-walkthrough"
DEV_SECRET = "dev-webhook-secret-change-me"  # the README's development default
MIB = 1024 * 1024

ACCEPT_HINT = (
    "Read the secret with os.environ.get('WEBHOOK_SECRET'); compute "
    "hmac.new(secret, timestamp.encode() + b'.' + request.get_data(), hashlib.sha256)"
    ".hexdigest() and compare it with the hex after 'sha256=' using hmac.compare_digest. "
    "Sign the raw bytes: json.dumps(request.json) is not the text that was signed. (The "
    "checker gives your app its own WEBHOOK_SECRET; with --url, start your server with the "
    "README's values.)"
)
REJECT_HINT = (
    "Verify before anything else: no valid 'sha256=<hex>' signature over "
    "f'{timestamp}.{raw body}' with your secret means abort(401, description='Invalid "
    "signature'), and the event is not stored."
)
ADMIN_HINT = (
    "Protect GET /admin/events with a decorator that reads request.authorization, checks "
    "that its type is 'bearer' and compares its token with ADMIN_TOKEN using "
    "hmac.compare_digest; anything else answers 401. Read the token from that header only: a "
    "token in the URL ends up in server logs and browser history."
)


def new_event(kind="order.paid"):
    """A fresh event with a unique id."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:12]}",
        "type": kind,
        "data": {"order": 1042, "customer": "Zoë", "amount": 19.90},
    }


def encode(event):
    """The body as a sender writes it: compact, with non-ASCII text and a price with two
    decimals, so that json.dumps(request.json) gives different bytes than were signed."""
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return text.replace("19.9", "19.90").encode()


def sign(body, timestamp, secret=SECRET):
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def deliver(client, body, *, timestamp=None, secret=SECRET, signature=None, headers=None):
    """POST /webhook with ``body`` signed for ``timestamp`` (default: now). ``signature``
    replaces the computed one; ``headers`` replaces all the webhook headers."""
    if isinstance(body, dict):
        body = encode(body)
    if headers is None:
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": signature or sign(body, timestamp, secret),
        }
    return client.post(
        "/webhook", data=body, headers={"Content-Type": "application/json", **headers}
    )


def expect_received(client, event, hint=ACCEPT_HINT):
    """A correct delivery of ``event`` answers 200 {"status": "received"}."""
    r = deliver(client, event)
    r.expect_status(200, hint=hint)
    body = r.expect_json(dict, hint=hint)
    expect_equal(body.get("status"), "received", '"status"', hint=hint, response=r)
    return r


def expect_rejected(response, why):
    """A 401 JSON error; ``why`` says what was wrong with the request. A failure shows the
    checkpoint's own hint, which names the check that is missing."""
    if response.status_code != 401:
        fail(f"expected 401 Unauthorized for {why}, not {response.status_line}", response=response)
    return response.expect_error(401)


def expect_not_stored(client, event):
    """The rejected event was not stored: a correct delivery of it now is "received"."""
    r = deliver(client, event)
    r.expect_status(200, hint=ACCEPT_HINT)
    status = r.expect_json(dict).get("status")
    expect(
        status == "received",
        'the event to be new after its forged deliveries were refused ("status": "received")',
        f'"status": {json.dumps(status)}: a refused request was stored',
        hint="Store an event only after its signature and timestamp have been verified.",
        response=r,
    )


def admin_events(client):
    r = client.get("/admin/events", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    r.expect_status(200, hint=ADMIN_HINT)
    events = r.expect_json(list)
    return r, events


@checkpoint("webhook-accepts-signed-event", hint=ACCEPT_HINT)
def test_webhook_accepts_signed_event(client):
    """POST /webhook with a correct signature answers 200 {"status": "received"}"""
    expect_received(client, new_event())


@checkpoint("admin-requires-token", hint=ADMIN_HINT)
def test_admin_requires_token(client):
    """GET /admin/events answers 401 without the admin token, or with a wrong one"""
    attempts = [
        ("no Authorization header", {}, None),
        ("a wrong token", {"Authorization": "Bearer wrong-token"}, None),
        (
            "the token minus its last character",
            {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"},
            None,
        ),
        ("the token plus one character", {"Authorization": f"Bearer {ADMIN_TOKEN}x"}, None),
        ("the token with the Basic scheme", {"Authorization": f"Basic {ADMIN_TOKEN}"}, None),
        ("the token without 'Bearer '", {"Authorization": ADMIN_TOKEN}, None),
        ("'Bearer' and no token", {"Authorization": "Bearer"}, None),
        ("the token in the query string", {}, {"token": ADMIN_TOKEN}),
    ]
    for why, headers, query in attempts:
        r = client.get("/admin/events", headers=headers, query=query)
        if r.status_code != 401:
            fail(f"expected 401 Unauthorized for {why}, not {r.status_line}", response=r)
        r.expect_error(401)


@checkpoint(
    "admin-lists-events",
    requires="webhook-accepts-signed-event",
    hint="SELECT the events ORDER BY their insertion order, newest first, and answer "
    'a JSON array of {"id", "type", "payload", "received_at"}.',
)
def test_admin_lists_events(client):
    """GET /admin/events with the token lists the stored events, newest first"""
    first, second = new_event("order.paid"), new_event("order.refunded")
    expect_received(client, first)
    expect_received(client, second)
    r, events = admin_events(client)
    ids = [event.get("id") for event in events if isinstance(event, dict)]
    for sent in (first, second):
        expect(sent["id"] in ids, f"event {sent['id']} in the list", response=r)
    expect(
        ids.index(second["id"]) < ids.index(first["id"]),
        f"the newer event {second['id']} before {first['id']}",
        response=r,
    )
    stored = events[ids.index(first["id"])]
    expect_equal(stored.get("type"), first["type"], '"type"', response=r)
    expect_equal(stored.get("payload"), first, '"payload" (the event as it was sent)', response=r)
    received_at = stored.get("received_at")
    try:
        moment = datetime.fromisoformat(received_at)
    except (TypeError, ValueError):
        moment = None
    expect(
        moment is not None and moment.tzinfo is not None,
        '"received_at" as an ISO 8601 time with its UTC offset, such as '
        '"2025-01-31T09:30:00+00:00"',
        repr(received_at),
        hint="Use datetime.now(UTC).isoformat(): it keeps the +00:00.",
        response=r,
    )


@checkpoint("attack-no-signature", requires="webhook-accepts-signed-event", hint=REJECT_HINT)
def test_attack_no_signature(client):
    """Attack: a request without a signature, or without a timestamp, answers 401"""
    event = new_event()
    body = encode(event)
    now = int(time.time())
    expect_rejected(deliver(client, body, headers={}), "a request with neither header")
    expect_rejected(
        deliver(client, body, headers={"X-Webhook-Timestamp": str(now)}),
        "a request without X-Webhook-Signature",
    )
    expect_rejected(
        deliver(client, body, headers={"X-Webhook-Signature": sign(body, now)}),
        "a request without X-Webhook-Timestamp",
    )
    expect_rejected(
        deliver(client, body, headers={"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": ""}),
        "an empty X-Webhook-Signature",
    )
    expect_not_stored(client, event)


@checkpoint(
    "attack-wrong-secret",
    requires="webhook-accepts-signed-event",
    hint=REJECT_HINT + " The secret comes from WEBHOOK_SECRET: the development default in the "
    "README must stop working once WEBHOOK_SECRET is set.",
)
def test_attack_wrong_secret(client):
    """Attack: an event signed with another secret (even the README's default) answers 401"""
    event = new_event()
    for secret in ("guessed-secret", DEV_SECRET, ""):
        expect_rejected(
            deliver(client, event, secret=secret),
            f"an event signed with the secret {secret!r}",
        )
    expect_not_stored(client, event)


@checkpoint(
    "attack-signature-for-other-body",
    requires="webhook-accepts-signed-event",
    hint="The signature covers f'{timestamp}.{raw body}': recompute it over the bytes and the "
    "timestamp of this request, never trust a signature that was made for something else.",
)
def test_attack_signature_for_other_body(client):
    """Attack: a captured signature on a changed body, or with a fresh timestamp, answers 401"""
    captured = new_event()
    body = encode(captured)
    then = int(time.time()) - 30
    headers = {"X-Webhook-Timestamp": str(then), "X-Webhook-Signature": sign(body, then)}

    forged = new_event()
    expect_rejected(
        deliver(client, forged, headers=headers), "another event with a captured signature"
    )
    tampered = body.replace(b"19.90", b"99.90")
    expect_rejected(deliver(client, tampered, headers=headers), "a body whose amount was changed")
    fresh = {**headers, "X-Webhook-Timestamp": str(int(time.time()))}
    expect_rejected(
        deliver(client, body, headers=fresh), "a captured signature sent with a new timestamp"
    )
    expect_not_stored(client, forged)


@checkpoint(
    "attack-bare-hex",
    requires="webhook-accepts-signed-event",
    hint="Accept exactly 'sha256=' followed by the 64 hex digits of the HMAC; anything else "
    "(no prefix, another algorithm, a shortened signature) is refused with 401.",
)
def test_attack_bare_hex(client):
    """Attack: a signature without "sha256=", with another prefix, or cut short answers 401"""
    event = new_event()
    body = encode(event)
    now = int(time.time())
    digest = sign(body, now).removeprefix("sha256=")
    for value, why in (
        (digest, "the hex digest without 'sha256='"),
        (f"sha1={digest}", "'sha1=' instead of 'sha256='"),
        (f"sha256={digest[:32]}", "a signature cut to half its length"),
        (f"sha256={digest[:1]}", "a signature cut to one character"),
        ("sha256=", "'sha256=' with nothing after it"),
    ):
        expect_rejected(deliver(client, body, timestamp=now, signature=value), why)
    expect_not_stored(client, event)


@checkpoint(
    "attack-replay-after-window",
    requires="webhook-accepts-signed-event",
    hint="After checking the signature, compare the timestamp with time.time(): more than "
    "300 seconds away means abort(401). The signature alone cannot tell a fresh request "
    "from one an attacker recorded last week.",
)
def test_attack_replay_after_window(client):
    """Attack: a correctly signed request captured more than 300 s ago answers 401"""
    event = new_event()
    now = int(time.time())
    for age in (400, 3600, 30 * 86400):
        expect_rejected(
            deliver(client, event, timestamp=now - age),
            f"a correctly signed request whose timestamp is {age} s old",
        )
    expect_not_stored(client, event)


@checkpoint(
    "timestamp-window-both-ways",
    requires="webhook-accepts-signed-event",
    hint="Accept a timestamp up to 300 seconds before or after time.time() (clocks differ a "
    "little); use abs(time.time() - int(timestamp)) > 300 to refuse.",
)
def test_timestamp_window_both_ways(client):
    """A timestamp up to 300 s either side of now is accepted; 400 s ahead answers 401"""
    now = int(time.time())
    for offset in (-200, 200):
        r = deliver(client, new_event(), timestamp=now + offset)
        r.expect_status(200)
        expect_equal(r.expect_json(dict).get("status"), "received", '"status"', response=r)
    expect_rejected(
        deliver(client, new_event(), timestamp=now + 400),
        "a timestamp 400 s in the future",
    )


@checkpoint(
    "malformed-timestamp-401",
    requires="webhook-accepts-signed-event",
    hint="The timestamp must be whole seconds (digits only). Check it with a regular "
    "expression or a try/except around int() and answer 401 for anything else, never 500.",
)
def test_malformed_timestamp_401(client):
    """A timestamp that is not whole seconds answers 401 (never 500), even correctly signed"""
    event = new_event()
    body = encode(event)
    now = int(time.time())
    for timestamp in ("soon", "", f"{now}.5", f"{now}abc", "2025-01-31T09:30:00Z", "1e10"):
        expect_rejected(deliver(client, body, timestamp=timestamp), f"the timestamp {timestamp!r}")
    expect_not_stored(client, event)


@checkpoint(
    "verify-before-parsing",
    hint="Call verify_signature(request.get_data()) first, then parse the JSON: an unsigned "
    "request gets 401 whatever its body, and your JSON parser never sees untrusted input.",
)
def test_verify_before_parsing(client):
    """Without a valid signature, even a body that is not JSON answers 401 (not 400)"""
    now = int(time.time())
    for body in (b"this is not JSON", b"[1, 2, 3]", b'{"type": "order.paid"}'):
        expect_rejected(
            deliver(client, body, signature="sha256=" + "0" * 64, timestamp=now),
            f"the unsigned body {body.decode()!r}",
        )
        expect_rejected(deliver(client, body, headers={}), f"{body.decode()!r} with no headers")


@checkpoint(
    "invalid-event-400",
    requires="webhook-accepts-signed-event",
    hint="After the signature is verified, parse with json.loads(raw) in a try/except "
    "ValueError (it covers bad JSON and bad UTF-8), then check that the result is a dict "
    "with non-empty string 'id' and 'type'; otherwise abort(400).",
)
def test_invalid_event_400(client):
    """A correctly signed body that is not a JSON object with string id and type answers 400"""
    for body in (
        b"this is not JSON",
        b"\xff\xfe not UTF-8",
        b"[1, 2, 3]",
        b'"order.paid"',
        b'{"type": "order.paid"}',
        b'{"id": 42, "type": "order.paid"}',
        b'{"id": "", "type": "order.paid"}',
        b'{"id": "evt_x", "type": null}',
        b'{"id": "evt_x"}',
    ):
        r = deliver(client, body)
        if r.status_code != 400:
            fail(
                f"expected 400 Bad Request for the signed body {body!r}, not {r.status_line}",
                response=r,
            )
        r.expect_error(400)


@checkpoint(
    "body-utf8-400",
    requires="webhook-accepts-signed-event",
    hint="Decode the verified body yourself, json.loads(raw.decode('utf-8')): json.loads(raw) "
    "also takes UTF-16 and a byte-order mark, and a body kept with its BOM no longer parses "
    "when GET /admin/events reads it back. Then refuse an event whose strings hold a lone "
    "surrogate (json.dumps(event, ensure_ascii=False).encode('utf-8') raises "
    "UnicodeEncodeError): SQLite cannot store it. Both are abort(400).",
)
def test_body_utf8_400(client):
    """A correctly signed event in UTF-16, after a UTF-8 byte-order mark, or holding a lone
    surrogate ("\\ud800") answers 400, is not stored, and GET /admin/events still answers"""
    event = new_event()
    text = json.dumps(event, separators=(",", ":"))
    lone_in_id = {**event, "id": event["id"] + "\ud800"}
    lone_in_data = {**event, "data": {"note": "half a character: \udfff"}}
    for body, what in (
        (b"\xef\xbb\xbf" + text.encode(), "in UTF-8 after a byte-order mark (EF BB BF)"),
        (text.encode("utf-16"), "in UTF-16 with its byte-order mark"),
        (text.encode("utf-16-le"), "in UTF-16-LE without a byte-order mark"),
        (json.dumps(lone_in_id).encode(), 'whose "id" ends in the lone surrogate \\ud800'),
        (json.dumps(lone_in_data).encode(), "whose data holds the lone surrogate \\udfff"),
    ):
        r = deliver(client, body)
        if r.status_code != 400:
            fail(
                f"expected 400 Bad Request for a signed event {what}, not {r.status_line}",
                response=r,
            )
        r.expect_error(400)
    r = client.get("/admin/events", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    if r.status_code != 200:
        fail(
            f"expected GET /admin/events to answer 200 OK after those deliveries, not "
            f"{r.status_line}: a stored body that no longer parses breaks the list for good",
            response=r,
        )
    r.expect_json(list)
    expect_not_stored(client, event)


@checkpoint(
    "duplicate-id-stored-once",
    requires=("webhook-accepts-signed-event", "admin-lists-events"),
    hint="Make the event id UNIQUE in the table and insert with ON CONFLICT DO NOTHING (or "
    'catch the IntegrityError): when nothing was inserted, answer 200 {"status": '
    '"duplicate"}.',
)
def test_duplicate_id_stored_once(client):
    """An event id seen before answers 200 {"status": "duplicate"} and is stored once"""
    event = new_event()
    expect_received(client, event)
    body = encode(event)
    now = int(time.time())
    resent = deliver(client, body, timestamp=now + 1)  # a retry: same event, new signature
    replayed = deliver(client, body, timestamp=now + 1)  # the very same request again
    for r, what in ((resent, "a retried delivery"), (replayed, "the same request replayed")):
        r.expect_status(200)
        status = r.expect_json(dict).get("status")
        expect(
            status == "duplicate",
            f'"status": "duplicate" for {what} of event {event["id"]}',
            f'"status": {json.dumps(status)}',
            response=r,
        )
    r, events = admin_events(client)
    copies = sum(
        1 for stored in events if isinstance(stored, dict) and stored.get("id") == event["id"]
    )
    expect_equal(copies, 1, f"the number of stored copies of {event['id']}", response=r)


@checkpoint(
    "oversize-body-413",
    requires="webhook-accepts-signed-event",
    hint="Set app.config['MAX_CONTENT_LENGTH'] = 1024 * 1024 (1 MiB is 1,048,576 bytes): "
    "request.get_data() then raises 413 for a larger body, before reading it.",
)
def test_oversize_body_413(client):
    """A body over 1 MiB answers 413, even correctly signed; exactly 1 MiB does not"""
    event = new_event()
    head = encode({**event, "padding": ""})
    big = head.replace(b'"padding":""', b'"padding":"' + b"x" * (MIB + 1 - len(head)) + b'"')
    r = deliver(client, big)
    if r.status_code != 413:
        fail(
            f"expected status 413 (too large) for a signed body of {len(big):,} bytes, "
            f"not {r.status_line}",
            response=r,
        )
    r.expect_error(413)
    # Exactly 1 MiB is allowed (this one has no "type", so it is a 400, not a 413).
    head = b'{"id":"' + event["id"].encode() + b'","padding":""}'
    limit = head.replace(b'"padding":""', b'"padding":"' + b"x" * (MIB - len(head)) + b'"')
    r = deliver(client, limit)
    expect(
        r.status_code != 413,
        f"a body of exactly {len(limit):,} bytes (1 MiB) to be read",
        r.status_line,
        response=r,
        hint="The limit is 1 MiB, 1,048,576 bytes, and a body of exactly that size is allowed: "
        "MAX_CONTENT_LENGTH = 1024 * 1024, not 1,000,000 and not one byte less.",
    )


@checkpoint(
    "events-survive-restart",
    requires=("webhook-accepts-signed-event", "admin-lists-events"),
    hint="Keep the events in an SQLite file (for example in app.instance_path), not in a "
    "Python list: a list is gone when the server restarts, and so is its memory of ids.",
)
def test_events_survive_restart(client, restart_app):
    """Stored events, and the memory of their ids, survive a restart of the app"""
    event = new_event()
    expect_received(client, event)
    restart_app()
    r, events = admin_events(client)
    ids = [stored.get("id") for stored in events if isinstance(stored, dict)]
    expect(event["id"] in ids, f"event {event['id']} in the list after a restart", response=r)
    r = deliver(client, event)
    r.expect_status(200)
    status = r.expect_json(dict).get("status")
    expect(
        status == "duplicate",
        f'"status": "duplicate" for event {event["id"]} sent again after the restart',
        f'"status": {json.dumps(status)}',
        response=r,
    )


@checkpoint(
    "one-answer-for-every-401",
    requires="webhook-accepts-signed-event",
    hint="Answer every refused signature with the same abort(401, description='Invalid "
    "signature'): a different message for a missing header, a wrong signature or an old "
    "timestamp tells an attacker which part of a forgery already works.",
)
def test_one_answer_for_every_401(client):
    """Every refused signature gets the same 401 message, so it tells an attacker nothing"""
    event = new_event()
    body = encode(event)
    now = int(time.time())
    attempts = {
        "no headers": deliver(client, body, headers={}),
        "a wrong signature": deliver(client, body, secret="guessed-secret"),
        "a bare hex signature": deliver(
            client, body, timestamp=now, signature=sign(body, now).removeprefix("sha256=")
        ),
        "an old timestamp": deliver(client, body, timestamp=now - 3600),
        "a malformed timestamp": deliver(client, body, timestamp="soon"),
    }
    messages = {}
    for why, r in attempts.items():
        messages[why] = expect_rejected(r, why)["error"]
    first_why, first = next(iter(messages.items()))
    for why, message in messages.items():
        expect(
            message == first,
            f"the same error for {why} as for {first_why} ({first!r})",
            repr(message),
            response=attempts[why],
        )
