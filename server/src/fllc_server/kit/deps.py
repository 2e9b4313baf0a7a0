"""Request-scoped dependencies: the app's services and the request's transaction (its unit of work)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.uow import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from fllc_server.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.fllc
    return state


_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction, committed before the response is sent (scope="function").
    A GET's transaction is a reader's (on SQLite it does not take the write lock: kit.db)."""
    write = request.method not in _READING_METHODS
    async with get_state(request).db.transaction(write=write) as session:
        yield session


async def get_booking_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The transaction of a request that books stock (READ COMMITTED on MySQL/MariaDB: kit.db)."""
    async with get_state(request).db.transaction(read_committed=True) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session, on the replica when one is configured."""
    async with get_state(request).db.replica_sessions() as session:
        yield session


StateDep = Annotated["AppState", Depends(get_state)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
BookingSessionDep = Annotated[AsyncSession, Depends(get_booking_session, scope="function")]


def get_unit_of_work(session: SessionDep) -> UnitOfWork:
    """The unit of work of the request's transaction (kit.uow): events, cache bumps, callbacks."""
    return unit_of_work(session)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
