"""A Redis database of the check's own: the ``redis`` service kind.

A lesson about a task queue declares ``[[check.services]] kind = "redis"``; for each check
the checker claims one of the numbered databases of the local Redis server (127.0.0.1:6379,
databases 1 to 15; 0 is left to whatever else uses the server), empties it, gives its URL
(``redis://127.0.0.1:6379/N``) to the app, its processes and its commands in ``env`` and in
every variable named in ``also`` (a Celery broker and result backend), and flushes it when
the check ends. Two checks running at once claim two databases, so they never share a queue.

A database is claimed with one key, ``SET mission:check-claim <token> NX EX ...``, in that
database: the first check to set it owns the database until it flushes it (or the claim
expires, after a check that was killed outright).

Where no Redis answers, the lesson's checkpoints are skipped with the command that starts
it (:class:`~mission_control.check.services.ServiceUnavailable`); with ``CI`` set it is
required, and its absence is the error ``service_failed``.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from mission_control.check.report import ErrorKind, TargetError
from mission_control.check.services import RunningService, ServiceUnavailable

if TYPE_CHECKING:
    from mission_control.catalog import Lesson
    from mission_control.catalog import Service as ServiceSpec

HOST = "127.0.0.1"
PORT = 6379
DATABASES = range(1, 16)  # a default server has 16; 0 stays for other users of the server
CLAIM_KEY = "mission:check-claim"
CLAIM_SECONDS = 3600  # longer than any check may take (MISSION_CHECK_TIMEOUT is 900 s)
START_COMMAND = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379"


def server() -> tuple[str, int]:
    """127.0.0.1:6379, unless ``MISSION_REDIS_HOST``/``MISSION_REDIS_PORT`` say otherwise."""
    host = os.environ.get("MISSION_REDIS_HOST") or HOST
    try:
        port = int(os.environ.get("MISSION_REDIS_PORT") or PORT)
    except ValueError:
        port = PORT
    return host, port


def _client(db: int) -> Any:
    import redis

    host, port = server()
    return redis.Redis(host=host, port=port, db=db, socket_connect_timeout=3, socket_timeout=5)


class RedisService(RunningService):
    """One check's Redis database: ``db`` (its number) and ``url``."""

    def __init__(self, lesson: Lesson, spec: ServiceSpec) -> None:
        super().__init__(spec)
        import redis

        host, port = server()
        self._token = f"{lesson.id}-{uuid.uuid4().hex}"
        self.db: int | None = None
        try:
            for number in DATABASES:
                connection = _client(number)
                if connection.set(CLAIM_KEY, self._token, nx=True, ex=CLAIM_SECONDS):
                    self.db = number
                    break
                connection.close()
        except redis.RedisError as exc:
            reason = str(exc).strip() or type(exc).__name__
            if os.environ.get("CI"):
                raise TargetError(
                    ErrorKind.SERVICE_FAILED,
                    f"This check needs Redis on {host}:{port} (CI is set, so it is required), "
                    f"and it did not answer: {reason}. Start it with `{START_COMMAND}` and "
                    "check again.",
                ) from None
            raise ServiceUnavailable(
                f"This lesson's checkpoints need Redis on {host}:{port}, and none answered "
                f"({reason}). Start it with `{START_COMMAND}` (Debian: `apt-get install -y "
                "redis-server`), then check again."
            ) from None
        if self.db is None:
            raise TargetError(
                ErrorKind.SERVICE_FAILED,
                f"Every Redis database the checker may use on {host}:{port} "
                f"({DATABASES.start}-{DATABASES.stop - 1}) is taken by another check running "
                "now. Wait for one to finish and check again.",
            )
        self._flush(keep_claim=True)  # whatever a killed check may have left
        connection.close()
        self.url = f"redis://{host}:{port}/{self.db}"
        self.env = {name: self.url for name in [spec.env, *spec.option("also").split()]}

    def _flush(self, *, keep_claim: bool) -> None:
        assert self.db is not None
        connection = _client(self.db)
        try:
            if keep_claim:
                for key in connection.scan_iter(count=500):
                    if key != CLAIM_KEY.encode():
                        connection.delete(key)
            elif connection.get(CLAIM_KEY) == self._token.encode():
                connection.flushdb()  # the claim goes with it
        finally:
            connection.close()

    def keys(self) -> list[str]:
        """The keys now in the check's database (the claim left out)."""
        assert self.db is not None
        connection = _client(self.db)
        try:
            return sorted(
                key.decode() for key in connection.scan_iter(count=500) if key != CLAIM_KEY.encode()
            )
        finally:
            connection.close()

    def stop(self) -> None:
        """Flush the database (the queues, the results) and so give it back."""
        if self.db is not None:
            self._flush(keep_claim=False)
            self.db = None
