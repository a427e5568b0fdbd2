"""a06 · Real-time Chat: the events of the contract, spoken by real Socket.IO clients, and
the chat page in a real browser."""

import re
import uuid
from datetime import datetime

from mission_control.check import checkpoint, expect, expect_equal

JOIN_HINT = (
    'In the "join" handler: `join_room(room)`, then `emit("system", {"text": f"Client '
    '{client_id} joined {room}", "room": room}, to=room)`.'
)
SEND_HINT = (
    'In the "chat_message" handler: `emit("chat_message", message, to=room, '
    "include_self=False)`, with the room this connection joined."
)
ERROR_HINT = (
    'Check every payload before you use it, and answer a bad one with `emit("error", '
    '{"error": "..."})` (to the sender alone) and `return`: never raise in a handler.'
)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def system(text):
    """A match for a `system` event with exactly this text."""
    return lambda data: isinstance(data, dict) and data.get("text") == text


def joined(client, client_id, room=None):
    """Emit join and wait for the client's own announcement."""
    payload = {"client_id": client_id} if room is None else {"client_id": client_id, "room": room}
    client.emit("join", payload)
    room = room or "lobby"
    text = f"Client {client_id} joined {room}"
    return client.wait_for(
        "system", match=system(text), what=f'a `system` event "{text}"', hint=JOIN_HINT
    )


def message_from(client_id, text):
    return lambda data: (
        isinstance(data, dict) and data.get("client_id") == client_id and data.get("text") == text
    )


@checkpoint("join-announced", hint=JOIN_HINT)
def test_join_announced(socketio_clients):
    """Joining announces "Client <id> joined <room>" to everyone in the room, the joiner too"""
    room = unique("room")
    ana, bob = socketio_clients.connect("ana"), socketio_clients.connect("bob")
    ana_id, bob_id = unique("ana"), unique("bob")
    data = joined(ana, ana_id, room)
    expect_equal(data.get("room"), room, "the room of the system event", hint=JOIN_HINT)
    joined(bob, bob_id, room)
    text = f"Client {bob_id} joined {room}"
    ana.wait_for("system", match=system(text), what=f'"{text}" (bob joined her room)')
    lobby = socketio_clients.connect("cem")
    joined(lobby, unique("cem"))  # room defaults to lobby


