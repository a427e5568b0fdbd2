"""a06 scaled out: two solution processes on two ports share rooms through the real Redis.

Each test run uses a channel of its own (SOCKETIO_CHANNEL), so parallel runs on one Redis
never hear each other: Redis pub/sub channels are shared by all its databases.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CATALOG, provided_copy, running_server

from mission_control.check.socketio import SocketClients

LESSON = CATALOG.get("a06")
REDIS = ("127.0.0.1", 6379)


def redis_up() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(REDIS, timeout=1):
        return True
    return False


@pytest.fixture
def redis_url() -> str:
    if not redis_up():
        message = (
            "Redis is not running on 127.0.0.1:6379: start it with `redis-server --daemonize yes`"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return "redis://127.0.0.1:6379/0"


@contextlib.contextmanager
def two_servers(folder: Path, redis_url: str) -> Iterator[tuple[str, str]]:
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "SOCKETIO_CHANNEL": f"a06-test-{uuid.uuid4().hex}"}
    with (
        running_server(LESSON.run, folder, env) as one,
        running_server(LESSON.run, folder, env) as two,
    ):
        yield one, two


def test_two_processes_share_rooms_over_redis(tmp_path: Path, redis_url: str) -> None:
    folder = provided_copy(LESSON, LESSON.solution, tmp_path / "app")
    with two_servers(folder, redis_url) as (one, two):
        first, second = SocketClients(one), SocketClients(two)
        try:
            ana, bob = first.connect("ana"), second.connect("bob")
            room = f"room-{uuid.uuid4().hex[:8]}"
            ana.emit("join", {"client_id": "ana", "room": room})
            ana.wait_for("system", match=lambda d: d["text"] == f"Client ana joined {room}")
            bob.emit("join", {"client_id": "bob", "room": room})
            ana.wait_for("system", match=lambda d: d["text"] == f"Client bob joined {room}")
            ana.emit("chat_message", {"text": "across processes"})
            data = bob.wait_for("chat_message", timeout=5)
            assert data["client_id"] == "ana" and data["text"] == "across processes"
            ana.expect_no("chat_message", within=0.5)
            bob.disconnect()
            ana.wait_for("system", match=lambda d: d["text"] == f"Client bob left {room}")
        finally:
            first.close()
            second.close()


def test_without_a_shared_queue_the_processes_do_not_share(tmp_path: Path) -> None:
    """The same two processes without the queue: the message stays in its own process (so the
    test above proves the queue, not a shared process)."""
    folder = provided_copy(LESSON, LESSON.solution, tmp_path / "app")
    with running_server(LESSON.run, folder) as one, running_server(LESSON.run, folder) as two:
        first, second = SocketClients(one), SocketClients(two)
        try:
            ana, bob = first.connect("ana"), second.connect("bob")
            for client, name in ((ana, "ana"), (bob, "bob")):
                client.emit("join", {"client_id": name, "room": "lobby"})
                client.wait_for("system")
            ana.emit("chat_message", {"text": "stays here"})
            bob.expect_no("chat_message", within=1.0)
        finally:
            first.close()
            second.close()
