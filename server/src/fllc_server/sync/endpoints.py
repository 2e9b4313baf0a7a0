"""/api/v1/sync — push offline ops, pull changes after a cursor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from fllc_server.auth.dependencies import Authenticated, ProductsView
from fllc_server.kit.deps import ReadSessionDep, get_state
from fllc_server.kit.strict import QueryInt
from fllc_server.sync.schemas import ChangesOut, CursorOut, PushIn, PushOut
from fllc_server.sync.service import SyncService, push_batch

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

_PUSH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed batch (schema, unknown kind, bad payload): nothing applied"},
    409: {"description": "`operation_in_progress`: lost races with concurrent writes: push again"},
    413: {"description": "More ops than the batch limit (`batch_too_large`): nothing applied"},
}


@router.post("/push", response_model=PushOut, responses=_PUSH_ERRORS)
async def push(body: PushIn, user: Authenticated, request: Request) -> Response:
    """Apply the ops in order, each exactly once; one result per op, in the same order."""
    # Not SessionDep: the push owns its transaction so that it can run it again after losing
    # a race (sync.service.push_batch); it is committed before the response all the same.
    out = await push_batch(get_state(request), body, user)
    # Serialised once here: returning the model would have FastAPI dump, re-validate and dump
    # again up to a thousand results.
    return Response(out.model_dump_json(), media_type="application/json")


@router.get(
    "/changes",
    response_model=ChangesOut,
    responses={410: {"description": "`cursor_expired`: the cursor predates the retained log"}},
)
async def changes(
    user: ProductsView,
    request: Request,
    session: ReadSessionDep,
    since: Annotated[QueryInt, Query(ge=0)] = 0,
    limit: Annotated[QueryInt, Query(ge=1, le=1000)] = 500,
) -> ChangesOut:
    """Changes after `since` in seq order, one per entity (its current state; `data: null` and
    action "delete" for a tombstone). Store `next_since`; pull again while `has_more`."""
    return await SyncService(session, get_state(request)).pull(since, limit, user)


@router.get("/cursor", response_model=CursorOut)
async def cursor(_user: ProductsView, request: Request, session: ReadSessionDep) -> CursorOut:
    """The newest seq (start a fresh replica's cursor here before its full download) and the
    prune floor."""
    return await SyncService(session, get_state(request)).cursor()
