"""All sync queries: the change log, its prune floor and the entity rows behind the changes."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import AppliedOp, Change, SettingRow

FLOOR_KEY = "sync.change_log_floor"
APPLIED_OPS = cast(Table, AppliedOp.__table__)  # Core statements: no ORM bookkeeping per row


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
        row = await self.session.get(SettingRow, FLOOR_KEY)
        if row is None:
            self.session.add(SettingRow(key=FLOOR_KEY, value=seq))
        else:
            row.value = seq
        await self.session.flush()
        return int(getattr(result, "rowcount", 0))


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
