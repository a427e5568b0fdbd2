"""Responses made by hand, as a transport would return them, for the unit tests."""

from __future__ import annotations

from http import HTTPStatus

from mission_control.check.client import Headers, Request, Response


def build_response(
    status: int = 200,
    body: bytes | str = b"",
    headers: list[tuple[str, str]] | None = None,
    *,
    reason: str | None = None,
    content_type: str | None = None,
    raised: str | None = None,
) -> Response:
    """A Response as a transport would return it for ``GET /``."""
    items = list(headers or [])
    if content_type is not None:
        items.append(("Content-Type", content_type))
    data = body.encode() if isinstance(body, str) else body
    return Response(
        status_code=status,
        reason=reason if reason is not None else _reason(status),
        headers=Headers(items),
        data=data,
        request=Request(method="GET", path="/"),
        raised=raised,
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.upper()
    except ValueError:
        return ""
