from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fllc_server.audit.repository import AuditRepository
from fllc_server.audit.schemas import AuditEntryOut
from fllc_server.auth.dependencies import UsersManage
from fllc_server.kit.deps import ReadSessionDep
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import QueryInt, UtcDateTime

router = APIRouter(prefix="/api/v1/audit-log", tags=["audit"])


@router.get("", response_model=Page[AuditEntryOut])
async def list_audit_log(
    *,
    _user: UsersManage,
    session: ReadSessionDep,
    page: PageDep,
    actor_id: Annotated[QueryInt | None, Query(ge=1)] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
) -> Page[AuditEntryOut]:
    """The audit trail, newest first, filtered by actor, entity and time."""
    rows, total = await AuditRepository(session).page(
        offset=page.offset,
        limit=page.per_page,
        actor_id=actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
    )
    return Page(data=[AuditEntryOut.model_validate(r) for r in rows], meta=page.meta(total))
