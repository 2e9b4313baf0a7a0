"""Back up a database to one portable file and restore it into any supported backend.

`create_backup` reads every table of the models in foreign-key order inside one read transaction
(a consistent snapshot: `START TRANSACTION WITH CONSISTENT SNAPSHOT` at REPEATABLE READ on
MySQL/MariaDB, an explicit `BEGIN` on SQLite, whose WAL gives the reader a snapshot) and streams
the rows in chunks into the file, so a running server keeps serving and the database is never held
in memory.

`restore_backup` checks the whole file first (a damaged file never touches the target), brings the
target's schema to the backup's Alembic revision, then empties (with `force`) and loads every table
in one transaction - foreign-key checks deferred (SQLite) or off (MySQL) during the load - and
compares each table's count with the header and opens a new era of sync change seqs (below) before
committing. Afterwards: the schema is upgraded
to this server's head when the backup is older, AUTO_INCREMENT continues after the restored ids
(MySQL) and the caches a running server reads are invalidated: a new catalog generation (every
cached search/scan answer is dropped) and every user's cached principal, here and - through
pub/sub - in every other server process.

Devices: a desktop's replica and sync cursor may hold changes the restore undid (or come from
another server), and the restored change log would hand out its seqs again. So the load replaces
the change log by a new era (`sync.repository.ChangeLogRepository.open_era`): it starts ERA_GAP
past the highest seq of both the restored log and the target's log before the restore, holds one
upsert per live entity, and its start is the prune floor - every device's next pull gets 410
`cursor_expired` and it resyncs from scratch (a pull from 0 gets the snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.types import TypeEngine

from fllc_server import __version__
from fllc_server.backup.fileformat import (
    FORMAT_VERSION,
    SUFFIX,
    BackupError,
    BackupReader,
    BackupWriter,
    ColumnSpec,
    Header,
    TableSpec,
    column_kind,
    row_encoder,
    verify,
)
from fllc_server.config import Settings
from fllc_server.kit.db import build_engine
from fllc_server.migrations import alembic_config, downgrade, upgrade
from fllc_server.models import Base
from fllc_server.sync.repository import ERA_GAP, ChangeLogRepository

if TYPE_CHECKING:
    from fllc_server.state import AppState

CHUNK = 1000


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    bytes: int
    seconds: float
    revision: str


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    tables: int
    rows: int
    seconds: float
    revision: str
    emptied: bool
    counts: dict[str, int] = field(default_factory=dict)
    caches_note: str = ""
    sync_era: int = 0  # the change seq the new era starts at: every older device cursor resyncs


def default_backup_name(now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"fllc-backup-{stamp}{SUFFIX}"


def _describe(url: str) -> str:
    """The database without credentials, for messages."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database}"
    return f"{parsed.get_backend_name()} {parsed.host}:{parsed.port or 3306}/{parsed.database}"


# -- engines and revisions -----------------------------------------------------------------------------


def _engine(url: str, *, write: bool) -> AsyncEngine:
    """An engine of our own. On SQLite `begin()` issues BEGIN (deferred for a reader, IMMEDIATE
    for the restore: see kit.db), so the backup's SELECTs share one snapshot and the restore holds
    the write lock from its first statement."""
    return build_engine(url, pool_size=2, sqlite_begin="BEGIN IMMEDIATE" if write else "BEGIN")


