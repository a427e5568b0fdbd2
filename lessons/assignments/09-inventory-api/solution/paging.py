"""Reading ``offset`` and ``limit`` from the query string, the same way for both versions."""

import re

from flask import abort, request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_DIGITS = 9  # int() refuses strings over 4,300 digits; no inventory needs more than this
# [0-9], not \d and not str.isdigit(): both also accept "²" and Arabic-Indic digits "٣".
_DIGITS = re.compile(r"[0-9]+")


def _whole_number(name: str, default: int) -> int:
    """The query parameter ``name`` as an int ≥ 0, ``default`` when absent, else 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    # request.args.get(name, type=int) would quietly fall back to the default for "abc";
    # a client that sent a wrong value deserves to hear about it.
    if not _DIGITS.fullmatch(raw):
        abort(400, description=f"'{name}' must be a whole number, not {raw!r}.")
    if len(raw.lstrip("0")) > MAX_DIGITS:
        abort(400, description=f"'{name}' is too large: at most {MAX_DIGITS} digits.")
    return int(raw)


def page_args() -> tuple[int, int]:
    """``(offset, limit)`` from the query string; abort with 400 when either is invalid."""
    offset = _whole_number("offset", 0)
    limit = _whole_number("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        abort(400, description=f"'limit' must be from 1 to {MAX_LIMIT}, not {limit}.")
    return offset, limit
