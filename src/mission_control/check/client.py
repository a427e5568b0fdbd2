"""What a checkpoint holds: a client that speaks HTTP to the app under check, the responses it
gets back, and expectations that turn a wrong answer into advice.

The same :class:`Client` API works in every target mode; only the transport underneath
changes (Werkzeug's test client in a child process, or httpx against a live server). Each
request is kept, so a failed expectation can show the learner the request as a curl command
and what came back.
"""

from __future__ import annotations

import json as jsonlib
import shlex
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

BODY_PREVIEW = 400  # characters of a response body shown to the learner


class CheckFailed(AssertionError):
    """A checkpoint's expectation did not hold.

    ``message`` says what was expected and what came instead ("expected X, not Y");
    ``hint`` (optional) replaces the checkpoint's own hint; ``response`` is the exchange to
    show (defaults to the last request the checkpoint made).
    """

    def __init__(
        self, message: str, *, hint: str | None = None, response: Response | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.response = response


class RequestTimedOut(Exception):
    """The app did not answer within the lesson's time limit."""

    def __init__(self, request: Request, seconds: float) -> None:
        self.request = request
        self.seconds = seconds
        super().__init__(
            f"{request.method} {request.target} got no answer within {seconds:g} s, so the "
            "checker gave up on it. Look for a loop that never ends, a lock taken twice, or "
            "a call that waits on something that never comes."
        )


class AppCrashed(Exception):
    """The app's process ended (or its server dropped the connection) mid-request."""

    def __init__(self, request: Request, detail: str) -> None:
        self.request = request
        super().__init__(
            f"Your app stopped while answering {request.method} {request.target}: {detail}"
        )


class Headers:
    """Response or request headers: ordered, repeatable, looked up case-insensitively."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = [(str(k), str(v)) for k, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self._items:
            if key.lower() == lowered:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self._items if key.lower() == lowered]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class Request:
    """One request as the checker sent it."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: how curl should send the body: ("json", text) | ("form", text) | ("multipart", parts)
    #: | ("raw", None)
    body_kind: tuple[str, Any] = ("none", None)

    @property
    def target(self) -> str:
        """Path and query, as in the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def curl(self, base_url: str) -> str:
        """This request as a curl command the learner can paste into a terminal."""
        url = base_url.rstrip("/") + self.target
        words = ["curl", "-i"]
        if self.method == "HEAD":
            words = ["curl", "-I"]
        elif self.method != "GET" and not (self.method == "POST" and self.body_kind[0] != "none"):
            words += ["-X", self.method]
        words.append(url)
        kind, detail = self.body_kind
        for name, value in self.headers:
            if kind == "multipart" and name.lower() == "content-type":
                continue  # curl -F writes its own, with the boundary
            words += ["-H", f"{name}: {value}"]
        if kind in ("json", "form"):
            words += ["-d", detail]
        elif kind == "multipart":
            for part in detail:
                words += ["-F", part]
        elif kind == "raw" and self.body:
            text = _as_text(self.body)
            if text is not None and len(text) <= 2000:
                words += ["--data-binary", text]
            else:
                return shlex.join([*words, "--data-binary", "@body.bin"]) + (
                    f"   # body.bin: {len(self.body):,} bytes"
                )
        return shlex.join(words)


@dataclass
class Response:
    """What came back. Werkzeug-style names: ``status_code``, ``headers``, ``data``."""

    status_code: int
    reason: str
    headers: Headers
    data: bytes
    request: Request
    elapsed_ms: float = 0.0
    #: when the checker calls the app itself: the exception it raised instead of answering
    raised: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" if none was sent)."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def is_json(self) -> bool:
        mimetype = self.content_type
        return mimetype == "application/json" or mimetype.endswith("+json")

    @property
    def json(self) -> Any:
        """The body parsed as JSON; a :class:`CheckFailed` that explains if it is not."""
        return self.expect_json()

    @property
    def status_line(self) -> str:
        return f"{self.status_code} {self.reason}".strip()

    def summary(self) -> str:
        """Status, content type and the start of the body, for a failure message."""
        kind = self.headers.get("Content-Type") or "no Content-Type"
        head = f"{self.status_line}, {kind}"
        if self.raised:
            return f"{head}\n(your app raised {self.raised}; its traceback is in the app's log)"
        return f"{head}\n{preview(self.data)}" if self.data else f"{head}, empty body"

    # -- expectations -------------------------------------------------------------------

    def expect_status(self, *codes: int, hint: str | None = None) -> Response:
        """Fail unless the status is one of ``codes``."""
        if self.status_code not in codes:
            wanted = " or ".join(status_text(code) for code in codes)
            got = self.status_line
            if self.raised:
                got += f" (your app raised {self.raised})"
            raise CheckFailed(f"expected status {wanted}, not {got}", hint=hint, response=self)
        return self

    def expect_json(self, kind: type | None = None, *, hint: str | None = None) -> Any:
        """The body as JSON; fail if it is not JSON (or not of ``kind``: dict or list)."""
        if not self.is_json:
            got = self.content_type or "no Content-Type"
            raise CheckFailed(
                f"expected a JSON body (Content-Type: application/json), not {got}",
                hint=hint,
                response=self,
            )
        try:
            value = jsonlib.loads(self.data)
        except ValueError:
            raise CheckFailed(
                "expected valid JSON, but the body does not parse as JSON",
                hint=hint,
                response=self,
            ) from None
        if kind is not None and not isinstance(value, kind):
            raise CheckFailed(
                f"expected {json_kind(kind)}, not {json_kind(type(value))}",
                hint=hint,
                response=self,
            )
        return value

    def expect_error(self, *codes: int, hint: str | None = None) -> dict[str, Any]:
        """Fail unless the status is one of ``codes`` and the body is ``{"error": "..."}``."""
        self.expect_status(*codes, hint=hint)
        body = self.expect_json(dict, hint=hint)
        message = body.get("error")
        if not isinstance(message, str) or not message.strip():
            raise CheckFailed(
                'expected a JSON error like {"error": "what went wrong"}, '
                f"not {preview(self.data, 120)}",
                hint=hint,
                response=self,
            )
        error_body: dict[str, Any] = body
        return error_body

    def expect_header(
        self,
        name: str,
        check: str | Callable[[str], bool] | None = None,
        *,
        expected: str | None = None,
        hint: str | None = None,
    ) -> str:
        """The value of header ``name``; fail if it is missing or does not pass ``check``
        (a value to equal, or a predicate; ``expected`` describes the predicate)."""
        value = self.headers.get(name)
        if value is None:
            raise CheckFailed(
                f"expected the header {name}, but the response has none", hint=hint, response=self
            )
        if check is None:
            return value
        ok = check(value) if callable(check) else value == check
        if not ok:
            wanted = expected or repr(check)
            raise CheckFailed(
                f"expected the {name} header to be {wanted}, not {value!r}",
                hint=hint,
                response=self,
            )
        return value

    def expect_empty_body(self, *, hint: str | None = None) -> Response:
        if self.data:
            raise CheckFailed(
                f"expected an empty body, not {preview(self.data, 120)}", hint=hint, response=self
            )
        return self


class Transport(Protocol):
    def send(self, request: Request, timeout: float, *, wsgi_lint: bool = False) -> Response: ...


class Client:
    """Requests to the app under check, with the same API in every target mode."""

    def __init__(self, transport: Transport, base_url: str, timeout: float = 10.0) -> None:
        self.transport = transport
        self.base_url = base_url
        self.timeout = timeout
        self.exchanges: list[Response] = []
        self.last_request: Request | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        json: Any = ...,
        data: Mapping[str, Any] | str | bytes | None = None,
        files: Mapping[str, tuple[Any, ...]] | None = None,
        timeout: float | None = None,
        wsgi_lint: bool = False,
    ) -> Response:
        """Send one request and return the response.

        ``json`` sends a JSON body; ``data`` a form (a mapping) or raw bytes/text (with the
        ``Content-Type`` you give in ``headers``); ``files`` (``{"field": (filename, bytes[,
        content_type])}``, with ``data`` as extra fields) a multipart form. ``wsgi_lint``
        runs the request through ``wsgiref.validate`` (in-process, or in a worker beside a
        served app; not with --url).
        """
        request = build_request(method, path, query, headers, json, data, files)
        self.last_request = request
        started = time.perf_counter()
        response = self.transport.send(request, timeout or self.timeout, wsgi_lint=wsgi_lint)
        response.elapsed_ms = (time.perf_counter() - started) * 1000
        self.exchanges.append(response)
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Response:
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", path, **kwargs)


def build_request(
    method: str,
    path: str,
    query: Mapping[str, Any] | str | None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    json: Any,
    data: Mapping[str, Any] | str | bytes | None,
    files: Mapping[str, tuple[Any, ...]] | None,
) -> Request:
    """Encode a request once, as bytes, so every transport sends exactly the same thing."""
    if not path.startswith("/"):
        raise ValueError(f"checkpoint paths start with '/': {path!r}")
    path, _, inline_query = path.partition("?")
    if isinstance(query, Mapping):
        query_string = urlencode(query, doseq=True)
    else:
        query_string = query or inline_query
    items = list(headers.items() if isinstance(headers, Mapping) else headers or [])
    names = {name.lower() for name, _ in items}
    request = Request(method=method.upper(), path=path, query=query_string, headers=items)

    def content_type(value: str) -> None:
        if "content-type" not in names:
            items.append(("Content-Type", value))

    if json is not ...:
        text = jsonlib.dumps(json)
        request.body = text.encode()
        request.body_kind = ("json", text)
        content_type("application/json")
    elif files is not None:
        fields = data if isinstance(data, Mapping) else {}
        request.body, boundary, parts = encode_multipart(fields, files)
        request.body_kind = ("multipart", parts)
        content_type(f"multipart/form-data; boundary={boundary}")
    elif isinstance(data, Mapping):
        text = urlencode(data, doseq=True)
        request.body = text.encode()
        request.body_kind = ("form", text)
        content_type("application/x-www-form-urlencoded")
    elif data is not None:
        request.body = data.encode() if isinstance(data, str) else bytes(data)
        request.body_kind = ("raw", None)
    return request


def encode_multipart(
    fields: Mapping[str, Any], files: Mapping[str, tuple[Any, ...]]
) -> tuple[bytes, str, list[str]]:
    """A multipart/form-data body, its boundary, and the matching ``curl -F`` arguments."""
    boundary = f"mission-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    curl_parts: list[str] = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
        curl_parts.append(f"{name}={value}")
    for name, spec in files.items():
        filename, content = spec[0], spec[1]
        mimetype = spec[2] if len(spec) > 2 else "application/octet-stream"
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {mimetype}\r\n\r\n".encode()
            + bytes(content)
            + b"\r\n"
        )
        curl_parts.append(f"{name}=@{filename or 'file'};type={mimetype}")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), boundary, curl_parts


def status_text(code: int) -> str:
    """``201 Created`` for 201; the bare number for codes Python does not know."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def json_kind(kind: type) -> str:
    return {
        dict: "a JSON object",
        list: "a JSON array",
        str: "a JSON string",
        int: "a number",
        float: "a number",
        bool: "true or false",
        type(None): "null",
    }.get(kind, kind.__name__)


def preview(data: bytes | str, limit: int = BODY_PREVIEW) -> str:
    """The start of a body, made safe to print."""
    text = _as_text(data) if isinstance(data, bytes) else data
    if text is None:
        return f"<{len(data):,} bytes of binary data>"
    text = text.strip()
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text


def _as_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        return None
    return text


def same_path(location: str, path: str) -> bool:
    """Whether a Location header points at ``path`` (relative or absolute URL)."""
    return urlsplit(location).path == path
