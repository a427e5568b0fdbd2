"""Which port is whose: the hub's own default, and a plain notice when a lesson's port is taken.

Every lesson's app listens on 5000 or 8000 (its ``port`` in lesson.toml), so the hub listens on
a port no lesson uses: the learner can keep the hub open while ``python app.py`` runs, and the
curl lines the checker prints reach their app, not the hub. When something else already
holds a lesson's port anyway, :func:`port_notice` says so in one line.
"""

from __future__ import annotations

import socket

#: The hub's default port (``mission serve``, ``make run``); no lesson uses it.
HUB_PORT = 8765
#: The header the hub sets on every response, so a check can tell the hub from the app.
HUB_HEADER = "X-Mission-Control"


def listening(port: int, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
    """Whether something accepts connections on ``host:port`` right now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def is_hub(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """Whether the server on ``host:port`` is the Mission Control hub (it says so in a header)."""
    import http.client  # only when a port is taken: every check imports this module

    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("HEAD", "/")
        return connection.getresponse().getheader(HUB_HEADER) is not None
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def port_notice(port: int, lesson_id: str) -> str | None:
    """One line for the learner when ``port`` (a lesson's documented port) is taken by the
    hub or by another program; ``None`` when it is free (or holds, presumably, their app)."""
    if not listening(port):
        return None
    if is_hub(port):
        return (
            f"Note: Mission Control (the hub) is using port {port}, the port your {lesson_id} "
            f"app uses, so `python app.py` cannot start and the curl lines below would reach "
            f"the hub. Restart the hub on its own port: `mission serve` (port {HUB_PORT})."
        )
    return (
        f"Note: something is already listening on 127.0.0.1:{port}, the port your {lesson_id} "
        "app uses. If it is your app, fine; if not, stop that program first, or the curl "
        "lines below reach it instead of your app."
    )
