"""Migration 0004 on each backend (a scratch database): a log the old pruning cut gets an upsert for
every live entity it lost, the compaction mark starts at the floor and the era's `whole_from` goes;
downgrade removes the mark."""

from __future__ import annotations

import asyncio
from typing import Any

from fllc_server.migrations import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

NOW = "2030-01-01 00:00:00.000000"


async def _sql(url: str, *statements: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            return [
                (await connection.execute(text(s))).all()
                if s.startswith("SELECT")
                else await connection.execute(text(s))
                for s in statements
            ]
    finally:
        await engine.dispose()


async def test_a_log_cut_by_the_old_pruning_is_made_whole(scratch_url: str) -> None:
    await asyncio.to_thread(upgrade, scratch_url, "0003")
    key = "`key`" if "mysql" in scratch_url else "key"
    await _sql(
        scratch_url,
        *(
            f"INSERT INTO locations (id, code, name, kind, created_at, updated_at, version) "
            f"VALUES ({n}, 'L{n}', 'Loc {n}', 'bin', '{NOW}', '{NOW}', 1)"
            for n in (1, 2, 3, 4)
        ),
        f"UPDATE locations SET deleted_at = '{NOW}' WHERE id = 4",  # deleted: its tombstone was cut
        f"INSERT INTO change_log (seq, entity_type, entity_id, action, created_at) VALUES "
        f"(7, 'location', 3, 'upsert', '{NOW}'), (8, 'location', 9, 'delete', '{NOW}')",
        f"INSERT INTO settings ({key}, value, updated_at) VALUES ('sync.change_log_floor', '6', '{NOW}'), "
        f"('sync.change_log_whole_from', '6', '{NOW}')",
    )

    await asyncio.to_thread(upgrade, scratch_url, "0004")
    log, marks = await _sql(
        scratch_url,
        "SELECT seq, entity_type, entity_id, action FROM change_log ORDER BY seq",
        f"SELECT {key}, value FROM settings ORDER BY {key}",
    )
    assert [tuple(row) for row in log] == [
        (7, "location", 3, "upsert"),
        (8, "location", 9, "delete"),
        (9, "location", 1, "upsert"),
        (10, "location", 2, "upsert"),
    ]
    assert {k: int(v) for k, v in marks} == {"sync.change_log_compacted": 6, "sync.change_log_floor": 6}

    await asyncio.to_thread(downgrade, scratch_url, "0003")
    (marks,) = await _sql(scratch_url, f"SELECT {key}, value FROM settings ORDER BY {key}")
    assert {k: int(v) for k, v in marks} == {"sync.change_log_floor": 6}
