"""All sync queries: the change log, its prune floor and the entity rows behind the changes.

Eras: a restore cannot know which seqs the devices hold (they may have pulled changes the restore
undid, and may come from another server altogether), so it opens a new era of the change sequence
(`open_era`): the log restarts far past any seq a device could hold, holding one upsert per live
entity (the snapshot), and the floor is raised to the era's start, so that every older cursor gets
410 `cursor_expired`. A cursor of 0 (a device holding nothing, which is how a resyncing desktop
asks) is served from the era's start while the snapshot is still whole (`whole_from`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import (
    AppliedOp,
    Category,
    Change,
    Location,
    Product,
    PurchaseOrder,
    SettingRow,
    Supplier,
)

FLOOR_KEY = "sync.change_log_floor"
# The start of the current era while the log after it still holds its whole snapshot (see `open_era`).
WHOLE_FROM_KEY = "sync.change_log_whole_from"
ERA_GAP = 2**32  # an era starts this far past any seq the previous log (or another server's) reached
ERA_MARKER = {"entity_type": "sync", "entity_id": 0, "action": "era"}  # holds the sequence at the start
# What a replica holds, in an order a replica can apply (referenced rows first): sync.shapes' types.
SNAPSHOT: tuple[tuple[str, Any], ...] = (
    ("location", Location), ("category", Category), ("supplier", Supplier), ("product", Product),
    ("purchase_order", PurchaseOrder),
)
CHANGES = cast(Table, Change.__table__)
APPLIED_OPS = cast(Table, AppliedOp.__table__)  # Core statements: no ORM bookkeeping per row
_CHUNK = 1000


class ChangeLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def after(self, since: int, limit: int) -> list[Change]:
        rows = await self.session.scalars(
            select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit)
        )
        return list(rows)

    async def newest_seq(self) -> int:
        return int(await self.session.scalar(select(func.max(Change.seq))) or 0)

    async def floor(self) -> int:
        """The highest pruned seq: a cursor below it has missed changes that are gone."""
        row = await self.session.get(SettingRow, FLOOR_KEY)
        return int(row.value) if row is not None else 0

    async def prune_through(self, seq: int) -> int:
        """Delete changes up to `seq` and raise the floor to the last one deleted (a cursor at
        or past it has missed nothing); returns the rows deleted."""
        last = await self.session.scalar(select(func.max(Change.seq)).where(Change.seq <= seq))
        if last is None:
            return 0
        seq = int(last)
        result = await self.session.execute(
            delete(Change).where(Change.seq <= seq).execution_options(synchronize_session=False)
        )
        await self._put(FLOOR_KEY, seq)
        return int(getattr(result, "rowcount", 0))

    async def whole_from(self) -> int | None:
        """The era's start while the log after it holds a replica's whole snapshot (no pruning
        since the era opened); None otherwise."""
        row = await self.session.get(SettingRow, WHOLE_FROM_KEY)
        whole = int(row.value) if row is not None and row.value is not None else None
        return whole if whole is not None and whole == await self.floor() else None

    async def highest_reached(self) -> int:
        """The highest seq this log ever handed out that a device could hold."""
        return max(await self.newest_seq(), await self.floor())

    async def open_era(self, start: int, now: dt.datetime) -> int:
        """Replace the log by a new era from `start`: a marker row at `start` (the sequence goes on
        after it on both backends, even with nothing else in the log), one upsert per live entity
        at start+1, start+2, ... (explicit seqs: no gaps for `settled` to wait on), and the floor
        at `start`: every cursor below it has to resync. Returns the snapshot's row count."""
        await self.session.execute(delete(Change).execution_options(synchronize_session=False))
        await self.session.execute(insert(CHANGES), [{**ERA_MARKER, "seq": start, "created_at": now}])
        seq = start
        for entity_type, model in SNAPSHOT:
            query = select(model.id).order_by(model.id)
            if hasattr(model, "deleted_at"):
                query = query.where(model.deleted_at.is_(None))
            ids = list(await self.session.scalars(query))
            for first in range(0, len(ids), _CHUNK):
                rows = [
                    {"seq": seq + offset, "entity_type": entity_type, "entity_id": entity_id,
                     "action": "upsert", "created_at": now}
                    for offset, entity_id in enumerate(ids[first:first + _CHUNK], start=1)
                ]
                await self.session.execute(insert(CHANGES), rows)
                seq += len(rows)
        await self._put(FLOOR_KEY, start)
        await self._put(WHOLE_FROM_KEY, start)
        return seq - start

    async def _put(self, key: str, value: int) -> None:
        row = await self.session.get(SettingRow, key)
        if row is None:
            self.session.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        await self.session.flush()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class AppliedOpRepository:
    """applied_ops, set-wise: the exactly-once records of a run of ops."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing(self, op_ids: Collection[str]) -> dict[str, AppliedOp]:
        if not op_ids:
            return {}
        rows = await self.session.scalars(select(AppliedOp).where(AppliedOp.op_id.in_(list(op_ids))))
        return {row.op_id: row for row in rows}

    async def reserve(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the records (result still empty), in op_id order so that two runs reserving
        overlapping ids take the keys in one order. A key another transaction holds makes this
        wait for it; one it committed raises IntegrityError."""
        if rows:
            await self.session.execute(
                insert(APPLIED_OPS),
                sorted(rows, key=lambda r: r["op_id"]),
            )

    async def complete(self, results: Mapping[str, Any]) -> None:
        """Store the results of reserved records {op_id: result}, in one statement."""
        if not results:
            return
        if self.session.get_bind().dialect.name == "sqlite":  # executemany loops in C, in-process
            statement = (
                update(APPLIED_OPS)
                .where(APPLIED_OPS.c.op_id == bindparam("key"))
                .values(result=bindparam("value"))
            )
            rows = [{"key": op_id, "value": result} for op_id, result in results.items()]
            await self.session.execute(statement, rows)
            return
        # MySQL: an UPDATE joined on the primary key (an upsert's next-key locks would deadlock
        # with pushes waiting on these keys), written out: compiling a thousand-row statement per
        # batch costs more than running it. Placeholders only — every value is a parameter.
        first, rest = "SELECT %s AS op_id, %s AS result", ["SELECT %s, %s"] * (len(results) - 1)
        derived = " UNION ALL ".join([first, *rest])
        sql = f"UPDATE applied_ops a JOIN ({derived}) AS r ON a.op_id = r.op_id SET a.result = r.result"  # noqa: S608
        params = [value for op_id, result in results.items() for value in (op_id, _json(result))]
        connection = await self.session.connection()
        await connection.exec_driver_sql(sql, tuple(params))

    async def correct(self, op_id: str, **values: Any) -> None:
        """Rewrite a reserved record's kind, hash or status (the op that applied under this
        op_id was not the first of the run to carry it)."""
        await self.session.execute(
            update(AppliedOp)
            .where(AppliedOp.op_id == op_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def release(self, op_ids: Collection[str]) -> None:
        """Drop reserved records of ops that were refused: they may be pushed again later."""
        if op_ids:
            await self.session.execute(
                delete(AppliedOp)
                .where(AppliedOp.op_id.in_(list(op_ids)))
                .execution_options(synchronize_session=False)
            )
