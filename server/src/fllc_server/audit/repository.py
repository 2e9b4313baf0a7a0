"""All queries of the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)
        await self.session.flush()

    def _filtered(
        self,
        *,
        actor_id: int | None,
        entity_type: str | None,
        entity_id: str | None,
        action: str | None,
        since: dt.datetime | None,
        until: dt.datetime | None,
    ) -> Select[AuditEntry]:
        query = select(AuditEntry)
        if actor_id is not None:
            query = query.where(AuditEntry.actor_id == actor_id)
        if entity_type is not None:
            query = query.where(AuditEntry.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == entity_id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        if until is not None:
            query = query.where(AuditEntry.created_at < until)
        return query

    async def page(self, *, offset: int, limit: int, **filters: object) -> tuple[Sequence[AuditEntry], int]:
        query = self._filtered(**filters)  # type: ignore[arg-type]
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
        return rows.all(), int(total or 0)
