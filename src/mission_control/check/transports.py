"""How a checkpoint's requests reach the app: two transports, one interface.

- :class:`WsgiPipe`: frames over two pipes to the worker process that imported the app
  (``worker.py``). Fast, no port, and the only way to run a request under
  ``wsgiref.validate`` or to see the exception an app raised.
- :class:`HttpTransport`: HTTP with httpx to any address: a server the checker started, or
  one at a URL.

Both take a :class:`~mission_control.check.client.Request` (built once, as bytes) and return
a :class:`~mission_control.check.client.Response`; both keep a browser-like cookie jar that
:meth:`reset_session` empties, so every checkpoint starts as a new visitor.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from mission_control.check.client import Headers, Request, RequestTimedOut, Response
from mission_control.check.report import CheckerError

if TYPE_CHECKING:
    import httpx

_STATUS = re.compile(r"^(\d{3})\s*(.*)$")


class Transport(Protocol):
    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response: ...

    def reset_session(self) -> None: ...

    def close(self) -> None: ...


class PipeClosed(Exception):
    """The worker's end of the pipe is gone: its process ended."""


class ConnectionLost(Exception):
    """The server closed or refused the connection instead of answering."""


# -- frames: a 4-byte big-endian length, then a JSON object (see worker.py) ----------------


def encode_frame(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message).encode()
    return struct.pack(">I", len(payload)) + payload


class FrameReader:
    """Splits bytes read from a pipe into frames, without copying the buffer on every read."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk

    def next_frame(self) -> dict[str, Any] | None:
        if len(self._buffer) < 4:
            return None
        (length,) = struct.unpack(">I", self._buffer[:4])
        if len(self._buffer) < 4 + length:
            return None
        frame = bytes(self._buffer[4 : 4 + length])
        del self._buffer[: 4 + length]
        result: dict[str, Any] = json.loads(frame)
        return result


def request_frame(request: Request, wsgi_lint: bool) -> dict[str, Any]:
    return {
        "type": "request",
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": request.headers,
        "body": base64.b64encode(request.body).decode(),
        "wsgi_lint": wsgi_lint,
    }


def response_from_frame(
    frame: dict[str, Any], request: Request, restore: Callable[[str], str] = str
) -> Response:
    """The Response a worker's answer frame describes (an exception becomes a 500 that
    carries it in ``raised``)."""
    if frame["type"] == "raised":
        return Response(
            status_code=500,
            reason="INTERNAL SERVER ERROR",
            headers=Headers([("Content-Type", "text/plain; charset=utf-8")]),
            data=f"(no response: your app raised {frame['exception']})".encode(),
            request=request,
            raised=restore(frame["exception"]),
        )
    match = _STATUS.match(frame["status"])
    return Response(
        status_code=int(match.group(1)) if match else 0,
        reason=match.group(2) if match else frame["status"],
        headers=Headers(tuple(pair) for pair in frame["headers"]),
        data=base64.b64decode(frame["body"]),
        request=request,
    )


class WsgiPipe:
    """Requests to an app hosted by a worker process, over the worker's two pipes."""

    def __init__(self, to_app: int, from_app: int, restore: Callable[[str], str] = str) -> None:
        self._to_app = to_app
        self._from_app = from_app
        self._restore = restore
        self._frames = FrameReader()

    @property
    def open(self) -> bool:
        return self._to_app >= 0

    def write(self, message: dict[str, Any]) -> None:
        data = encode_frame(message)
        try:
            while data:
                written = os.write(self._to_app, data)
                data = data[written:]
        except (BrokenPipeError, OSError):
            raise PipeClosed from None

    def read(self, timeout: float) -> dict[str, Any]:
        """The next frame; :class:`PipeClosed` if the worker is gone; TimeoutError if it
        says nothing for ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._frames.next_frame()
            if frame is not None:
                return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self._from_app], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._from_app, 1 << 20)
            if not chunk:
                raise PipeClosed
            self._frames.feed(chunk)

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        self.write(request_frame(request, wsgi_lint))
        return response_from_frame(self.read(timeout), request, self._restore)

    def reset_session(self) -> None:
        self.write({"type": "reset"})
        self.read(5.0)

    def close(self) -> None:
        for fd in (self._to_app, self._from_app):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_app = self._from_app = -1


class HttpTransport:
    """Requests over HTTP to ``base_url`` (httpx, no redirects followed, no proxies)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx  # only the live modes pay for importing it

            self._http = httpx.Client(follow_redirects=False, trust_env=False)
        return self._http

    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response:
        import httpx

        try:
            answer = self._client().request(
                request.method,
                self.base_url + request.target,
                headers=request.headers,
                content=request.body or None,
                timeout=timeout,
            )
        except httpx.TimeoutException:
            raise RequestTimedOut(request, timeout) from None
        except httpx.LocalProtocolError as exc:  # never sent: the checkpoint's request is bad
            raise CheckerError(f"the checker could not send {request.target}: {exc}") from None
        except httpx.TransportError as exc:
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from None
        return Response(
            status_code=answer.status_code,
            reason=answer.reason_phrase,
            headers=Headers(answer.headers.multi_items()),
            data=answer.content,
            request=request,
        )

    def reset_session(self) -> None:
        if self._http is not None:
            self._http.cookies.clear()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
