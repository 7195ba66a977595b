"""Storage: one SQLAlchemy engine, transactions, and schema migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on and takes
its write lock at the start of a write transaction (``BEGIN IMMEDIATE``), so
concurrent writers queue instead of failing half-way. Within one process, the
threads' write transactions on SQLite queue on a lock of their own before they ask
for SQLite's: a thread waiting for SQLite's lock polls it with growing sleeps
(1, 2, 5 .. 100 ms), so that under load the lock sits free while its waiters sleep;
waiting on a Python lock, the next writer starts the moment the last one commits.
Between processes, on a SQLite file, the writers queue the same way on an advisory
lock of the operating system (``flock`` of ``<database>-writers``, where there is
one: POSIX), so that SQLite's polling is left for writers that are not this
library's. PostgreSQL is used by URL.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import ConfigurationError, MigrationRequired
from . import schema, versions
from .migrations import MIGRATIONS

DEFAULT_URL = "sqlite:///livingtogether.sqlite3"
_LOCK_KEY = zlib.crc32(b"livingtogether-migrate")


def now() -> datetime:
    """The current instant in UTC."""
    return datetime.now(timezone.utc)


def aware(value: datetime | None) -> datetime | None:
    """A stored instant as an aware UTC ``datetime`` (SQLite returns naive ones)."""
    if value is None or value.tzinfo is not None:
        return value.astimezone(timezone.utc) if value else value
    return value.replace(tzinfo=timezone.utc)


def resolve_url(url: str | None) -> str:
    """``url``, else ``LIVINGTOGETHER_DATABASE_URL``, else the SQLite file in the working folder.

    ``postgresql://`` and ``postgres://`` URLs get the psycopg 3 driver.
    """
    url = url or os.environ.get("LIVINGTOGETHER_DATABASE_URL") or DEFAULT_URL
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain):]
    return url


def create_engine(url: str) -> Engine:
    """An engine for ``url`` set up for this library (SQLite pragmas, pool checks)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        raise ConfigurationError(
            f"{url!r} is not a database URL; use e.g. 'sqlite:///livingtogether.sqlite3' "
            "or 'postgresql://user@host/dbname'"
        ) from error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(
            f"the database {parsed.get_backend_name()!r} is not supported; use SQLite or PostgreSQL"
        )
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            "PostgreSQL needs psycopg 3: pip install 'livingtogether[postgres]'"
        ) from error


