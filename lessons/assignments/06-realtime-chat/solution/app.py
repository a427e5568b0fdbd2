"""Lesson a06 · Real-time Chat (reference solution).

Flask-SocketIO on the plain threading server (simple-websocket gives it WebSocket). Each
connection joins one room at a time; messages go to the others in the room. With
SOCKETIO_MESSAGE_QUEUE set, several server processes share rooms through Redis.
"""

import os
import re
import threading
from datetime import UTC, datetime

from flask import Flask, render_template, request
from flask_socketio import SocketIO, emit, join_room, leave_room

# fullmatch, not match: with match, "$" would also accept an id ending in a newline.
ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
TEXT_MAX = 1000

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="threading",
    message_queue=os.environ.get("SOCKETIO_MESSAGE_QUEUE"),
    channel=os.environ.get("SOCKETIO_CHANNEL", "flask-socketio"),
)

lock = threading.Lock()
members: dict[str, tuple[str, str]] = {}  # Socket.IO session id -> (client id, room)


def error(message: str) -> None:
    """Tell the sender alone what was wrong; the connection stays open."""
    emit("error", {"error": message})


def leave_current(sid: str) -> None:
    """Leave the room this connection is in (if any) and tell those still in it."""
    with lock:
        joined = members.pop(sid, None)
    if joined:
        client_id, room = joined
        leave_room(room, sid=sid)
        socketio.emit("system", {"text": f"Client {client_id} left {room}", "room": room}, to=room)


@app.get("/")
def index():
    return render_template("index.html")


@socketio.on("join")
def on_join(data):
    if not isinstance(data, dict):
        return error('join needs an object: {"client_id": "ana", "room": "lobby"}')
    client_id, room = data.get("client_id"), data.get("room", "lobby")
    for name, value in (("client_id", client_id), ("room", room)):
        if not isinstance(value, str) or not ID.fullmatch(value):
            return error(f"{name} must be 1-40 letters, digits, - or _")
    leave_current(request.sid)
    with lock:
        members[request.sid] = (client_id, room)
    join_room(room)
    emit("system", {"text": f"Client {client_id} joined {room}", "room": room}, to=room)


@socketio.on("chat_message")
def on_chat_message(data):
    with lock:
        joined = members.get(request.sid)
    if joined is None:
        return error("join a room before you send a message")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return error('chat_message needs an object: {"text": "Hello"}')
    text = data["text"].strip()
    if not 1 <= len(text) <= TEXT_MAX:
        return error(f"text must be 1-{TEXT_MAX} characters")
    client_id, room = joined
    message = {
        "client_id": client_id,
        "text": text,
        "room": room,
        "sent_at": datetime.now(UTC).isoformat(),
    }
    emit("chat_message", message, to=room, include_self=False)


@socketio.on("leave")
def on_leave(data=None):
    leave_current(request.sid)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    leave_current(request.sid)


if __name__ == "__main__":
    # The Werkzeug server is for development; production runs gunicorn (see the README).
    socketio.run(
        app,
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
    )
