"""A fire-drill endpoint for graceful shutdown: ``GET /drill/slow?seconds=2`` answers after
that long (at most 10 s). It exists only when ``ENABLE_SLOW_DRILL=1``, so a real
deployment never offers a way to tie up its workers; the checker turns it on to send
SIGTERM while a request is in flight."""

import sys
import time

from flask import Blueprint, abort, request

bp = Blueprint("drill", __name__)
LONGEST = 10.0


@bp.get("/drill/slow")
def slow():
    seconds = request.args.get("seconds", 1.0, type=float)
    if seconds is None or not 0 <= seconds <= LONGEST:
        abort(400)
    # Printed as it starts, so a drill can send SIGTERM once the request is in flight.
    print(f"drill: sleeping {seconds:g} s", file=sys.stderr, flush=True)
    time.sleep(seconds)
    return {"slept": seconds}
