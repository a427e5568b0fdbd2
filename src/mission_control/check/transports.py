"""How a checkpoint's requests reach the app: two transports, one interface.

- :class:`WsgiPipe`: frames over two pipes to the worker process that imported the app
  (``worker.py``). Fast, no port, and the only way to run a request under
  ``wsgiref.validate`` or to see the exception an app raised.
- :class:`HttpTransport`: HTTP with httpx to any address: a server the checker started, or
  one at a URL.

Every request has a total deadline (not a time per read: a server that trickles a byte a
second is stopped at the deadline) and every response a size cap (:data:`MAX_RESPONSE_BYTES`,
``MISSION_MAX_RESPONSE_MB``), over HTTP and over the pipe alike.

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
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from mission_control.check.client import Headers, Request, RequestTimedOut, Response
from mission_control.check.report import CheckerError

if TYPE_CHECKING:
    import httpx

_STATUS = re.compile(r"^(\d{3})\s*(.*)$")


def _max_response_bytes() -> int:
    try:
        megabytes = float(os.environ.get("MISSION_MAX_RESPONSE_MB", "64"))
    except ValueError:
        megabytes = 64
    return int(max(megabytes, 0.001) * (1 << 20))


MAX_RESPONSE_BYTES = _max_response_bytes()  # the most of one response body the checker reads


class Transport(Protocol):
    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response: ...

    def reset_session(self) -> None: ...

    def close(self) -> None: ...


class PipeClosed(Exception):
    """The worker's end of the pipe is gone: its process ended."""


class ConnectionLost(Exception):
    """The server closed or refused the connection instead of answering."""


class ResponseTooLarge(ConnectionLost):
    """The answer was bigger than :data:`MAX_RESPONSE_BYTES`; the checker stopped reading."""

    def __init__(self) -> None:
        super().__init__(
            f"the response was larger than {MAX_RESPONSE_BYTES / (1 << 20):g} MB, the most "
            "the checker reads of one answer"
        )


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
        if length > MAX_RESPONSE_BYTES * 4 // 3 + (1 << 20):
            raise ResponseTooLarge
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
            try:
                frame = self._frames.next_frame()
            except ResponseTooLarge:
                self.close()  # the rest of the frame will never be read: start afresh
                raise
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


def _read_capped(answer: httpx.Response) -> bytes:
    """The body, decoded as httpx does, up to :data:`MAX_RESPONSE_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


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
        """One request, over within ``timeout`` seconds in all (headers and body), whatever
        the server does: at the deadline the connection is closed under httpx's feet."""
        import httpx

        client = self._client()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            client.close()  # a blocked read ends at once

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            with client.stream(
                request.method,
                self.base_url + request.target,
                headers=request.headers,
                content=request.body or None,
                timeout=timeout,
            ) as answer:
                data = _read_capped(answer)
        except httpx.LocalProtocolError as exc:  # never sent: the checkpoint's request is bad
            if expired.is_set():
                raise self._timed_out(request, timeout, client) from None
            raise CheckerError(f"the checker could not send {request.target}: {exc}") from None
        except (httpx.TransportError, RuntimeError) as exc:  # RuntimeError: closed client
            if expired.is_set() or isinstance(exc, httpx.TimeoutException):
                raise self._timed_out(request, timeout, client) from None
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from None
        finally:
            timer.cancel()
        if expired.is_set():
            raise self._timed_out(request, timeout, client)
        return Response(
            status_code=answer.status_code,
            reason=answer.reason_phrase,
            headers=Headers(answer.headers.multi_items()),
            data=data,
            request=request,
        )

    def _timed_out(self, request: Request, timeout: float, client: httpx.Client) -> RequestTimedOut:
        """Forget the closed client (keeping its cookies) and say the request took too long."""
        if self._http is client:
            cookies = client.cookies
            self._http = None
            self._client().cookies.update(cookies)
        return RequestTimedOut(request, timeout)

    def reset_session(self) -> None:
        if self._http is not None:
            self._http.cookies.clear()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