def known_revisions(database_url: str) -> list[str]:
    """This server's Alembic revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _model_tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


# -- backup ------------------------------------------------------------------------------------------


async def create_backup(database_url: str, output: Path | None = None) -> BackupResult:
    """Write the database to `output` (a file, or a directory for the default name)."""
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    path = _output_path(output, now)
    head = known_revisions(database_url)[-1]
    engine = _engine(database_url, write=False)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name in ("mysql", "mariadb"):
                await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                if connection.dialect.name in ("mysql", "mariadb"):
                    await connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                revision = await connection.run_sync(_current_revision)
                if revision is None:
                    raise BackupError(
                        f"{_describe(database_url)} has no FLLC Warehouse schema: nothing to back up"
                    )
                if revision != head:
                    raise BackupError(
                        f"{_describe(database_url)} is at schema revision {revision}, this server's is "
                        f"{head}: run 'fllc-server migrate' (or use the server version that made it), "
                        "then back up"
                    )
                header = await _snapshot_header(connection, revision, now)
                rows = await _write(connection, header, path)
    except SQLAlchemyError as exc:
        raise BackupError(f"Reading {_describe(database_url)} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        await engine.dispose()
    return BackupResult(
        path=path,
        tables=len(header.tables),
        rows=rows,
        bytes=path.stat().st_size,
        seconds=time.perf_counter() - started,
        revision=revision,
    )


def _output_path(output: Path | None, now: dt.datetime) -> Path:
    if output is None:
        return Path.cwd() / default_backup_name(now)
    if output.is_dir():
        return output / default_backup_name(now)
    if output.exists():
        raise BackupError(f"{output} exists already; choose a new name (a backup never overwrites a file)")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist")
    return output


async def _snapshot_header(connection: AsyncConnection, revision: str, now: dt.datetime) -> Header:
    tables = []
    for table in _model_tables():
        count = int(await connection.scalar(select(func.count()).select_from(table)) or 0)
        columns = tuple(ColumnSpec(c.name, column_kind(c)) for c in table.columns)
        tables.append(TableSpec(table.name, columns, count))
    return Header(
        format_version=FORMAT_VERSION,
        app_version=__version__,
        alembic_revision=revision,
        created_at=now.isoformat(),
        source_dialect=connection.dialect.name,
        tables=tuple(tables),
    )


async def _write(connection: AsyncConnection, header: Header, path: Path) -> int:
    try:
        writer = BackupWriter(path)
    except FileExistsError as exc:
        raise BackupError(f"{exc.filename} exists (another backup writing?); try again") from exc
    try:
        writer.header(header)
        for spec in header.tables:
            table = Base.metadata.tables[spec.name]
            writer.table(spec)
            encode = row_encoder(spec.columns)
            query = select(*table.columns).order_by(*table.primary_key.columns)
            result = await connection.stream(query.execution_options(yield_per=CHUNK))
            written = 0
            async for partition in result.partitions(CHUNK):
                writer.rows_chunk([encode(tuple(row)) for row in partition])
                written += len(partition)
            if written != spec.rows:  # cannot happen inside one snapshot; never write a lie
                raise BackupError(
                    f"{spec.name} changed during the backup ({spec.rows} counted, "
                    f"{written} read): the database gave no consistent snapshot"
                )
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    return writer.rows


# -- restore -----------------------------------------------------------------------------------------


@dataclass
class _Target:
    revision: str | None
    tables: set[str]
    nonempty: dict[str, int]
    user_ids: set[int]
    columns: dict[str, dict[str, TypeEngine[Any]]]


def _inspect_target(connection: Connection, wanted: Sequence[str]) -> _Target:
    inspector = inspect(connection)
    names = set(inspector.get_table_names())
    model_names = [t.name for t in _model_tables() if t.name in names]
    nonempty: dict[str, int] = {}
    for name in dict.fromkeys([*model_names, *[w for w in wanted if w in names]]):
        count = connection.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()  # noqa: S608 - our table names
        if count:
            nonempty[name] = int(count)
    user_ids: set[int] = set()
    if "users" in names:
        user_ids = {int(i) for i in connection.execute(text("SELECT id FROM users")).scalars()}
    columns = {
        name: {c["name"]: c["type"] for c in inspector.get_columns(name)} for name in wanted if name in names
    }
    return _Target(_current_revision(connection), names, nonempty, user_ids, columns)


async def _look(engine: AsyncEngine, wanted: Sequence[str]) -> _Target:
    async with engine.connect() as connection:
        return await connection.run_sync(_inspect_target, wanted)


async def restore_backup(
    settings: Settings,
    path: Path,
    *,
    force: bool = False,
    state: AppState | None = None,
    scratch: bool = False,
) -> RestoreResult:
    """Restore `path` into the settings' database. `state`: the running app's (its in-process caches
    are invalidated too); without it one is built from the settings (Redis reaches every process).
    `scratch`: a copy no server or device uses (a restore drill): the change log is loaded as it
    was, not replaced by a new era, and no running server is told."""
    started = time.perf_counter()
    url = settings.effective_database_url
    where = _describe(url)
    header = await asyncio.to_thread(verify, path)  # the whole file, before the target is touched
    revisions = known_revisions(url)
    if header.alembic_revision not in revisions:
        raise BackupError(
            f"The backup is from a newer FLLC Warehouse (schema revision {header.alembic_revision}, "
            f"app {header.app_version}); this server knows revisions up to {revisions[-1]}. "
            "Upgrade the server, then restore."
        )
    wanted = [t.name for t in header.tables]
    engine = _engine(url, write=True)
    try:
        before = await _look(engine, wanted)
        if before.revision is not None and before.revision not in revisions:
            raise BackupError(
                f"{where} is at schema revision {before.revision}, newer than this server knows; "
                "restore with the server version that created it"
            )
        if before.nonempty and not force:
            listed = ", ".join(f"{n} ({c:,} rows)" for n, c in list(before.nonempty.items())[:5])
            raise BackupError(
                f"{where} already holds data: {listed}. Restore replaces everything: run "
                "'fllc-server restore --force' to empty it first (back it up before if in doubt)."
            )
        emptied = bool(before.nonempty)
        reached = await _highest_seq(engine) if {"change_log", "settings"} <= before.tables else 0
        await _align_schema(engine, url, before, header.alembic_revision, revisions)
        target = await _look(engine, wanted)
        tables = _load_tables(header, target)
        clear = [t for t in _model_tables() if t.name in target.tables and t.name not in tables]
        counts, restored_users, era = await _load(
            engine, path, header, tables, [*clear, *tables.values()], reached=None if scratch else reached
        )
        if header.alembic_revision != revisions[-1]:
            await asyncio.to_thread(upgrade, url, "head")
        await _continue_ids(engine, header)
    except SQLAlchemyError as exc:
        raise BackupError(f"Restoring into {where} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        await engine.dispose()
    if scratch:
        note = "a scratch copy: no running server was told"
    else:
        note = await _invalidate_caches(settings, state, before.user_ids | restored_users)
    return RestoreResult(
        path=path,
        tables=len(header.tables),
        rows=header.total_rows,
        seconds=time.perf_counter() - started,
        revision=header.alembic_revision,
        emptied=emptied,
        counts=counts,
        caches_note=note,
        sync_era=era,
    )


async def _align_schema(
    engine: AsyncEngine, url: str, target: _Target, revision: str, revisions: list[str]
) -> None:
    """Migrate the target to the backup's revision; a newer target is emptied, then downgraded."""
    current = -1 if target.revision is None else revisions.index(target.revision)
    wanted = revisions.index(revision)
    if current <= wanted:
        await asyncio.to_thread(upgrade, url, revision)
        return
    if target.nonempty:  # only reached with force: the data goes anyway
        async with engine.connect() as connection, connection.begin():
            await _empty(connection, [t for t in _model_tables() if t.name in target.tables])
    await asyncio.to_thread(downgrade, url, revision)


