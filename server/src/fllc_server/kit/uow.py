"""The unit of work: one object per transaction for what must happen only once it has committed.

`Database.transaction()` (and so the request's `SessionDep`) opens a session with a unit of work;
services reach it through the session they were given:

    uow = unit_of_work(session)
    uow.publish("stock.changed", seq, data, entity_type="product")  # an event to every server
                                             # instance, heard by those who may read a product
    uow.bump_catalog()                       # a new catalog cache generation (once per transaction)
    uow.after_commit(callback)               # anything else: forget a cached principal, refresh
                                             # runtime settings, hand a job to the queue
    async with uow.savepoint():              # a SAVEPOINT: if the block fails, the work it
        ...                                  # registered is dropped with its writes

After the commit, in this order: the catalog bump (so that a client reacting to an event reads fresh
answers), then the callbacks and events in the order they were registered. After a rollback nothing
runs. A savepoint is opened through `savepoint()`, never with `session.begin_nested()` directly, so
that what a rolled-back block registered cannot leak out after the commit.

Background jobs: whatever must leave the process only once the transaction's rows are durable (a
job's id on the queue, a message to another system) is registered with `after_commit`. A job queue
inserts its row in the transaction and enqueues the id in the callback, so a rolled-back request (or
savepoint) never starts a job.

Only this module keeps anything in `session.info`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

AfterCommit = Callable[[], Awaitable[Any]]
BumpCatalog = Callable[[], Awaitable[Any]]

_KEY = "fllc_unit_of_work"


class NoUnitOfWorkError(RuntimeError):
    """Work after commit was registered on a session that no unit of work owns (a programming error:
    such a session was not opened with `Database.transaction()`, so nothing would ever run it)."""


class Publish(Protocol):
    """EventBus.publish: send `{type, seq, data}` about an entity of `entity_type` at once."""

    def __call__(
        self, event_type: str, seq: int, data: dict[str, Any], *, entity_type: str | None
    ) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class CommitTargets:
    """Where a committed unit of work sends its events and catalog bumps (the app's event bus and
    cache); a Database without them refuses `publish` / `bump_catalog` (a bench, a CLI command)."""

    publish: Publish | None = None
    bump_catalog: BumpCatalog | None = None


@dataclass(frozen=True, slots=True)
class _Event:
    type: str
    seq: int
    data: dict[str, Any]
    entity_type: str


class UnitOfWork:
    def __init__(self, session: AsyncSession, targets: CommitTargets | None = None) -> None:
        self.session = session
        self._targets = targets or CommitTargets()
        self._work: list[AfterCommit | _Event] = []
        self._bump = False
        session.info[_KEY] = self

    # -- registering ---------------------------------------------------------------------------

    def after_commit(self, callback: AfterCommit) -> None:
        """Run `callback` once the transaction has committed (and not at all if it rolls back)."""
        self._work.append(callback)

    def publish(self, event_type: str, seq: int, data: dict[str, Any], *, entity_type: str) -> None:
        """Send the event `{type, seq, data}` once the change it announces has committed; only
        those who may read an entity of `entity_type` hear it (events.bus)."""
        if self._targets.publish is None:
            raise NoUnitOfWorkError("this database has no event bus to publish to")
        self._work.append(_Event(event_type, seq, data, entity_type))

    def bump_catalog(self) -> None:
        """Replace the catalog cache generation after commit: cached catalog answers are dropped.
        However often it is called, one bump per transaction."""
        if self._targets.bump_catalog is None:
            raise NoUnitOfWorkError("this database has no cache whose catalog generation to bump")
        self._bump = True

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A SAVEPOINT around the block; if the block raises, its writes are rolled back and the
        work it registered here (events, callbacks, the catalog bump) is forgotten."""
        mark, bump = len(self._work), self._bump
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._work[mark:]
            self._bump = bump
            raise

    # -- the end of the transaction --------------------------------------------------------------

    async def committed(self) -> None:
        """Called by the transaction's owner (`Database.transaction`) after its commit."""
        work, bump = self._work, self._bump
        self._work, self._bump = [], False
        if bump and self._targets.bump_catalog is not None:
            await self._targets.bump_catalog()
        for item in work:
            if isinstance(item, _Event):
                assert self._targets.publish is not None
                await self._targets.publish(item.type, item.seq, item.data, entity_type=item.entity_type)
            else:
                await item()

    def discard(self) -> None:
        """Forget everything registered (the transaction rolled back)."""
        self._work, self._bump = [], False


def unit_of_work(session: AsyncSession) -> UnitOfWork:
    """The unit of work that owns `session`'s transaction."""
    uow = session.info.get(_KEY)
    if not isinstance(uow, UnitOfWork):
        raise NoUnitOfWorkError(
            "this session has no unit of work: open it with Database.transaction() (SessionDep)"
        )
    return uow
