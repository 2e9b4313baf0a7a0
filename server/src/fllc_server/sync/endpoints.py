"""/api/v1/sync — push offline ops, pull changes after a cursor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from fllc_server.auth.dependencies import Authenticated, ProductsView
from fllc_server.kit.deps import ReadSessionDep, SessionDep, get_state
from fllc_server.sync.schemas import ChangesOut, CursorOut, PushIn, PushOut
from fllc_server.sync.service import SyncService

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

_PUSH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed batch (schema, unknown kind, bad payload): nothing applied"},
    413: {"description": "More ops than the batch limit (`batch_too_large`): nothing applied"},
}


@router.post("/push", response_model=PushOut, responses=_PUSH_ERRORS)
async def push(body: PushIn, user: Authenticated, request: Request, session: SessionDep) -> PushOut:
    """Apply the ops in order, each exactly once; one result per op, in the same order."""
    return await SyncService(session, get_state(request)).push(body, user)


@router.get(
    "/changes",
    response_model=ChangesOut,
    responses={410: {"description": "`cursor_expired`: the cursor predates the retained log"}},
)
async def changes(
    _user: ProductsView,
    request: Request,
    session: ReadSessionDep,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ChangesOut:
    """Changes after `since` in seq order, one per entity (its current state; `data: null` and
    action "delete" for a tombstone). Store `next_since`; pull again while `has_more`."""
    return await SyncService(session, get_state(request)).pull(since, limit)


@router.get("/cursor", response_model=CursorOut)
async def cursor(_user: ProductsView, request: Request, session: ReadSessionDep) -> CursorOut:
    """The newest seq (start a fresh replica's cursor here before its full download) and the
    prune floor."""
    return await SyncService(session, get_state(request)).cursor()
