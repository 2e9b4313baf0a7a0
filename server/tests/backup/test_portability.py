"""The point of the file: the embedded default's backup restores into MariaDB (the way from one
command to a real server) and a MariaDB backup restores into the embedded default - every row the
same, the search index and AUTO_INCREMENT right on the far side. Needs FLLC_TEST_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fllc_server.backup import create_backup, restore_backup, verify
from fllc_server.migrations import upgrade_async
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def test_embedded_to_mariadb_and_back(mariadb_scratch: Any, bk: Any, tmp_path: Path) -> None:
    embedded = bk.settings_for(tmp_path / "embedded", None)
    await upgrade_async(embedded.effective_database_url)
    await bk.seed(embedded)
    original = await bk.dump(embedded.effective_database_url)

    first = await create_backup(embedded.effective_database_url, tmp_path / "from-sqlite.fllcbak")
    assert verify(first.path).source_dialect == "sqlite"
    mariadb = await mariadb_scratch("portable")
    await restore_backup(mariadb, first.path)
    assert bk.without_sync_era(await bk.dump(mariadb.database_url)) == bk.without_sync_era(original)

    engine = create_async_engine(mariadb.database_url)
    async with engine.begin() as connection:
        # The MySQL word index was filled by its triggers for every live restored product.
        terms = await connection.scalar(text("SELECT COUNT(DISTINCT product_id) FROM products_fts_terms"))
        live = await connection.scalar(text("SELECT COUNT(*) FROM products WHERE deleted_at IS NULL"))
        assert terms == live
        # New rows continue after the restored ids.
        highest = await connection.scalar(text("SELECT MAX(id) FROM customers"))
        await connection.execute(text("INSERT INTO customers (name, created_at) VALUES ('new', NOW())"))
        assert await connection.scalar(text("SELECT MAX(id) FROM customers")) == highest + 1
        await connection.execute(text("DELETE FROM customers WHERE name = 'new'"))
    await engine.dispose()

    second = await create_backup(mariadb.database_url, tmp_path / "from-mariadb.fllcbak")
    assert verify(second.path).source_dialect in ("mysql", "mariadb")
    back = bk.settings_for(tmp_path / "back", None)
    await restore_backup(back, second.path)
    assert bk.without_sync_era(await bk.dump(back.effective_database_url)) == bk.without_sync_era(original)

    engine = create_async_engine(back.effective_database_url)
    async with engine.connect() as connection:
        matches = await connection.scalar(
            text("SELECT COUNT(*) FROM products_fts WHERE products_fts MATCH '\"Edge case lantern\"'")
        )
    await engine.dispose()
    assert matches == 1  # the FTS5 index holds the restored (soft-deleted) edge product too
