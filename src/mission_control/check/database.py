"""A throwaway database for one check: the ``postgres`` service kind.

A lesson about databases declares ``[[check.services]] kind = "postgres"``; for each check
the checker creates a database of its own on the local PostgreSQL server (127.0.0.1:5432,
trust authentication, connecting as the current user), hands its SQLAlchemy URL
(``postgresql+psycopg://...``, for psycopg 3) to the app and its commands in the
variable the lesson names, and drops it when the check ends, whatever ended it. A learner's
own data never meets the checker's, and two checks running at once never meet each other.

Where no PostgreSQL answers, the check still runs, on a SQLite file in a temporary folder,
and the report says so first (:attr:`DatabaseService.notice`): a learner without a server
still gets feedback. With ``CI`` set PostgreSQL is required, so the course's own tests can
never pass on the fallback by accident.

:meth:`DatabaseService.query` is what the ``database`` fixture gives a checkpoint: read-only
SQL on that database, to see what the app stored (that a password is a hash, not the
password).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission_control.check.report import CheckerError, ErrorKind, TargetError
from mission_control.check.services import RunningService

if TYPE_CHECKING:
    from mission_control.catalog import Lesson
    from mission_control.catalog import Service as ServiceSpec

HOST = "127.0.0.1"
PORT = 5432


def server() -> tuple[str, int]:
    """Where the PostgreSQL server is: 127.0.0.1:5432, unless ``MISSION_POSTGRES_HOST`` or
    ``MISSION_POSTGRES_PORT`` say otherwise (a server on another port; the tests use a port
    where nothing listens to prove the fallback)."""
    host = os.environ.get("MISSION_POSTGRES_HOST") or HOST
    try:
        port = int(os.environ.get("MISSION_POSTGRES_PORT") or PORT)
    except ValueError:
        port = PORT
    return host, port


#: Databases the checker connects to in order to create and drop the check's own.
MAINTENANCE_DATABASES = ("postgres", "test")
CONNECT_TIMEOUT = 3  # seconds: a server that is there answers at once


def postgres_required() -> bool:
    """With ``CI`` set the fallback is not allowed: a missing server is a failure."""
    return bool(os.environ.get("CI"))


def _connect(dbname: str, **options: Any) -> Any:
    import psycopg

    host, port = server()
    return psycopg.connect(
        host=host,
        port=port,
        user=getpass.getuser(),
        dbname=dbname,
        connect_timeout=CONNECT_TIMEOUT,
        **options,
    )


def _maintenance_connection() -> tuple[Any, str]:
    """An autocommit connection to a database that exists, and its name; raises the last
    connection error when none answers."""
    import psycopg

    last: Exception | None = None
    for name in MAINTENANCE_DATABASES:
        try:
            return _connect(name, autocommit=True), name
        except psycopg.Error as exc:
            last = exc
    assert last is not None
    raise last


class DatabaseService(RunningService):
    """One check's database. ``kind`` is ``"postgresql"`` or ``"sqlite"`` (the fallback),
    ``url`` the SQLAlchemy URL the app gets, ``notice`` a sentence for the report when the
    check runs on the fallback."""

    def __init__(self, lesson: Lesson, spec: ServiceSpec, *, kind: str | None = None) -> None:
        super().__init__(spec)
        self.kind = ""
        self.url = ""
        self.path: Path | None = None
        self.name = f"mission_{lesson.id}_{uuid.uuid4().hex[:12]}"
        self._tmp: str | None = None
        self._lesson = lesson
        if kind is not None:  # a scratch database, of the kind the check's own is
            self._create_postgres() if kind == "postgresql" else self._create_sqlite()
            return
        try:
            self._create_postgres()
        except Exception as exc:  # psycopg.Error, or psycopg itself missing
            host, port = server()
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if postgres_required():
                raise TargetError(
                    ErrorKind.SERVICE_FAILED,
                    f"This check needs PostgreSQL on {host}:{port} (CI is set, so the SQLite "
                    f"fallback is off), and it did not answer: {reason}. Start it (for "
                    "example `service postgresql start`) and check again.",
                ) from None
            self._create_sqlite()
            self.notice = (
                f"No PostgreSQL answered on {host}:{port} ({reason}), so this check runs on "
                f"a SQLite file instead. Start PostgreSQL to check on the real database."
            )
        self.env = {spec.env: self.url}

    # -- creating and dropping ------------------------------------------------------------

    def _create_postgres(self) -> None:
        connection, _ = _maintenance_connection()
        with connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        self.kind = "postgresql"
        host, port = server()
        self.url = f"postgresql+psycopg://{getpass.getuser()}@{host}:{port}/{self.name}"

    def _create_sqlite(self) -> None:
        self._tmp = tempfile.mkdtemp(prefix="mission-db-")
        self.path = Path(self._tmp, "check.sqlite3")
        sqlite3.connect(self.path).close()  # the file exists, empty, as a new database does
        self.kind = "sqlite"
        self.url = f"sqlite:///{self.path}"

    def stop(self) -> None:
        """Drop the database, even while the app's processes still hold connections."""
        if self.kind == "postgresql":
            connection, _ = _maintenance_connection()
            with connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @contextlib.contextmanager
    def scratch(self) -> Iterator[DatabaseService]:
        """Another empty database of the same kind, for one checkpoint (to build and tear
        down a schema without touching the check's own data), dropped when it is done."""
        other = DatabaseService(self._lesson, self.spec, kind=self.kind)
        try:
            yield other
        finally:
            other.stop()

    # -- reading it -----------------------------------------------------------------------

    def query(
        self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
    ) -> list[dict[str, Any]]:
        """The rows ``sql`` selects, each a dict by column name, in a read-only transaction
        (a checkpoint looks at what the app stored; it never changes it). Parameters use the
        driver's style: ``%s`` on PostgreSQL, ``?`` on SQLite; :meth:`param` gives the one."""
        if self.kind == "postgresql":
            from psycopg.rows import dict_row

            connection = _connect(self.name, row_factory=dict_row)
            try:
                connection.read_only = True
                rows = connection.execute(sql.encode(), params or None).fetchall()
                connection.rollback()
            except Exception as exc:
                raise CheckerError(f"the checkpoint's SQL failed: {exc}") from None
            finally:
                connection.close()
            return [dict(row) for row in rows]
        with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            try:
                found = db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise CheckerError(f"the checkpoint's SQL failed: {exc}") from None
            return [dict(row) for row in found]

    @property
    def param(self) -> str:
        """The placeholder for one parameter in :meth:`query` on this database."""
        return "%s" if self.kind == "postgresql" else "?"

    def tables(self) -> set[str]:
        """The names of the tables the app (or its migrations) created."""
        if self.kind == "postgresql":
            rows = self.query(
                "SELECT table_name AS name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        else:
            rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row["name"] for row in rows}


class DatabaseView:
    """What the ``database`` fixture gives a checkpoint: read-only access to the check's
    database, and which kind it is."""

    def __init__(self, service: DatabaseService) -> None:
        self._service = service

    @property
    def kind(self) -> str:
        """``"postgresql"``, or ``"sqlite"`` where the check runs on the fallback."""
        return self._service.kind

    @property
    def param(self) -> str:
        return self._service.param

    def query(
        self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
    ) -> list[dict[str, Any]]:
        return self._service.query(sql, params)

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        """The first column of the first row (``None`` when there is no row)."""
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def tables(self) -> set[str]:
        return self._service.tables()

    @property
    def url(self) -> str:
        """The SQLAlchemy URL, to give a command (``env={"DATABASE_URL": database.url}``)."""
        return self._service.url

    @contextlib.contextmanager
    def scratch(self) -> Iterator[DatabaseView]:
        """``with database.scratch() as empty:`` another, empty database of the same kind
        (``empty.url`` for a command, ``empty.tables()``), dropped at the end of the block:
        for checkpoints that build and tear down a schema (migrations)."""
        with self._service.scratch() as other:
            yield DatabaseView(other)