def _load_tables(header: Header, target: _Target) -> dict[str, Table]:
    """Core tables to insert through: the models' column types (UTC datetimes, money, JSON), the
    reflected type for a column the models no longer have (a backup from an older revision)."""
    metadata = MetaData()
    tables = {}
    for spec in header.tables:
        if spec.name == "alembic_version" or spec.name.startswith("products_fts"):
            raise BackupError(f"The backup lists {spec.name}, which no backup holds: refused")
        if spec.name not in target.tables:
            raise BackupError(
                f"The backup's table {spec.name} does not exist at revision "
                f"{header.alembic_revision} in the target"
            )
        model = Base.metadata.tables.get(spec.name)
        reflected = target.columns.get(spec.name, {})
        columns = []
        for column in spec.columns:
            if model is not None and column.name in model.c:
                columns.append(Column(column.name, model.c[column.name].type))
            elif column.name in reflected:
                columns.append(Column(column.name, reflected[column.name]))
            else:
                raise BackupError(
                    f"The backup's column {spec.name}.{column.name} does not exist in the target"
                )
        tables[spec.name] = Table(spec.name, metadata, *columns)
    return tables


async def _loading(connection: AsyncConnection) -> None:
    """Foreign keys off (MySQL, this session) or checked at commit (SQLite) while tables load."""
    if connection.dialect.name in ("mysql", "mariadb"):
        await connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
    else:
        await connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")


async def _empty(connection: AsyncConnection, tables: Sequence[Table]) -> None:
    await _loading(connection)
    for table in reversed(tables):
        await connection.execute(table.delete())


async def _highest_seq(engine: AsyncEngine) -> int:
    """The highest change seq the target's log reached before the restore (devices may hold it)."""
    async with engine.connect() as connection, AsyncSession(bind=connection) as session:
        return await ChangeLogRepository(session).highest_reached()


async def _new_era(connection: AsyncConnection, reached: int) -> int:
    """Open the change log's new era in the load's transaction (the change_log and settings
    columns it writes are the same at every revision so far); returns its start."""
    async with AsyncSession(bind=connection) as session:
        changes = ChangeLogRepository(session)
        start = max(reached, await changes.highest_reached()) + ERA_GAP
        await changes.open_era(start, dt.datetime.now(dt.UTC))
    return start


