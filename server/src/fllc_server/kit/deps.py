"""Request-scoped dependencies: the app's services and the request's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from fllc_server.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.fllc
    return state


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction, committed before the response is sent (scope="function")."""
    async with get_state(request).db.transaction() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session, on the replica when one is configured."""
    async with get_state(request).db.replica_sessions() as session:
        yield session


StateDep = Annotated["AppState", Depends(get_state)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
