"""Backup and restore on one backend (the embedded default, and MariaDB + Redis when configured):
an exact round trip, refusals (data in the target, damaged files, a newer schema) that leave the
target as it was, older backups, and a running server that serves the restored data at once."""

from __future__ import annotations

import gzip
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.backup import BackupCorruptError, BackupError, create_backup, restore_backup, verify
from fllc_server.backup.fileformat import SUFFIX
from fllc_server.backup.service import known_revisions
from fllc_server.config import Settings
from fllc_server.migrations import upgrade_async
from fllc_server.models import Base
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def test_round_trip_restores_every_row_exactly(
    settings: Settings, scratch: Any, bk: Any, tmp_path: Path
) -> None:
    await bk.seed(settings)
    source = await bk.dump(settings.effective_database_url)

    result = await create_backup(settings.effective_database_url, tmp_path)
    assert result.path.parent == tmp_path
    assert result.path.name.startswith("fllc-backup-")
    assert result.path.suffix == SUFFIX
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.rows == sum(len(rows) for rows in source.values())
    assert result.tables == len(Base.metadata.sorted_tables)
    assert not _files(tmp_path, "*.partial")

    header = verify(result.path)
    assert header.alembic_revision == _head(settings)
    assert [t.name for t in header.tables] == [t.name for t in Base.metadata.sorted_tables]
    assert {t.name: t.rows for t in header.tables} == {name: len(rows) for name, rows in source.items()}
    assert source["products"]
    assert source["inventory_log"]
    assert source["users"]

    target = await scratch("target")
    restored = await restore_backup(target, result.path)
    assert restored.rows == result.rows
    assert not restored.emptied
    assert bk.without_sync_era(await bk.dump(target.effective_database_url)) == bk.without_sync_era(source)


async def test_restore_refuses_a_database_with_data_unless_forced(
    settings: Settings, scratch: Any, bk: Any, tmp_path: Path
) -> None:
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path
    target = await scratch("busy")
    await upgrade_async(target.effective_database_url)
    engine = create_async_engine(target.effective_database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO locations (code, name, kind, version, created_at, updated_at)"
                " VALUES ('ELSEWHERE', 'Other data', 'bin', 1, '2020-01-01', '2020-01-01')"
            )
        )
    await engine.dispose()
    before = await bk.dump(target.effective_database_url)

    with pytest.raises(BackupError, match=r"already holds data: locations \(1 rows\).*--force"):
        await restore_backup(target, backup)
    assert await bk.dump(target.effective_database_url) == before

    result = await restore_backup(target, backup, force=True)
    assert result.emptied
    assert bk.without_sync_era(await bk.dump(target.effective_database_url)) == bk.without_sync_era(
        await bk.dump(settings.effective_database_url)
    )


def _head(settings: Settings) -> str:
    return known_revisions(settings.effective_database_url)[-1]


def _files(folder: Path, pattern: str) -> list[Path]:
    return list(folder.glob(pattern))


def _truncate(path: Path, out: Path) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])
    return out


def _flip_bit(path: Path, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    out.write_bytes(bytes(data))
    return out


def _lose_last_rows(path: Path, out: Path) -> Path:
    """A whole gzip stream whose content stops inside a table: no trailer."""
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    out.write_bytes(gzip.compress(b"".join(lines[: len(lines) - 5])))
    return out


def _edit_row(path: Path, out: Path) -> Path:
    """A row changed after the backup (a valid gzip stream, the old checksum)."""
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if b"Edge case lantern" in line)
    lines[index] = lines[index].replace(b"Edge case lantern", b"Edge case lantern!")
    out.write_bytes(gzip.compress(b"".join(lines)))
    return out


@pytest.mark.parametrize("damage", [_truncate, _flip_bit, _lose_last_rows, _edit_row])
async def test_a_damaged_file_is_refused_and_the_target_untouched(
    settings: Settings, bk: Any, tmp_path: Path, damage: Any
) -> None:
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "good.fllcbak")).path
    # The target holds other data and --force is given: still nothing may change.
    engine = create_async_engine(settings.effective_database_url)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM reviews"))
        await connection.execute(text("UPDATE products SET name = 'changed since' WHERE sku = 'EDGE-1'"))
    await engine.dispose()
    before = await bk.dump(settings.effective_database_url)

    damaged = damage(backup, tmp_path / "damaged.fllcbak")
    with pytest.raises(BackupCorruptError, match="damaged or incomplete"):
        await restore_backup(settings, damaged, force=True)
    assert await bk.dump(settings.effective_database_url) == before


async def test_a_wrong_count_in_the_header_rolls_the_load_back(
    settings: Settings, scratch: Any, bk: Any, tmp_path: Path
) -> None:
    """Even a file whose checksum is right but whose header lies is caught before commit."""
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path

    def lie(header: dict[str, Any]) -> None:
        products = next(t for t in header["tables"] if t["name"] == "products")
        products["rows"] -= 1

    forged = tmp_path / "forged.fllcbak"
    bk.rewrite(backup, forged, bk.with_header(lie))
    target = await scratch("forged")
    await upgrade_async(target.effective_database_url)
    with pytest.raises(BackupCorruptError):
        await restore_backup(target, forged)
    assert all(not rows for rows in (await bk.dump(target.effective_database_url)).values())


