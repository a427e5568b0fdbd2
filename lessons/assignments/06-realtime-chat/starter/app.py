"""Lesson a06 · Real-time Chat (your starter).

Fill in every TODO (here and in templates/index.html) until `mission check a06` is all
green. The lesson's README.md has the contract. Run the app with `python app.py`.
"""

import os
import re
import threading

from flask import Flask, render_template
from flask_socketio import SocketIO

# Check ids with ID.fullmatch(value): with match, "$" would also accept a trailing newline.
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


@app.get("/")
def index():
    return render_template("index.html")


@socketio.on("join")
def on_join(data):
    # TODO: check client_id and room (room defaults to "lobby"), leave the current room,
    #   join_room(room), and emit "system" {"text": "Client <id> joined <room>", "room"}
    #   to the room. A bad payload: emit "error" {"error": "..."} to the sender only.
    pass


@socketio.on("chat_message")
def on_chat_message(data):
    # TODO: the text, trimmed, to the others in the sender's room (include_self=False),
    #   with client_id, room and sent_at (ISO 8601 UTC).
    pass


@socketio.on("leave")
def on_leave(data=None):
    # TODO: leave the room and tell those still in it: "Client <id> left <room>".
    pass


@socketio.on("disconnect")
def on_disconnect(reason=None):
    # TODO: the same as leave.
    pass


if __name__ == "__main__":
    # The Werkzeug server is for development; production runs gunicorn (see the README).
    socketio.run(
        app,
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
    )
