"""Socket.IO clients for checkpoints: the ``socketio_clients`` fixture.

A real-time lesson is checked the way a browser uses it: a Socket.IO client connects to the
app's real port (long-polling first, then upgraded to WebSocket, as the JavaScript client
does), emits events and waits for the events the server sends back. A checkpoint opens as
many clients as it needs (two people in a room, a third in another), each with a name that
failures use ("expected a `system` event on client bob within 2 s ...").

Every wait is bounded, and a failure says which event was expected on which client, within
how long, and what that client did receive instead (event names and payloads, trimmed).
Clients are always disconnected when the checkpoint ends, even when it fails.

``socketio`` (python-socketio) is imported only when a checkpoint asks for a client, so
lessons without Socket.IO pay nothing for it. The fixture needs the ``port`` capability
(through ``base_url``): an in-process check has no server to connect to.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mission_control.check.client import CheckFailed

PREVIEW = 160  # characters of one payload shown in a failure
SHOWN_EVENTS = 8  # events listed in a failure, the latest ones
CONNECT_TIMEOUT = 5.0

Match = Callable[[Any], bool]


@dataclass(frozen=True)
class Event:
    """One event a client received: its name and its payload (``None`` when it had none)."""

    name: str
    data: Any

    def show(self) -> str:
        """The event as a learner reads it: ``system {"text": "..."}``, trimmed."""
        if self.data is None:
            return self.name
        try:
            shown = json.dumps(self.data, ensure_ascii=False)
        except (TypeError, ValueError):
            shown = repr(self.data)
        if len(shown) > PREVIEW:
            shown = shown[: PREVIEW - 1] + "…"
        return f"{self.name} {shown}"


def _payload(args: tuple[Any, ...]) -> Any:
    if not args:
        return None
    return args[0] if len(args) == 1 else list(args)


class SocketClient:
    """One connected Socket.IO client, as one browser tab would be.

    ``events`` is everything it received, in order. ``wait_for`` returns the payload of the
    next matching event it has not handed out yet, so a checkpoint reads a conversation in
    order; ``expect_no`` proves something did not arrive.
    """

    def __init__(self, name: str, sio: Any) -> None:
        self.name = name
        self._sio = sio
        self._events: list[Event] = []
        self._taken: set[int] = set()
        self._changed = threading.Condition()
        sio.on("*", self._received)

    def _received(self, event: str, *args: Any) -> None:
        with self._changed:
            self._events.append(Event(event, _payload(args)))
            self._changed.notify_all()

    @property
    def events(self) -> list[Event]:
        with self._changed:
            return list(self._events)

    @property
    def sid(self) -> str | None:
        """The session id the server gave this client."""
        return getattr(self._sio, "sid", None)

    @property
    def transport(self) -> str:
        """``"websocket"`` once the connection was upgraded, ``"polling"`` before."""
        return str(self._sio.transport())

    @property
    def connected(self) -> bool:
        return bool(self._sio.connected)

    def emit(self, event: str, data: Any = None) -> None:
        """Send ``event`` with ``data`` (any JSON value) to the server."""
        if not self._sio.connected:
            raise CheckFailed(
                f"client {self.name} could not send {event!r}: the server closed its "
                "connection (a server should answer a bad event with an error, not hang up)"
            )
        self._sio.emit(event, data)

    def wait_for(
        self,
        event: str,
        *,
        timeout: float = 3.0,
        match: Match | None = None,
        what: str | None = None,
        hint: str | None = None,
    ) -> Any:
        """The payload of the next ``event`` this client receives (or has received and not
        yet been handed) for which ``match(payload)`` holds. Fails after ``timeout``
        seconds, saying what arrived instead; ``what`` describes the wanted event in the
        lesson's words ("a `system` event saying Client ana joined lobby")."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index, received in enumerate(self._events):
                    if index in self._taken or received.name != event:
                        continue
                    if match is None or match(received.data):
                        self._taken.add(index)
                        return received.data
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        wanted = what or f"a `{event}` event"
        raise CheckFailed(
            f"expected {wanted} on client {self.name} within {timeout:g} s, not {self._arrived()}",
            hint=hint,
        )

    def wait_for_all(
        self, event: str, count: int, *, timeout: float = 10.0, what: str | None = None
    ) -> list[Any]:
        """The payloads of the next ``count`` ``event`` events, in the order they came;
        fails after ``timeout`` seconds saying how many came."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    index
                    for index, received in enumerate(self._events)
                    if index not in self._taken and received.name == event
                ]
                if len(found) >= count:
                    self._taken.update(found[:count])
                    return [self._events[index].data for index in found[:count]]
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        wanted = what or f"{count} `{event}` events"
        raise CheckFailed(
            f"expected {wanted} on client {self.name} within {timeout:g} s, not "
            f"{len(found)} of them (the last things it received: {self._arrived()})"
        )

    def expect_no(
        self,
        event: str,
        *,
        within: float = 0.5,
        match: Match | None = None,
        what: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Fail if this client receives an ``event`` (for which ``match`` holds) within
        ``within`` seconds, counting what it already received and was not handed."""
        try:
            data = self.wait_for(event, timeout=within, match=match)
        except CheckFailed:
            return
        wanted = what or f"no `{event}` event"
        raise CheckFailed(
            f"expected {wanted} on client {self.name}, not {Event(event, data).show()}",
            hint=hint,
        )

    def _arrived(self) -> str:
        with self._changed:
            unseen = [e for i, e in enumerate(self._events) if i not in self._taken]
        if not unseen:
            return "nothing at all" if not self._events else "nothing new"
        shown = [e.show() for e in unseen[-SHOWN_EVENTS:]]
        more = len(unseen) - len(shown)
        prefix = f"… ({more} earlier), " if more else ""
        return prefix + "; ".join(shown)

    def disconnect(self) -> None:
        """Close the connection, as closing the tab would; safe to call twice."""
        if self._sio.connected:
            self._sio.disconnect()


