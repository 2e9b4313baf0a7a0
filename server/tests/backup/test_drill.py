"""`fllc-server restore-drill` and `backups list` on the backend under test (the embedded default, and
MariaDB + Redis when configured): the newest backup restored into a scratch database (dropped again),
every table's count and content checksum compared with the source at the backup's moment, RPO and
RTO printed; a backup whose rows differ from the source is caught."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from fllc_server.backup import create_backup
from fllc_server.backup.drill import restore_drill
from fllc_server.backup.store import BackupStore
from fllc_server.config import Settings
from fllc_server.models import Base
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

CLI = [sys.executable, "-m", "fllc_server.cli"]


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    env.update(
        FLLC_DATA_DIR=str(settings.data_dir),
        FLLC_SECRET_KEY=settings.secret_key or "",
        FLLC_LOG_LEVEL="WARNING",
        FLLC_ENVIRONMENT="test",
    )
    if settings.database_url:
        env["FLLC_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["FLLC_REDIS_URL"] = settings.redis_url
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


async def _drill_databases(settings: Settings) -> list[str]:
    """What a drill leaves behind: its work folders and, on MariaDB, its scratch databases."""
    left = sorted(p.name for p in settings.data_dir.glob("restore-drill-*"))
    if settings.database_url is None:
        return left
    engine = create_async_engine(settings.database_url)
    async with engine.connect() as connection:
        names = (await connection.execute(text("SHOW DATABASES"))).scalars().all()
    await engine.dispose()
    return left + sorted(n for n in names if "_drill_" in n)


async def test_the_drill_restores_the_newest_backup_and_every_table_matches(
    settings: Settings, bk: Any, tmp_path: Path
) -> None:
    await bk.seed(settings)
    store = BackupStore.for_settings(settings)
    older = await create_backup(
        settings.effective_database_url, tmp_path / "fllc-backup-20200101T000000Z.fllcbak"
    )
    await store.put(older.path)
    newest = await create_backup(settings.effective_database_url, tmp_path)
    await store.put(newest.path)
    before = await _drill_databases(settings)

    report = await restore_drill(settings)

    assert report.backup.name == newest.path.name  # the newest, not the one from 2020
    assert report.ok
    assert report.checksummed
    assert [t.name for t in report.tables] == [t.name for t in Base.metadata.sorted_tables]
    products = next(t for t in report.tables if t.name == "products")
    assert products.rows == products.expected_rows > 0
    assert 0 <= report.rpo_seconds < (dt.datetime.now(dt.UTC) - report.taken_at).total_seconds() + 1
    assert report.rto_seconds > 0
    assert await _drill_databases(settings) == before  # the scratch database is gone again


async def test_the_drill_catches_a_backup_whose_rows_differ_from_the_source(
    settings: Settings, bk: Any, tmp_path: Path
) -> None:
    """A row changed in the file after it was written (its SHA-256 made to fit, so only the content
    checksum taken from the source can tell): the restored products differ from the source."""
    await bk.seed(settings)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path
    tampered = tmp_path / "tampered.fllcbak"

    def rename_a_product(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        at = 1
        for table in header["tables"]:
            if table["name"] == "products":
                name = next(i for i, c in enumerate(table["columns"]) if c["name"] == "name")
                row = json.loads(lines[at + 1])
                row[name] = "Not what the source held"
                lines[at + 1] = json.dumps(row).encode() + b"\n"
                break
            at += 1 + table["rows"]
        return lines

    bk.rewrite(backup, tampered, rename_a_product)
    report = await restore_drill(settings, tampered)
    assert not report.ok
    assert [t.name for t in report.tables if not t.ok] == ["products"]
    products = next(t for t in report.tables if t.name == "products")
    assert products.rows == products.expected_rows  # the count alone would not have seen it


async def test_the_commands_list_the_backups_and_print_rpo_and_rto(
    settings: Settings, bk: Any, tmp_path: Path
) -> None:
    await bk.seed(settings)
    assert "no backups in" in _run(settings, "backups", "list").stdout
    failed = _run(settings, "restore-drill")
    assert failed.returncode == 1
    assert "No backup in" in failed.stderr
    store = BackupStore.for_settings(settings)
    made = await create_backup(settings.effective_database_url, tmp_path)
    await store.put(made.path)

    listed = _run(settings, "backups", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"1 backups in {store.where}" in listed.stdout
    assert made.path.name in listed.stdout

    drill = _run(settings, "restore-drill")
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert f"restore drill of {made.path.name}" in drill.stdout
    assert re.search(r"^RPO \d+ s", drill.stdout, re.M), drill.stdout
    assert re.search(r"^RTO \d+\.\d s", drill.stdout, re.M), drill.stdout
    tables = len(Base.metadata.sorted_tables)
    assert "every table's row count and content checksum matches the source at the backup's moment" in (
        drill.stdout
    )
    assert len(re.findall(r"^  ok .* rows  checksum matches$", drill.stdout, re.M)) == tables
    assert "Traceback" not in drill.stderr

    damaged = tmp_path / "fllc-backup-29991231T000000Z.fllcbak"  # the newest by name
    damaged.write_bytes(gzip.compress(b"not a backup\n"))
    await store.put(damaged)
    refused = _run(settings, "restore-drill")
    assert refused.returncode == 1
    assert "restore drill failed" in refused.stderr
    assert "Traceback" not in refused.stderr
