"""Reading ``offset`` and ``limit`` from the query string, the same way for both versions."""

from flask import abort, request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _whole_number(name: str, default: int) -> int:
    """The query parameter ``name`` as an int ≥ 0, ``default`` when absent, else 400."""
    value = request.args.get(name, default, type=int)
    if value < 0:
        abort(400, description=f"'{name}' must be 0 or more.")
    return value


def page_args() -> tuple[int, int]:
    """``(offset, limit)`` from the query string; abort with 400 when either is invalid."""
    offset = _whole_number("offset", 0)
    limit = _whole_number("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        abort(400, description=f"'limit' must be from 1 to {MAX_LIMIT}, not {limit}.")
    return offset, limit
