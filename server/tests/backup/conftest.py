"""Backup/restore fixtures: scratch target databases (a new SQLite file, or a MariaDB database of
their own, dropped afterwards), every table read back exactly, and demo-like data."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fllc_server.config import Settings
from fllc_server.demo.seed import seed_demo
from fllc_server.models import Base, InboxMessage, Product, PurchaseOrder, SettingRow, Supplier
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

TEST_SECRET = "test-secret-" + "x" * 40
DEMO_PRODUCTS = 60

Rows = dict[str, list[tuple[Any, ...]]]
Scratch = Callable[[str], Awaitable[Settings]]


def settings_for(data_dir: Path, database_url: str | None, redis_url: str | None = None) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=TEST_SECRET,
        log_level="WARNING",
    )


async def dump(url: str, columns: dict[str, set[str]] | None = None) -> Rows:
    """Every table of the models, every row, in primary-key order, as the models type them; with
    `columns`, only those tables and columns (what an older revision had)."""
    engine = create_async_engine(url)
    rows: Rows = {}
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if columns is not None and table.name not in columns:
                    continue
                chosen = [c for c in table.columns if columns is None or c.name in columns[table.name]]
                result = await connection.execute(select(*chosen).order_by(*table.primary_key.columns))
                rows[table.name] = [tuple(row) for row in result]
    finally:
        await engine.dispose()
    return rows


async def seed(settings: Settings) -> None:
    """The demo store plus rows with the awkward values: microseconds, dates, money to the cent,
    soft-deleted rows, JSON that looks like a value tag, NULLs, non-ASCII text."""
    assert await seed_demo(settings, products=DEMO_PRODUCTS, out=io.StringIO()) == 0
    engine = create_async_engine(settings.effective_database_url)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            when = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.UTC)
            supplier = Supplier(name="Ålesund Ørsted & Søn — 北京", email=None, phone=None)
            session.add(supplier)
            await session.flush()
            session.add(
                Product(
                    sku="EDGE-1",
                    barcode=None,
                    name="Edge case lantern",
                    description="",
                    supplier_id=supplier.id,
                    unit_cost=Decimal("0.01"),
                    price=Decimal("9999999999.99"),
                    created_at=when,
                    updated_at=when,
                    deleted_at=when,
                )
            )
            session.add(
                PurchaseOrder(
                    number="PO-EDGE",
                    supplier_id=supplier.id,
                    expected_at=dt.date(2031, 12, 31),
                    submitted_at=when,
                    notes='line 1\nline 2\t"quoted"',
                )
            )
            session.add(
                InboxMessage(
                    source="edi",
                    external_id="X-1",
                    kind="order",
                    payload={"$d": "1.5", "nested": [1, 2.5, None, {"a": "b"}], "t": True},
                )
            )
            session.add(SettingRow(key="edge.value", value=[1, "two", {"three": 3}]))
    finally:
        await engine.dispose()


@pytest.fixture
async def scratch(backend: Any, tmp_path: Path) -> AsyncIterator[Scratch]:
    """`await scratch("name")` → settings of an empty, unmigrated database on the backend under test."""
    created: list[str] = []
    server: AsyncEngine | None = None

    async def make(name: str) -> Settings:
        nonlocal server
        if backend.database_url is None:
            return settings_for(tmp_path / name, None)
        url = make_url(backend.database_url)
        database = f"fllc_bk_{name}_{uuid.uuid4().hex[:8]}"
        server = server or create_async_engine(url.set(database=""))
        async with server.begin() as connection:
            await connection.execute(
                text(f"CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
        created.append(database)
        return settings_for(tmp_path / name, url.set(database=database).render_as_string(hide_password=False))

    yield make
    if server is not None:
        async with server.begin() as connection:
            for database in created:
                await connection.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        await server.dispose()


@pytest.fixture
async def mariadb_scratch(tmp_path: Path) -> AsyncIterator[Scratch]:
    """Like `scratch`, always on MariaDB (FLLC_TEST_DATABASE_URL's server); skips without it."""
    base = os.environ.get("FLLC_TEST_DATABASE_URL")
    if not base:
        pytest.skip("FLLC_TEST_DATABASE_URL is not set")
    url = make_url(base)
    server = create_async_engine(url.set(database=""))
    created: list[str] = []

    async def make(name: str) -> Settings:
        database = f"fllc_bk_{name}_{uuid.uuid4().hex[:8]}"
        async with server.begin() as connection:
            await connection.execute(
                text(f"CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
        created.append(database)
        return settings_for(tmp_path / name, url.set(database=database).render_as_string(hide_password=False))

    yield make
    async with server.begin() as connection:
        for database in created:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {database}"))
    await server.dispose()


def rewrite(source: Path, target: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    """A copy of a backup with its lines changed and a *valid* checksum: damage the check cannot see
    by gzip or SHA-256 alone (the header's claims)."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    body = change(lines[:-1])
    trailer = json.loads(lines[-1])
    trailer["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
    if "tables" in trailer:  # the content checksums of the tables the changed header still lists
        try:
            names = {t["name"] for t in json.loads(body[0])["tables"]}
        except (ValueError, KeyError, TypeError):
            names = set(trailer["tables"])
        trailer["tables"] = {name: sum for name, sum in trailer["tables"].items() if name in names}
    target.write_bytes(gzip.compress(b"".join(body) + json.dumps(trailer).encode() + b"\n"))


SYNC_ERA_KEYS = ("sync.change_log_floor", "sync.change_log_compacted", "sync.change_log_whole_from")


def without_sync_era(rows: Rows) -> Rows:
    """A dump without what a restore replaces on purpose: the change log (a new era of seqs, see
    test_sync_era.py) and its floor/snapshot settings."""
    kept = {name: table for name, table in rows.items() if name != "change_log"}
    kept["settings"] = [row for row in rows["settings"] if row[0] not in SYNC_ERA_KEYS]
    return kept


def with_header(change: Callable[[dict[str, Any]], None]) -> Callable[[list[bytes]], list[bytes]]:
    def apply(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        change(header)
        return [json.dumps(header).encode() + b"\n", *lines[1:]]

    return apply


def at_revision(
    revision: str, tables: set[str] | dict[str, set[str]]
) -> Callable[[list[bytes]], list[bytes]]:
    """A backup as the server at `revision` wrote it: its header says so and it holds only the
    tables that existed then (`tables`); the sections of later tables are left out. Given the
    columns of each table then (a dict), the columns added later are left out too."""
    columns = tables if isinstance(tables, dict) else None

    def apply(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        header["alembic_revision"] = revision
        header["tables"] = [t for t in header["tables"] if t["name"] in tables]
        keep_at: dict[str, list[int]] = {}
        for spec in header["tables"]:
            names = [c["name"] for c in spec["columns"]]
            wanted = columns[spec["name"]] if columns is not None else set(names)
            keep_at[spec["name"]] = [i for i, name in enumerate(names) if name in wanted]
            spec["columns"] = [spec["columns"][i] for i in keep_at[spec["name"]]]
        kept = [json.dumps(header).encode() + b"\n"]
        current: str | None = None
        for line in lines[1:]:
            item = json.loads(line)
            if isinstance(item, dict) and "table" in item:
                current = item["table"] if item["table"] in tables else None
                if current is not None:
                    kept.append(line)
            elif current is not None:
                kept.append(json.dumps([item[i] for i in keep_at[current]]).encode() + b"\n")
        return kept

    return apply


async def table_columns(url: str) -> dict[str, set[str]]:
    """{table: its column names} of a database (the alembic table left out)."""
    engine = create_async_engine(url)

    def read(connection: Any) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            name: {c["name"] for c in inspector.get_columns(name)}
            for name in inspector.get_table_names()
            if name != "alembic_version" and not name.startswith("products_fts")
        }

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


class Helpers:
    """The helpers above, for the test modules (importlib mode: tests do not import conftest)."""

    dump = staticmethod(dump)
    without_sync_era = staticmethod(without_sync_era)
    seed = staticmethod(seed)
    rewrite = staticmethod(rewrite)
    with_header = staticmethod(with_header)
    at_revision = staticmethod(at_revision)
    table_names = staticmethod(table_names)
    table_columns = staticmethod(table_columns)
    settings_for = staticmethod(settings_for)


@pytest.fixture
def bk() -> type[Helpers]:
    return Helpers
