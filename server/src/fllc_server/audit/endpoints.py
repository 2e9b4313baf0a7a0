from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from fllc_server.audit.repository import AuditRepository
from fllc_server.audit.schemas import AuditEntryOut
from fllc_server.auth.dependencies import UsersManage
from fllc_server.kit.deps import ReadSessionDep
from fllc_server.kit.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/audit-log", tags=["audit"])


@router.get("", response_model=Page[AuditEntryOut])
async def list_audit_log(
    *,
    _user: UsersManage,
    session: ReadSessionDep,
    page: PageDep,
    actor_id: Annotated[int | None, Query(ge=1)] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Page[AuditEntryOut]:
    """The audit trail, newest first, filtered by actor, entity and time."""
    rows, total = await AuditRepository(session).page(
        offset=page.offset,
        limit=page.per_page,
        actor_id=actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=_aware(since),
        until=_aware(until),
    )
    return Page(data=[AuditEntryOut.model_validate(r) for r in rows], meta=page.meta(total))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
