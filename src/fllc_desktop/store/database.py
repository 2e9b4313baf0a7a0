"""Opening a local SQLite file: WAL, the synchronous level, busy timeout, schema migrations.

The schema version lives in ``PRAGMA user_version``; migrations are numbered SQL scripts applied
in order, each in its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import Connection, Engine, event

from fllc_desktop.store.errors import DatabaseUnavailableError, StoreError, Trouble, translate

BUSY_TIMEOUT_MS = 5000
_READ_ONLY = "fllc_read_only"


class Synchronous(StrEnum):
    FULL = "FULL"  # the outbox: a confirmed scan survives a pulled battery
    NORMAL = "NORMAL"  # the catalog replica: can always be pulled again


class LocalDatabase:
    """One SQLite file. ``write()`` and ``read()`` give a connection and translate failures."""

    def __init__(
        self, path: Path, *, synchronous: Synchronous, migrations: Sequence[str], verify: bool = False
    ) -> None:
        """``verify`` runs SQLite's quick check first (worth it for a small, precious file)."""
        self.path = path
        self.engine = _make_engine(path, synchronous)
        try:
            self._check_readable(verify=verify)
            migrate(self, migrations)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed when the block ends."""
        with self._translated(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._translated(), self.engine.connect() as connection:
            yield connection.execution_options(**{_READ_ONLY: True})

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.read() as connection:
            return connection.execute(sqlalchemy.text(sql), params).scalar()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except (sqlalchemy.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise translate(exc, self.path) from exc

    def _check_readable(self, *, verify: bool) -> None:
        with self.read() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            problems = connection.exec_driver_sql("PRAGMA quick_check").scalars().all() if verify else ["ok"]
        if problems != ["ok"]:
            detail = "; ".join(str(p) for p in problems[:3])
            raise DatabaseUnavailableError(Trouble.CORRUPT, detail, path=self.path)


def _make_engine(path: Path, synchronous: Synchronous) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.value}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def migrate(database: LocalDatabase, migrations: Sequence[str]) -> None:
    current = int(database.scalar("PRAGMA user_version") or 0)
    if current > len(migrations):
        raise DatabaseUnavailableError(
            Trouble.NEWER_SCHEMA,
            f"schema version {current}, this version knows up to {len(migrations)}",
            path=database.path,
        )
    for version, script in enumerate(migrations[current:], start=current + 1):
        with database.write() as connection:
            _run_script(connection, script)
            connection.exec_driver_sql(f"PRAGMA user_version={version}")


def _run_script(connection: Connection, script: str) -> None:
    for statement in split_statements(script):
        connection.exec_driver_sql(statement)


def split_statements(script: str) -> list[str]:
    """Split on ';' at the end of a line, keeping trigger bodies (``BEGIN ... END;``) whole."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in script.splitlines():
        buffer.append(line)
        text = "\n".join(buffer).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            buffer = []
    rest = "\n".join(buffer).strip()
    if rest:
        statements.append(rest)
    return statements