async def test_a_backup_from_a_newer_schema_is_refused(settings: Settings, bk: Any, tmp_path: Path) -> None:
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path
    before = await bk.dump(settings.effective_database_url)

    def future(header: dict[str, Any]) -> None:
        header["alembic_revision"] = "0099"
        header["app_version"] = "9.0.0"

    newer = tmp_path / "newer.fllcbak"
    bk.rewrite(backup, newer, bk.with_header(future))
    with pytest.raises(BackupError, match=r"newer FLLC Warehouse \(schema revision 0099.*Upgrade the server"):
        await restore_backup(settings, newer, force=True)
    assert await bk.dump(settings.effective_database_url) == before


async def test_an_older_backup_is_loaded_at_its_revision_then_upgraded(
    settings: Settings, scratch: Any, bk: Any, tmp_path: Path
) -> None:
    """A backup made at revision 0001, before later migrations added tables and columns: it holds
    only the tables and columns of 0001. The target goes to 0001 - down from head when it was
    there - is loaded, then goes to head, where the later tables start empty and the later
    columns take their defaults."""
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path
    probe = await scratch("probe")
    await upgrade_async(probe.effective_database_url, "0001")
    then = await bk.table_columns(probe.effective_database_url)
    later = {t.name for t in Base.metadata.sorted_tables} - set(then)
    assert later  # tables added after 0001
    older = tmp_path / "older.fllcbak"
    bk.rewrite(backup, older, bk.at_revision("0001", then))
    assert {t.name for t in verify(older).tables} == {t.name for t in Base.metadata.sorted_tables} - later
    source = await bk.dump(settings.effective_database_url)
    assert all(not source[name] for name in later)  # nothing the older file could not hold
    source = await bk.dump(settings.effective_database_url, then)

    for name in ("fresh", "at_head"):
        target = await scratch(name)
        if name == "at_head":
            await upgrade_async(target.effective_database_url)
        await restore_backup(target, older, force=True)
        restored = await bk.dump(target.effective_database_url, then)
        assert bk.without_sync_era(restored) == bk.without_sync_era(source)
        engine = create_async_engine(target.effective_database_url)
        async with engine.connect() as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        await engine.dispose()
        assert revision == _head(target)


async def test_backup_refuses_a_database_behind_this_server(scratch: Any, tmp_path: Path) -> None:
    target = await scratch("old")
    await upgrade_async(target.effective_database_url, "0001")
    head = _head(target)
    with pytest.raises(BackupError, match=rf"revision 0001, this server's is {head}.*fllc-server migrate"):
        await create_backup(target.effective_database_url, tmp_path)
    assert not _files(tmp_path, "*.fllcbak*")


async def test_backup_never_overwrites_a_file(settings: Settings, tmp_path: Path) -> None:
    existing = tmp_path / "keep.fllcbak"
    existing.write_bytes(b"precious")
    with pytest.raises(BackupError, match="exists already"):
        await create_backup(settings.effective_database_url, existing)
    assert existing.read_bytes() == b"precious"


async def test_a_running_server_serves_the_restored_data(
    settings: Settings,
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: Any,
    login: Any,
    bk: Any,
    tmp_path: Path,
) -> None:
    """Restore under a running server: a restored user signs in, a user made after the backup no
    longer can, and a search cached before the restore answers with the restored products. On
    MariaDB + Redis the restore runs as another process would (its own connections, the caches
    reached through Redis); embedded, the in-process caches are only reachable from inside."""
    alice = await make_user("admin", username="alice")
    headers = {"Authorization": f"Bearer {(await login('alice'))['access_token']}"}
    created = await client.post(
        "/api/v1/products", headers=headers, json={"sku": "LAN-1", "name": "Lantern Alpha", "price": "12.50"}
    )
    assert created.status_code == 201, created.text
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path

    # After the backup: the product is renamed, another user appears, the search is cached.
    product = created.json()
    renamed = await client.patch(
        f"/api/v1/products/{product['id']}",
        headers=headers,
        json={"name": "Lantern Beta", "version": product["version"]},
    )
    assert renamed.status_code == 200, renamed.text
    await make_user("staff", username="bob")
    for expected in ("miss", "hit"):
        search = await client.get("/api/v1/products", params={"q": "Lantern"}, headers=headers)
        assert search.headers["x-cache"] == expected
        assert [p["name"] for p in search.json()["data"]] == ["Lantern Beta"]

    in_process = app.state.fllc if settings.redis_url is None else None
    result = await restore_backup(settings, backup, force=True, state=in_process)
    assert result.emptied

    search = await client.get("/api/v1/products", params={"q": "Lantern"}, headers=headers)
    assert search.status_code == 200, search.text
    assert search.headers["x-cache"] == "miss"
    assert [p["name"] for p in search.json()["data"]] == ["Lantern Alpha"]
    assert (await login(str(alice["username"])))["access_token"]
    refused = await client.post("/api/v1/auth/login", json={"username": "bob", "password": "correct-horse-9"})
    assert refused.status_code == 401

    # New rows continue after the restored ids (MySQL: AUTO_INCREMENT was set after the load).
    again = await client.post(
        "/api/v1/products", headers=headers, json={"sku": "LAN-2", "name": "Lantern Gamma", "price": "1.00"}
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] > product["id"]
