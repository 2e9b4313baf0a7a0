"""/api/v1/integrations/inbox — what came in and what became of it; retry (system.configure)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from fllc_server.auth.dependencies import SystemConfigure
from fllc_server.integrations.inbox import service
from fllc_server.integrations.inbox.repository import InboxRepository
from fllc_server.integrations.inbox.schemas import InboxCounts, InboxMessageOut, message_out
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId

router = APIRouter(prefix="/api/v1/integrations/inbox", tags=["integrations"])

Status = Literal["received", "handled", "failed", "parked", "needs_mapping"]


@router.get("", response_model=Page[InboxMessageOut])
async def list_inbox(
    _user: SystemConfigure,
    session: SessionDep,
    page: PageDep,
    status: Status | None = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[InboxMessageOut]:
    """Newest first, with the reason of each failed, parked or unmapped message."""
    rows, total = await InboxRepository(session).list(
        status=status, source=source, offset=page.offset, limit=page.per_page
    )
    return Page(data=[message_out(m) for m in rows], meta=page.meta(total))


@router.get("/counts", response_model=InboxCounts)
async def inbox_counts(_user: SystemConfigure, session: SessionDep) -> InboxCounts:
    return InboxCounts(counts=await InboxRepository(session).counts())


@router.post("/{message_id}/retry", response_model=InboxMessageOut)
async def retry_message(
    message_id: PathId, _user: SystemConfigure, request: Request, session: SessionDep
) -> InboxMessageOut:
    """Handle a failed or parked message again."""
    return message_out(await service.retry(session, get_state(request), message_id))
