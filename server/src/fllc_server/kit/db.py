"""Engines and sessions. The request owns the transaction: services never commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT_KEY = "fllc_after_commit"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def build_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, poolclass=NullPool if path == ":memory:" else None)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


class Database:
    """The primary engine (and an optional read replica) with their session factories."""

    def __init__(self, url: str, replica_url: str | None = None) -> None:
        self.url = url
        self.engine = build_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.replica_engine = build_engine(replica_url) if replica_url else self.engine
        self.replica_sessions = async_sessionmaker(self.replica_engine, expire_on_commit=False)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error, then run after-commit hooks."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            await run_after_commit(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica_engine is not self.engine:
            await self.replica_engine.dispose()


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run `hook` once the surrounding transaction has committed (events, cache invalidation)."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(hook)


async def run_after_commit(session: AsyncSession) -> None:
    hooks: list[AfterCommit] = session.info.pop(_AFTER_COMMIT_KEY, [])
    session.info.pop("catalog_bump_scheduled", None)
    for hook in hooks:
        await hook()
