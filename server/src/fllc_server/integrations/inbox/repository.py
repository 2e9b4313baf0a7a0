"""All queries of the inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import InboxMessage, utcnow


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_or_ignore(self, source: str, external_id: str, kind: str, payload: Any) -> int | None:
        """Insert the message unless (source, external_id) is there already; its new id when
        inserted (the driver's last insert id: no second statement), None when it was there."""
        now = utcnow()
        statement = insert(InboxMessage).values(
            source=source,
            external_id=external_id,
            kind=kind,
            payload=payload,
            status="received",
            attempts=0,
            received_at=now,
            updated_at=now,
        )
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":
            statement = statement.prefix_with("OR IGNORE")
        else:  # MySQL / MariaDB
            statement = statement.prefix_with("IGNORE")
        result = await self.session.execute(statement)
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return int(result.lastrowid)  # type: ignore[attr-defined]

    async def find(self, source: str, external_id: str) -> InboxMessage | None:
        return await self.session.scalar(
            select(InboxMessage).where(InboxMessage.source == source, InboxMessage.external_id == external_id)
        )

    async def get(self, message_id: int, *, lock: bool = False) -> InboxMessage | None:
        query = select(InboxMessage).where(InboxMessage.id == message_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def pending_ids(self, limit: int, *, before: dt.datetime | None = None) -> list[int]:
        """Received messages, oldest first; `before`: only those unchanged since then."""
        query = select(InboxMessage.id).where(InboxMessage.status == "received")
        if before is not None:
            query = query.where(InboxMessage.updated_at < before)
        rows = await self.session.scalars(query.order_by(InboxMessage.id).limit(limit))
        return list(rows)

    async def wake(self, waits_for: str) -> list[int]:
        """Parked messages waiting for `waits_for` go back to received; their ids."""
        waiting = InboxMessage.status == "parked", InboxMessage.waits_for == waits_for
        ids = list(await self.session.scalars(select(InboxMessage.id).where(*waiting).with_for_update()))
        if ids:
            await self.session.execute(
                update(InboxMessage)
                .where(InboxMessage.id.in_(ids), *waiting)
                .values(status="received", updated_at=utcnow())
            )
        return ids

    async def list(
        self, *, status: str | None, source: str | None, offset: int, limit: int
    ) -> tuple[Sequence[InboxMessage], int]:
        query = select(InboxMessage)
        if status is not None:
            query = query.where(InboxMessage.status == status)
        if source is not None:
            query = query.where(InboxMessage.source == source)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(InboxMessage.id.desc()).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(InboxMessage.status, func.count()).group_by(InboxMessage.status)
        )
        return {status: int(count) for status, count in rows.all()}