class SocketClients:
    """The clients one checkpoint opened: ``connect("ana")`` opens one more."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.clients: list[SocketClient] = []

    def connect(
        self, name: str | None = None, *, upgrade: bool = True, timeout: float = CONNECT_TIMEOUT
    ) -> SocketClient:
        """A new client connected to the app, by long-polling upgraded to WebSocket (with
        ``upgrade=False``, long-polling only). Fails if it cannot connect or upgrade."""
        import socketio  # type: ignore[import-untyped]  # only the lessons that use Socket.IO pay for importing it

        name = name or f"#{len(self.clients) + 1}"
        sio = socketio.Client(reconnection=False, handle_sigint=False)
        client = SocketClient(name, sio)
        self.clients.append(client)
        transports = ["polling", "websocket"] if upgrade else ["polling"]
        try:
            sio.connect(self.base_url, transports=transports, wait_timeout=timeout)
        except socketio.exceptions.ConnectionError as error:
            raise CheckFailed(
                f"expected client {name} to connect to {self.base_url}/socket.io/ within "
                f"{timeout:g} s, not {error or 'a refused connection'}",
                hint="Create `socketio = SocketIO(app)` and start the app with "
                "`socketio.run(app, ...)`, so the server speaks Socket.IO.",
            ) from None
        if upgrade:
            self._expect_upgrade(client, timeout)
        return client

    @staticmethod
    def _expect_upgrade(client: SocketClient, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while client.transport != "websocket" and time.monotonic() < deadline:
            time.sleep(0.02)
        if client.transport != "websocket":
            raise CheckFailed(
                f"expected client {client.name}'s connection to be upgraded to WebSocket "
                f"within {timeout:g} s, not to stay on {client.transport}",
                hint="Install simple-websocket (it is in requirements.txt): without it the "
                "threading server can only long-poll.",
            )

    def close(self) -> None:
        """Disconnect every client, whatever state it is in."""
        for client in self.clients:
            with contextlib.suppress(Exception):  # closing must never fail the check
                client.disconnect()


@pytest.fixture
def socketio_clients(base_url: str) -> Iterator[SocketClients]:
    """Socket.IO clients to the app under check: ``ana = socketio_clients.connect("ana")``,
    then ``ana.emit(...)`` and ``ana.wait_for(...)``; all disconnected afterwards."""
    clients = SocketClients(base_url)
    try:
        yield clients
    finally:
        clients.close()
