"""The Alembic chain: one head; upgrade → downgrade base → upgrade on each backend (a scratch database,
never the shared test one); and the models match the migrated schema (no autogenerate diff)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fllc_server.migrations import alembic_config, downgrade, upgrade
from fllc_server.models import Base
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Search indexes that only exist in raw SQL (FTS5 on SQLite, FULLTEXT on MySQL), not in the models.
RAW_SQL_ONLY = ("products_fts", "ft_products_name")


async def _run(url: str, work: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return {t for t in inspect(connection).get_table_names() if not t.startswith("products_fts")}


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (name and name.startswith(RAW_SQL_ONLY))


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _include})
    return list(compare_metadata(context, Base.metadata))


def test_the_chain_has_one_head_and_one_base() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1
    revisions = list(scripts.walk_revisions())
    assert all(r.down_revision is not None for r in revisions if r.revision not in scripts.get_bases())


async def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(scratch_url)).get_current_head()
    expected = {table.name for table in Base.metadata.sorted_tables}

    await _to_thread(upgrade, scratch_url)
    assert await _run(scratch_url, _revision) == head
    assert await _run(scratch_url, _tables) >= expected

    await _to_thread(downgrade, scratch_url, "base")
    assert await _run(scratch_url, _revision) is None
    assert await _run(scratch_url, _tables) <= {"alembic_version"}

    await _to_thread(upgrade, scratch_url)
    assert await _run(scratch_url, _revision) == head
    assert await _run(scratch_url, _tables) >= expected


async def test_each_revision_steps_down_and_up_one_at_a_time(scratch_url: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(scratch_url))
    chain = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    for revision in chain:
        await _to_thread(upgrade, scratch_url, revision)
        assert await _run(scratch_url, _revision) == revision
    for revision in reversed(chain):
        await _to_thread(downgrade, scratch_url, "-1")
        below = scripts.get_revision(revision).down_revision
        assert await _run(scratch_url, _revision) == below


async def test_the_models_match_the_migrated_schema(scratch_url: str) -> None:
    await _to_thread(upgrade, scratch_url)
    assert await _run(scratch_url, _diff) == []


async def _to_thread(function: Any, *args: Any) -> None:
    """Alembic's env runs its own event loop: call it from a worker thread."""
    await asyncio.to_thread(function, *args)