async def _load(
    engine: AsyncEngine,
    path: Path,
    header: Header,
    tables: dict[str, Table],
    clear: Sequence[Table],
    *,
    reached: int | None,
) -> tuple[dict[str, int], set[int], int]:
    """Empty `clear` and load every table in one transaction; the counts are checked and the
    change log's new era opened (unless `reached` is None: a scratch copy) before it commits, and
    any error (a damaged file included) rolls everything back."""
    user_ids: set[int] = set()
    async with engine.connect() as connection:
        mysql = connection.dialect.name in ("mysql", "mariadb")
        try:
            async with connection.begin():
                await _empty(connection, clear)
                reader = await asyncio.to_thread(BackupReader, path)
                try:
                    chunks = reader.chunks(CHUNK)
                    while (item := await asyncio.to_thread(next, chunks, None)) is not None:
                        spec, rows = item
                        if rows:
                            await connection.execute(insert(tables[spec.name]), rows)
                            if spec.name == "users":
                                user_ids.update(int(r["id"]) for r in rows if "id" in r)
                finally:
                    reader.close()
                counts = await _counts(connection, header, tables)
                era = 0 if reached is None else await _new_era(connection, reached)
                if not mysql:
                    await _rebuild_sqlite_search(connection)
        finally:
            if mysql:
                with contextlib.suppress(SQLAlchemyError):
                    await connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
    return counts, user_ids, era


async def _counts(connection: AsyncConnection, header: Header, tables: dict[str, Table]) -> dict[str, int]:
    counts = {}
    for spec in header.tables:
        query = select(func.count()).select_from(tables[spec.name])
        counts[spec.name] = int(await connection.scalar(query) or 0)
    wrong = [f"{s.name}: {counts[s.name]} of {s.rows}" for s in header.tables if counts[s.name] != s.rows]
    if wrong:
        raise BackupError(
            "The restored row counts do not match the backup (" + ", ".join(wrong) + "); nothing was restored"
        )
    return counts


async def _rebuild_sqlite_search(connection: AsyncConnection) -> None:
    """The FTS5 index is kept by triggers; a rebuild makes it exactly the restored products."""
    exists = await connection.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'products_fts'"))
    if exists:
        await connection.exec_driver_sql("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


async def _continue_ids(engine: AsyncEngine, header: Header) -> None:
    """MySQL: AUTO_INCREMENT just after the restored ids (SQLite's rowids continue by themselves)."""
    if engine.dialect.name not in ("mysql", "mariadb"):
        return
    async with engine.connect() as connection:
        for spec in header.tables:
            model = Base.metadata.tables.get(spec.name)
            column = model.autoincrement_column if model is not None else None
            if column is None:
                continue
            highest = await connection.scalar(select(func.max(column)))
            await connection.exec_driver_sql(
                f"ALTER TABLE {spec.name} AUTO_INCREMENT = {int(highest or 0) + 1}"
            )
        await connection.commit()


async def _invalidate_caches(settings: Settings, state: AppState | None, user_ids: set[int]) -> str:
    """Make running servers forget what they cached from the old data; returns a note for the user.

    A new catalog generation drops every cached search and scan answer, and each user's cached
    principal (role, active) is forgotten. With `state` (the app in this process) its in-process
    caches and runtime settings are refreshed; with Redis, every server process is reached (the
    generation lives in Redis, the principals are dropped through the auth pub/sub channel). The
    embedded default's caches live inside its server process: nothing outside it can reach them.
    """
    if state is not None:
        from fllc_server.kit.changes import renew_catalog_generation
        from fllc_server.settings.service import load_runtime

        await renew_catalog_generation(state.cache)
        for user_id in sorted(user_ids):
            await state.auth.forget_user(user_id)
        await state.auth.forget_keys()
        await load_runtime(state.db, state.settings, state.live_settings)
        return "this server's caches and settings were refreshed"
    if not settings.redis_url:
        where = "the embedded default" if settings.embedded else "no FLLC_REDIS_URL"
        return (
            f"{where}: a server that is running keeps its in-process caches for up to a minute "
            "and its system settings until restarted; restart it to serve the restored data at once"
        )
    await _invalidate_through_redis(settings.redis_url, user_ids)
    return "caches invalidated and settings reloaded in every server process through Redis"


async def _invalidate_through_redis(redis_url: str, user_ids: set[int]) -> None:
    from redis.asyncio import Redis

    from fllc_server.auth.cache import AuthCache
    from fllc_server.infra.cache import RedisCache
    from fllc_server.infra.pubsub import RedisPubSub
    from fllc_server.kit.changes import renew_catalog_generation
    from fllc_server.settings.service import SETTINGS_MESSAGE

    redis = Redis.from_url(redis_url)
    try:
        await renew_catalog_generation(RedisCache(redis))
        auth = AuthCache(RedisPubSub(redis))
        for user_id in sorted(user_ids):
            await auth.forget_user(user_id)
        await auth.forget_keys()
        await auth.announce({SETTINGS_MESSAGE: True})  # every server reloads the restored settings
    finally:
        await redis.aclose()
