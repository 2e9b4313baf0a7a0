"""All sync queries: the change log, its marks and the entity rows behind the changes.

Compaction: the log is kept as the newest change of every entity. `compact` removes, from the changes
at or below a mark (`sync.change_log_compacted`), every change superseded by a newer change of the
same entity (entity_type, entity_id); then the log's head, while it holds only tombstones (deletes
that are old enough), is dropped, and only that raises the floor (`sync.change_log_floor`, the
highest seq dropped): a cursor below it may hold an entity whose delete is gone, so it gets 410. No
change is left at or below the floor, so a cursor of 0 (a replica holding nothing, which is how a
resyncing device asks) is always answered, and the cursors it pages through never fall below the
floor: the log from the start is a whole snapshot (tombstones that are not at the head stay, one
per deleted entity; a replica with nothing applies them as no-ops).

Eras: a restore cannot know which seqs the devices hold (they may have pulled changes the restore
undid, and may come from another server altogether), so it opens a new era of the change sequence
(`open_era`): the log restarts far past any seq a device could hold, holding one upsert per live
entity (the snapshot), and the floor is raised to the era's start, so that every older cursor gets
410 `cursor_expired`, while a cursor of 0 reads the era's snapshot (and, later, its compacted log).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
# Every change at or below this seq has been compacted (see the module docstring).
COMPACTED_KEY = "sync.change_log_compacted"
ERA_GAP = 2**32  # an era starts this far past any seq the previous log (or another server's) reached
ERA_MARKER = {"entity_type": "sync", "entity_id": 0, "action": "era"}  # holds the sequence at the start
ERA_ACTION = ERA_MARKER["action"]  # never sent to a device; the only change of its entity, never compacted
# What a replica holds, in an order a replica can apply (referenced rows first): sync.shapes' types.
SNAPSHOT: tuple[tuple[str, Any], ...] = (
    ("location", Location),
    ("category", Category),
    ("supplier", Supplier),
    ("product", Product),
    ("purchase_order", PurchaseOrder),
)
CHANGES = cast(Table, Change.__table__)
APPLIED_OPS = cast(Table, AppliedOp.__table__)  # Core statements: no ORM bookkeeping per row
_CHUNK = 1000
_DELETE_CHUNK = 2000  # seqs per DELETE ... IN (...)


class ChangeLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def after(self, since: int, limit: int) -> list[Change]:
        rows = await self.session.scalars(
            select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit)
        )
        return list(rows)

    async def first_after(self, seq: int) -> int | None:
        value = await self.session.scalar(select(func.min(Change.seq)).where(Change.seq > seq))
        return int(value) if value is not None else None

    async def newest_seq(self) -> int:
        return int(await self.session.scalar(select(func.max(Change.seq))) or 0)

    async def floor(self) -> int:
        """The highest dropped tombstone (or the era's start): a cursor other than 0 below it
        may hold an entity whose delete is gone from the log."""
        return await self._get(FLOOR_KEY)

    async def compacted(self, *, lock: bool = False) -> int:
        """The compaction mark (see the module docstring); with `lock`, the settings row is held
        until commit, so that compactions of one log run one after another."""
        query = select(SettingRow.value).where(SettingRow.key == COMPACTED_KEY)
        if lock:  # a row to lock (a database emptied by hand has none): added once, by one
            floor = await self.floor()
            await self.session.execute(
                insert(SettingRow)
                .values(key=COMPACTED_KEY, value=floor, updated_at=dt.datetime.now(dt.UTC))
                .prefix_with("IGNORE", dialect="mysql")
                .prefix_with("IGNORE", dialect="mariadb")
                .prefix_with("OR IGNORE", dialect="sqlite")
            )
            query = query.with_for_update()
        value = await self.session.scalar(query)
        return int(value) if value is not None else await self.floor()

    async def marks(self) -> tuple[int, int]:
        """(floor, compaction mark) in one read."""
        rows: dict[str, Any] = dict(
            (
                await self.session.execute(
                    select(SettingRow.key, SettingRow.value).where(
                        SettingRow.key.in_([FLOOR_KEY, COMPACTED_KEY])
                    )
                )
            ).all()
        )
        floor = int(rows.get(FLOOR_KEY) or 0)
        compacted = rows.get(COMPACTED_KEY)
        return floor, int(compacted) if compacted is not None else floor

    async def settled_through(self, seq: int, before: dt.datetime) -> int | None:
        """The highest seq at or below `seq` written before `before` (a gap below it is no
        transaction still in flight: `service.settled`'s rule); None if there is none."""
        value = await self.session.scalar(
            select(Change.seq)
            .where(Change.seq <= seq, Change.created_at < before)
            .order_by(Change.seq.desc())
            .limit(1)
        )
        return int(value) if value is not None else None

    async def compact(self, after: int, through: int) -> int:
        """Compact the changes in (after, through] into the log below them: for every entity
        changed there, delete its changes older than its newest one there (wherever they are).
        Then drop the log's head up to `through` while it holds no upsert - expired tombstones
        (and an era's marker) - raising the floor to the highest dropped: no change is ever left
        at or below the floor, so a replica paging from 0 never holds a cursor below it.
        `after` must be the current mark, `through` below the newest seq (which always stays, so
        the sequence goes on from it). Returns the rows deleted."""
        newest = (
            select(Change.entity_type, Change.entity_id, func.max(Change.seq).label("newest"))
            .where(Change.seq > after, Change.seq <= through)
            .group_by(Change.entity_type, Change.entity_id)
            .subquery("newest")
        )
        older = aliased(Change, name="older")
        superseded = select(older.seq).join(
            newest,
            (older.entity_type == newest.c.entity_type)
            & (older.entity_id == newest.c.entity_id)
            & (older.seq < newest.c.newest),
        )
        deleted = await self._delete(list(await self.session.scalars(superseded)))
        live = await self.session.scalar(
            select(Change.seq).where(Change.action == "upsert").order_by(Change.seq).limit(1)
        )
        head_end = through if live is None else min(through, int(live) - 1)
        head = list(await self.session.scalars(select(Change.seq).where(Change.seq <= head_end)))
        deleted += await self._delete(head)
        if head and max(head) > await self.floor():
            await self._put(FLOOR_KEY, max(head))
        await self._put(COMPACTED_KEY, through)
        return deleted

    async def _delete(self, seqs: list[int]) -> int:
        seqs = sorted(seqs)
        for first in range(0, len(seqs), _DELETE_CHUNK):
            await self.session.execute(
                delete(Change)
                .where(Change.seq.in_(seqs[first : first + _DELETE_CHUNK]))
                .execution_options(synchronize_session=False)
            )
        return len(seqs)

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
                    {
                        "seq": seq + offset,
                        "entity_type": entity_type,
                        "entity_id": entity_id,
                        "action": "upsert",
                        "created_at": now,
                    }
                    for offset, entity_id in enumerate(ids[first : first + _CHUNK], start=1)
                ]
                await self.session.execute(insert(CHANGES), rows)
                seq += len(rows)
        await self._put(FLOOR_KEY, start)
        await self._put(COMPACTED_KEY, start)  # nothing below it; one change per entity after it
        return seq - start

    async def _get(self, key: str) -> int:
        value = await self.session.scalar(select(SettingRow.value).where(SettingRow.key == key))
        return int(value) if value is not None else 0

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
