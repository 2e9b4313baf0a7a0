"""Engines and sessions. The request owns the transaction (a `kit.uow.UnitOfWork`): services never
commit.

SQLite transactions. The driver (pysqlite, under aiosqlite) would begin a transaction only at the
first INSERT/UPDATE/DELETE and run every read before it outside any transaction, so a service's
check-then-write (is there stock? is this the last admin?) would not be atomic, and a SAVEPOINT
issued before the first write would open (and its RELEASE commit) a transaction of its own. So the
driver's own transaction handling is switched off and each transaction begins with an explicit
statement (`SQLITE_BEGIN`):

- `BEGIN IMMEDIATE` for a write transaction (`Database.transaction()`): it takes SQLite's one write
  lock at once, so writers queue up on the busy timeout at their start. A deferred `BEGIN` that
  reads first and writes later would instead fail at once with SQLITE_BUSY whenever another writer
  committed after its read (WAL cannot upgrade an old snapshot), and the busy timeout does not help;
- `BEGIN` (deferred) for a read (`Database.transaction(write=False)`, `sessions()`,
  `replica_sessions()`): a consistent snapshot that never waits for a writer (WAL).

MySQL/MariaDB transactions begin as the driver begins them (REPEATABLE READ unless a caller asks for
another level before its first statement).

A task cancelled in the middle of a SQLite statement (a job or the scheduler at shutdown, a
request whose client went away) must not hang: see `_close_aiosqlite_by_stopping`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from fllc_server.kit.uow import CommitTargets, UnitOfWork

SQLITE_BEGIN = "fllc_sqlite_begin"  # execution option: the statement a SQLite transaction begins with


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit transactions: `_sqlite_begin` begins them
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


async def _close_aiosqlite_by_stopping(connection: Any) -> None:
    """SQLAlchemy's `_terminate_graceful_close` for aiosqlite, made safe to cancel.

    When a statement's task is cancelled, SQLAlchemy invalidates the connection and closes it
    gracefully in a shielded task (`await aiosqlite.Connection.close()`); a second cancellation
    (asyncio.Runner closing the loop, a stop() after a bounded wait) makes it force-close instead,
    `stop()`, which ends aiosqlite's worker thread. aiosqlite 0.22's `close()` then waits, in a
    `finally`, for a future that thread will never answer: the shielded task never ends and the
    loop's shutdown waits for it forever (reproduced: server/tests/kit/test_db_cancel.py; the same
    hang as sqlalchemy#13039 / wapiti#802).

    Here the close is `stop()` alone: one queued step, after the statement in hand, that closes the
    sqlite3 connection and ends the thread. Its answer is awaited even through cancellations (then
    re-raised): it comes once that statement ends, which the busy timeout bounds, and leaving
    earlier would let the thread answer a closed loop and die with the connection — and a write
    lock it may have just taken — still open.
    """
    stopped = connection._connection.stop()
    if stopped is None:
        return
    cancelled = False
    while not stopped.done():
        try:
            await asyncio.shield(stopped)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


def _make_aiosqlite_close_cancellable() -> None:
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection

    adapted: Any = AsyncAdapt_aiosqlite_connection
    adapted._terminate_graceful_close = _close_aiosqlite_by_stopping


def build_engine(url: str, *, pool_size: int = 20, sqlite_begin: str = "BEGIN") -> AsyncEngine:
    """An engine for `url`; on SQLite its transactions begin with `sqlite_begin` unless a
    connection's `SQLITE_BEGIN` execution option says otherwise (see the module docstring)."""
    if is_sqlite(url):
        _make_aiosqlite_close_cancellable()
        path = make_url(url).database
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, poolclass=NullPool if path == ":memory:" else None)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)

        def _sqlite_begin(connection: Connection) -> None:
            connection.exec_driver_sql(connection.get_execution_options().get(SQLITE_BEGIN, sqlite_begin))

        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


class Database:
    """The primary engine (and an optional read replica) with their session factories.

    `targets` is where committed units of work send their events and catalog bumps (the app's
    event bus and cache, given by AppState.build)."""

    def __init__(
        self, url: str, replica_url: str | None = None, *, targets: CommitTargets | None = None
    ) -> None:
        self.url = url
        self.targets = targets or CommitTargets()
        self.engine = build_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(
            self.engine.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"}), expire_on_commit=False
        )
        self.replica_engine = build_engine(replica_url) if replica_url else self.engine
        self.replica_sessions = async_sessionmaker(self.replica_engine, expire_on_commit=False)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(
        self, *, write: bool = True, read_committed: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error, then run what its
        `UnitOfWork` holds (events, cache bumps, callbacks). `write=False` for a transaction that
        only reads (on SQLite it then does not take the write lock). `read_committed` (MySQL/MariaDB)
        for a transaction that books stock: the stock ledger locks the rows it depends on and then
        reads them, and REPEATABLE READ's gap locks on the stock levels it reads would deadlock it
        with bookings of neighbouring products (SQLite has one writer: nothing to do)."""
        factory = self._write_sessions if write else self.sessions
        async with factory() as session:
            uow = UnitOfWork(session, self.targets)
            try:
                async with session.begin():
                    if read_committed and not self.sqlite:  # before the first statement
                        await session.connection(execution_options={"isolation_level": "READ COMMITTED"})
                    yield session
            except BaseException:
                uow.discard()
                raise
            await uow.committed()

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica_engine is not self.engine:
            await self.replica_engine.dispose()
