"""Reading ``offset`` and ``limit`` from the query string, the same way for both versions."""

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def page_args() -> tuple[int, int]:
    """``(offset, limit)`` from the query string; abort with 400 when either is invalid."""
    # TODO: read "offset" (default 0) and "limit" (default DEFAULT_LIMIT) from request.args.
    #   Accept digits only: "abc", "-1", "2.5" and "" are a 400 (abort(400, description=...)),
    #   not the default. Then offset >= 0 and 1 <= limit <= MAX_LIMIT, else 400 too.
    #   (request.args.get("limit", type=int) is not enough: it turns "abc" into the default.)
    return 0, DEFAULT_LIMIT
