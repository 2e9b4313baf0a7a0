"""A restore drill: the latest backup restored into a scratch database and checked against the source.

Every table's row count and content checksum (`fileformat.ContentChecksum`) as the source held them
at the backup's moment are in the backup file (its header and trailer); the drill restores the file
into a scratch database of the same kind (a new SQLite file, or a new database on the same
MariaDB/MySQL server, dropped afterwards; or the empty database `into` names), reads every table back
and compares. It reports the RPO (how old the backup is: what a loss now would cost) and the RTO (how
long the restore took: how long the site would be down for it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from fllc_server.backup.fileformat import (
    BackupError,
    ContentChecksum,
    Header,
    row_encoder,
    verify_with_checksums,
)
from fllc_server.backup.service import _describe, _engine, _load_tables, _look, restore_backup
from fllc_server.backup.store import BackupStore
from fllc_server.config import Settings
from fllc_server.kit.db import is_sqlite


@dataclass(frozen=True)
class TableCheck:
    name: str
    expected_rows: int
    rows: int
    expected_checksum: str | None  # None: a file written before backups carried checksums
    checksum: str

    @property
    def ok(self) -> bool:
        return self.rows == self.expected_rows and self.expected_checksum in (None, self.checksum)


@dataclass(frozen=True)
class DrillReport:
    backup: Path  # the file named, or the stored backup's name
    taken_at: dt.datetime
    rpo_seconds: float  # the backup's age when the drill began
    rto_seconds: float  # checking the file and restoring it into the scratch database
    check_seconds: float
    scratch: str  # where it was restored (without credentials)
    tables: list[TableCheck]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def checksummed(self) -> bool:
        return all(t.expected_checksum is not None for t in self.tables)


async def restore_drill(
    settings: Settings, backup: Path | None = None, into: str | None = None
) -> DrillReport:
    """Restore `backup` (default: the newest in the object storage) into a scratch database and
    check it. The RTO counts fetching the stored backup, checking the file and restoring it."""
    began = dt.datetime.now(dt.UTC)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="restore-drill-", dir=settings.data_dir))
    try:
        started = time.perf_counter()
        path = backup or await _latest(settings, work)
        fetched = time.perf_counter() - started
        header, checksums = await asyncio.to_thread(verify_with_checksums, path)
        taken_at = dt.datetime.fromisoformat(header.created_at)
        async with ScratchDatabase(settings, into, work) as url:
            target = settings.model_copy(
                update={"database_url": url, "redis_url": None, "database_replica_url": None}
            )
            started = time.perf_counter()
            await restore_backup(target, path, scratch=True)
            rto = fetched + time.perf_counter() - started
            started = time.perf_counter()
            tables = await _check(url, header, checksums)
            checked = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DrillReport(
        backup=backup or Path(path.name),
        taken_at=taken_at,
        rpo_seconds=(began - taken_at).total_seconds(),
        rto_seconds=rto,
        check_seconds=checked,
        scratch=_describe(url),
        tables=tables,
    )


async def _latest(settings: Settings, folder: Path) -> Path:
    """The newest stored backup, fetched into `folder`."""
    store = BackupStore.for_settings(settings)
    latest = await store.latest()
    if latest is None:
        raise BackupError(
            f"No backup in {store.where}: the scheduled backups have not run yet (is a worker or "
            "`fllc-server serve` running?), or FLLC_STORAGE_URL points elsewhere. Name a file with --backup."
        )
    return await store.fetch(latest, folder)


class ScratchDatabase:
    """A new empty database beside the source (dropped afterwards), or `into` as given (kept)."""

    def __init__(self, settings: Settings, into: str | None, folder: Path) -> None:
        self.settings = settings
        self.into = into
        self.folder = folder  # where a scratch SQLite file goes (removed with it by the caller)
        self.database: str | None = None

    async def __aenter__(self) -> str:
        if self.into is not None:
            return self.into
        source = self.settings.effective_database_url
        if is_sqlite(source):
            return f"sqlite+aiosqlite:///{self.folder / 'drill.sqlite3'}"
        url = make_url(source)
        self.database = f"{url.database or 'fllc'}_drill_{uuid.uuid4().hex[:8]}"
        await self._server(
            f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        return url.set(database=self.database).render_as_string(hide_password=False)

    async def __aexit__(self, *_exc: object) -> None:
        if self.database is not None:
            await self._server(f"DROP DATABASE IF EXISTS `{self.database}`")

    async def _server(self, statement: str) -> None:
        url = make_url(self.settings.effective_database_url).set(database="")
        engine = _engine(url.render_as_string(hide_password=False), write=True)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()


async def _check(url: str, header: Header, checksums: dict[str, str] | None) -> list[TableCheck]:
    engine = _engine(url, write=False)
    checks = []
    try:
        tables = _load_tables(header, await _look(engine, [t.name for t in header.tables]))
        async with engine.connect() as connection:
            for spec in header.tables:
                encode = row_encoder(spec.columns)
                checksum = ContentChecksum()
                result = await connection.stream(
                    select(*tables[spec.name].columns).execution_options(yield_per=1000)
                )
                async for partition in result.partitions(1000):
                    for row in partition:
                        checksum.add(encode(tuple(row)))
                checks.append(
                    TableCheck(
                        name=spec.name,
                        expected_rows=spec.rows,
                        rows=checksum.rows,
                        expected_checksum=None if checksums is None else checksums[spec.name],
                        checksum=checksum.hexdigest(),
                    )
                )
    finally:
        await engine.dispose()
    return checks
