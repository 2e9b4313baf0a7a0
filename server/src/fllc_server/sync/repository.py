"""All sync queries: the change log, its prune floor and the entity rows behind the changes."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import Change, SettingRow

FLOOR_KEY = "sync.change_log_floor"


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
