"""Append audit rows; every write calls `record` inside its own transaction."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit.repository import AuditRepository
from fllc_server.models import AuditEntry


def request_id() -> str | None:
    """The id of the request being served (the log context's), stamped on audit rows."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: object | None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable_encoder(before) if before is not None else None,
        after=jsonable_encoder(after) if after is not None else None,
        request_id=request_id(),
    )
    await AuditRepository(session).add(entry)
    return entry