@checkpoint("message-to-others", hint=SEND_HINT, requires="join-announced")
def test_message_to_others(socketio_clients):
    """A message reaches the others in the room, trimmed, with client_id, room and sent_at;
    never the sender"""
    room = unique("room")
    ana, bob = socketio_clients.connect("ana"), socketio_clients.connect("bob")
    ana_id = unique("ana")
    joined(ana, ana_id, room)
    joined(bob, unique("bob"), room)
    ana.emit("chat_message", {"text": "  Hello, room!  "})
    data = bob.wait_for(
        "chat_message",
        match=message_from(ana_id, "Hello, room!"),
        what=f'a `chat_message` from {ana_id} with the text "Hello, room!" (trimmed)',
    )
    expect_equal(data.get("room"), room, "the message's room")
    sent_at = data.get("sent_at")
    try:
        moment = datetime.fromisoformat(str(sent_at).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    expect(
        moment is not None and moment.utcoffset() is not None and not moment.utcoffset(),
        "sent_at as an ISO 8601 time in UTC (2025-01-31T12:00:00+00:00)",
        repr(sent_at),
        hint="Use `datetime.now(UTC).isoformat()`.",
    )
    ana.expect_no(
        "chat_message",
        within=0.5,
        what="no `chat_message` back to its own sender",
        hint="Add `include_self=False`: the sender's page shows its own message already.",
    )


@checkpoint("other-room-hears-nothing", hint=SEND_HINT, requires="join-announced")
def test_other_room_hears_nothing(socketio_clients):
    """A message stays in its room: a client in another room hears nothing"""
    ana, bob, cem = (socketio_clients.connect(name) for name in ("ana", "bob", "cem"))
    room, other = unique("room"), unique("other")
    ana_id = unique("ana")
    joined(ana, ana_id, room)
    joined(bob, unique("bob"), room)
    joined(cem, unique("cem"), other)
    ana.emit("chat_message", {"text": "only for my room"})
    bob.wait_for("chat_message", match=message_from(ana_id, "only for my room"))
    cem.expect_no(
        "chat_message",
        within=0.5,
        what="no `chat_message` from another room",
        hint="Send with `to=room`: without it, emit goes to everyone connected.",
    )
    ana.expect_no("system", match=lambda data: other in str(data), within=0.1)


@checkpoint("leave-and-disconnect-announced", requires="join-announced")
def test_leave_and_disconnect_announced(socketio_clients):
    """Leaving, switching rooms and disconnecting announce "Client <id> left <room>" to those
    still in it"""
    room = unique("room")
    ana, bob = socketio_clients.connect("ana"), socketio_clients.connect("bob")
    ana_id, bob_id = unique("ana"), unique("bob")
    joined(ana, ana_id, room)
    joined(bob, bob_id, room)
    bob.emit("leave", {})
    text = f"Client {bob_id} left {room}"
    hint = 'Emit `"system"` to the room with `leave_room(room)` in the "leave" handler.'
    ana.wait_for("system", match=system(text), what=f'"{text}"', hint=hint)

    joined(bob, bob_id, room)
    joined(bob, bob_id, unique("elsewhere"))  # joining another room leaves this one
    ana.wait_for(
        "system",
        match=system(text),
        what=f'"{text}" when bob joined another room',
        hint="Joining a room first leaves the room the connection was in, announced there.",
    )

    joined(bob, bob_id, room)
    bob.disconnect()
    ana.wait_for(
        "system",
        match=system(text),
        what=f'"{text}" when bob disconnected',
        hint='Handle `@socketio.on("disconnect")` like "leave".',
    )


BAD_PAYLOADS = [
    ("join", "ana", "join with a string, not an object"),
    ("join", {}, "join without client_id"),
    ("join", {"client_id": 7}, "join with a number as client_id"),
    ("join", {"client_id": "has space"}, "join with a space in client_id"),
    ("join", {"client_id": "x" * 41}, "join with a 41-character client_id"),
    ("join", {"client_id": "ana\n"}, "join with a client_id ending in a newline"),
    ("join", {"client_id": "ana", "room": ""}, "join with an empty room"),
    ("join", {"client_id": "ana", "room": "a/b"}, "join with a / in room"),
]
BAD_MESSAGES = [
    ("chat_message", ["hi"], "chat_message with a list, not an object"),
    ("chat_message", {}, "chat_message without text"),
    ("chat_message", {"text": 5}, "chat_message with a number as text"),
    ("chat_message", {"text": "   "}, "chat_message with only spaces"),
    ("chat_message", {"text": "x" * 1001}, "chat_message with 1,001 characters"),
]


def expect_error(client, event, data, what):
    client.emit(event, data)
    answer = client.wait_for(
        "error",
        what=f"an `error` event for {what}",
        hint=ERROR_HINT,
    )
    expect(
        isinstance(answer, dict) and isinstance(answer.get("error"), str) and answer["error"],
        f'{{"error": "<a message>"}} for {what}',
        repr(answer),
        hint=ERROR_HINT,
    )


@checkpoint("bad-payloads-get-error", hint=ERROR_HINT)
def test_bad_payloads_get_error(socketio_clients):
    """Each bad payload gets `error` to the sender alone, and the sender can still chat"""
    ana, bob = socketio_clients.connect("ana"), socketio_clients.connect("bob")
    expect_error(ana, "chat_message", {"text": "too early"}, "chat_message before join")
    for event, data, what in BAD_PAYLOADS:
        expect_error(ana, event, data, what)
    room, ana_id = unique("room"), unique("ana")
    joined(ana, ana_id, room)
    joined(bob, unique("bob"), room)
    for event, data, what in BAD_MESSAGES:
        expect_error(ana, event, data, what)
    bob.expect_no("error", within=0.2, what="no `error` for another client's mistake")
    bob.expect_no("chat_message", within=0.1, what="no `chat_message` from a refused message")
    ana.emit("chat_message", {"text": "x" * 1000})
    bob.wait_for(
        "chat_message",
        match=message_from(ana_id, "x" * 1000),
        what="the 1,000-character message ana sent after her mistakes",
        hint="A bad payload must not disconnect the sender or leave the room.",
    )


@checkpoint("two-hundred-in-order", hint=SEND_HINT, requires="message-to-others")
def test_two_hundred_in_order(socketio_clients):
    """200 messages from one client reach another complete and in order"""
    room, ana_id = unique("room"), unique("ana")
    ana, bob = socketio_clients.connect("ana"), socketio_clients.connect("bob")
    joined(ana, ana_id, room)
    joined(bob, unique("bob"), room)
    for number in range(200):
        ana.emit("chat_message", {"text": f"message {number}"})
    received = bob.wait_for_all("chat_message", 200, timeout=20)
    texts = [data.get("text") if isinstance(data, dict) else data for data in received]
    wanted = [f"message {number}" for number in range(200)]
    first_wrong = next(
        (i for i, (a, b) in enumerate(zip(texts, wanted, strict=True)) if a != b), None
    )
    expect(
        first_wrong is None,
        "the 200 messages in the order they were sent",
        f"{texts[first_wrong]!r} where {wanted[first_wrong]!r} belongs"
        if first_wrong is not None
        else "",
    )


@checkpoint(
    "browser-chat",
    requires="message-to-others",
    hint="In templates/index.html: load the client with url_for('static', "
    "filename='socket.io.min.js'), put the page's id in #client-id, emit join for lobby on "
    "connect, append the text of every `system` and `chat_message` event to #messages, and "
    "emit chat_message from the form's submit handler.",
)
def test_browser_chat(page):
    """In two browser pages: each shows its own id; text sent in one appears in the other;
    closing one shows the notice in the other"""
    ana, bob = page.open("/", name="ana"), page.open("/", name="bob")
    ana_id, bob_id = ana.text("#client-id").strip(), bob.text("#client-id").strip()
    expect(
        re.fullmatch(r"[A-Za-z0-9_-]{1,40}", ana_id) and ana_id != bob_id,
        "each page to show its own client id in #client-id",
        f"{ana_id!r} and {bob_id!r}",
        hint="Make an id in the page's script and put it in #client-id.",
    )
    bob.wait_for_text(f"Client {bob_id} joined lobby", "#messages")
    ana.wait_for_text(f"Client {bob_id} joined lobby", "#messages")
    text = unique("hello")
    ana.fill("#text", text)
    ana.press("#text", "Enter")
    bob.wait_for_text(text, "#messages", hint="Show each `chat_message` event in #messages.")
    ana.close()
    bob.wait_for_text(
        f"Client {ana_id} left lobby",
        "#messages",
        hint='Show "system" events in #messages, and announce a disconnect as a leave.',
    )