def _sqlite_engine(url: sa.URL) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        if url.database not in (None, "", ":memory:"):
            _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("livingtogether_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _use_wal(cursor: Any) -> None:
    """Switch a SQLite file to WAL (a setting stored in the file itself).

    The switch needs the file to itself and SQLite answers "database is locked"
    at once, without waiting, while another connection is switching it too; so
    it is retried for up to 30 seconds. A file already in WAL needs no switch.
    """
    deadline = time.monotonic() + 30
    delay = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


class Store:
    """The database of one Observatory: its engine, transactions and schema version."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        versions.track(self.engine)
        self._versions = versions.Reader(self.engine)
        #: The threads' queue for SQLite's write lock (re-entrant: a write within a
        #: write, on another connection, waits for SQLite as it always did).
        self._writing = threading.RLock() if self.dialect == "sqlite" else None
        database = self.engine.url.database if self.dialect == "sqlite" else None
        #: The processes' queue (a file beside a SQLite file's, locked with ``flock``).
        self._writers = _Writers(f"{database}-writers") if database not in (
            None, "", ":memory:") and not database.startswith("file:") and _Writers.usable \
            else None
        #: The versions read within :meth:`pinned` (``[None]`` until first read).
        self._pinned: ContextVar[list[dict[str, int] | None] | None] = ContextVar(
            f"livingtogether-versions-{id(self)}", default=None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self, *, versioned: bool = True) -> Iterator[Connection]:
        """A connection in a write transaction, committed on success, rolled back on error.

        The transaction also bumps the version of each group of tables it wrote
        (:mod:`.versions`), which caches and ETags read; ``versioned=False`` is
        for the migrations, run before the counters' table exists.
        """
        with self._queue(), self.engine.connect() as raw:
            connection = raw.execution_options(livingtogether_write=True)
            with connection.begin():
                if versioned:
                    connection.info[versions.WRITTEN] = set()
                try:
                    yield connection
                    written = connection.info.pop(versions.WRITTEN, set())
                    versions.bump(connection, written)
                    pinned = self._pinned.get()
                    if written and pinned is not None:
                        pinned[0] = None  # this write moved them: read them again
                finally:
                    connection.info.pop(versions.WRITTEN, None)

    @contextmanager
    def _queue(self) -> Iterator[None]:
        """This process's turn to write (on SQLite; PostgreSQL locks rows, not the file)."""
        if self._writing is None:
            yield
            return
        with self._writing:
            if self._writers is None:
                yield
                return
            with self._writers.hold():
                yield

    def versions(self) -> dict[str, int]:
        """The version of each group of tables (:mod:`.versions`), in one query (once
        within :meth:`pinned`)."""
        pinned = self._pinned.get()
        if pinned is None:
            return self._versions.read()
        found = pinned[0]
        if found is None:
            found = pinned[0] = self._versions.read()
        return dict(found)

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block (one request, in this thread or task), the versions are
        read once: every cache checked in it (a widget's key, the declaration, its
        stats) sees the same, for one query. A write of this store that bumps a
        version within the block reads them again at the next call."""
        token = self._pinned.set([None])
        try:
            yield
        finally:
            self._pinned.reset(token)

    def version(self) -> int:
        """The schema version of the database (0 for an empty one)."""
        with self.read() as connection:
            if not sa.inspect(connection).has_table(schema.schema_version.name):
                return 0
            found = connection.scalar(sa.select(sa.func.max(schema.schema_version.c.version)))
            return int(found or 0)

    @property
    def latest(self) -> int:
        """The schema version this library needs."""
        return len(MIGRATIONS)

    def check(self, current: int | None = None) -> None:
        """Raise ``MigrationRequired`` unless the schema (at ``current``, read if not
        given) is up to date; ``ConfigurationError`` if it is newer than this library."""
        if current is None:
            current = self.version()
        if current < self.latest:
            raise MigrationRequired(
                f"the database is at schema version {current}, this library needs "
                f"{self.latest}; run `livingtogether db upgrade` (or open it with migrate=True)"
            )
        if current > self.latest:
            raise ConfigurationError(
                f"the database is at schema version {current}, newer than this library "
                f"({self.latest}); upgrade livingtogether"
            )

    def upgrade(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; return the versions applied.

        Safe to run from several processes at once: one migrates, the others
        wait for it and then find nothing left to do.
        """
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        applied: list[int] = []
        for version, module in enumerate(MIGRATIONS, start=1):
            with self.write(versioned=False) as connection:
                if self.dialect == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": _LOCK_KEY})
                schema.schema_version.create(connection, checkfirst=True)
                done = connection.scalar(
                    sa.select(sa.func.count()).where(schema.schema_version.c.version == version)
                )
                if done:
                    continue
                module.upgrade(Operations(MigrationContext.configure(connection)))
                connection.execute(
                    schema.schema_version.insert().values(
                        version=version, name=module.NAME, applied_at=now()
                    )
                )
                applied.append(version)
        if applied and self.version() >= len(MIGRATIONS):
            with self.write(versioned=False) as connection:
                versions.bump(connection, {versions.ALL})  # what a migration changed shows
        return applied

    def close(self) -> None:
        """Release every pooled connection."""
        self._versions.close()
        self.engine.dispose()
        if self._writers is not None:
            self._writers.close()


class _Writers:
    """The writers of one SQLite file across processes, queued on ``flock`` of a file
    of their own: the kernel wakes the next the moment the lock is released.

    Held by one thread of a process at a time (under the store's thread lock), once
    however deeply the writes nest; opened again in a forked child (a lock belongs to
    the open file, which a child shares with its parent).
    """

    usable = sys.platform != "win32"

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: int | None = None
        self._pid = 0
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        """The lock, for the block (the caller holds the store's thread lock)."""
        import fcntl

        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        if self._file is None or self._pid != os.getpid():
            try:
                self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a folder this process may read but not write: SQLite's lock
                yield
                return
            self._pid = os.getpid()
        fcntl.flock(self._file, fcntl.LOCK_EX)
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock's file (in the process that opened it)."""
        if self._file is not None and self._pid == os.getpid():
            os.close(self._file)
        self._file = None
