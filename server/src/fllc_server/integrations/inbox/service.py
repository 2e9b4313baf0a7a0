"""Receiving and handling inbound messages.

`receive()` stores a message once per (source, external_id) — an insert that ignores a duplicate —
in the caller's transaction, and asks for it to be handled once that commits. Handling runs one
message per transaction: the row is locked, its source's handler applies it, and the outcome is
written with it — handled, parked (it waits for something, e.g. the order a payment names, and is
woken when that appears), needs_mapping (a line's SKU is unknown; the rest is applied), or failed
with the reason (the handler's rollback leaves nothing half-applied). A message that is not
`received` is never handled again, so a replay or a second worker changes nothing; `retry()` puts
a failed or parked one back.

Handling is a job (`inbox.handle`, integrations.tasks): storing, waking or retrying a message
submits its job in the same transaction, and the job leaves for a worker after the commit.

Each source's handler is declared by its package (`pos.service.inbox_handlers`, ...) and put into
the app's (or worker's) `InboxHandlers` (`AppState.inbox_handlers`) by its composition root
(integrations.registries); importing a module registers nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.inbox.repository import InboxRepository
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import AppError, Conflict, NotFound
from fllc_server.models import InboxMessage, utcnow
from fllc_server.observability.logging import get_logger

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.inbox")

STATUSES = ("received", "handled", "failed", "parked", "needs_mapping")
MAX_ATTEMPTS = 5  # transient (database) failures before a message is failed
HANDLE_JOB = "inbox.handle"
REASON_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str = "handled"  # handled | parked | needs_mapping
    reason: str | None = None
    waits_for: str | None = None

    @classmethod
    def parked(cls, reason: str, waits_for: str) -> Outcome:
        return cls("parked", reason, waits_for)

    @classmethod
    def needs_mapping(cls, reason: str) -> Outcome:
        return cls("needs_mapping", reason)


@dataclass
class HandlerContext:
    """What a handler gets: the transaction, the app, and a way to wake parked messages."""

    session: AsyncSession
    state: AppState
    message: InboxMessage
    woken: list[str] = field(default_factory=list)

    async def wake(self, waits_for: str) -> None:
        """Messages parked on `waits_for` are handled again after this one commits."""
        woken = await InboxRepository(self.session).wake(waits_for)
        await handle_after_commit(self.session, self.state, woken)
        if woken:
            self.woken.append(waits_for)


Handler = Callable[[HandlerContext], Awaitable[Outcome]]


class InboxHandlers:
    """The handler of each inbox source one app (or worker) handles: built by its composition root."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})

    def register(self, source: str, handler: Handler) -> None:
        """Add (or replace, e.g. in tests) the handler of `source`."""
        self._handlers[source] = handler

    def get(self, source: str) -> Handler | None:
        return self._handlers.get(source)

    def sources(self) -> list[str]:
        return sorted(self._handlers)


@dataclass(frozen=True, slots=True)
class Received:
    id: int
    duplicate: bool
    status: str


async def handle_after_commit(session: AsyncSession, state: AppState, message_ids: list[int]) -> None:
    """Submit the handling job of each message in the caller's transaction (sent after its commit)."""
    jobs = JobService(session, state)
    for message_id in message_ids:
        await jobs.submit(HANDLE_JOB, {"message_id": message_id}, None)


async def receive(
    session: AsyncSession, state: AppState, *, source: str, external_id: str, kind: str, payload: Any
) -> Received:
    """Store the message unless it is there already; it is handled after the commit."""
    repo = InboxRepository(session)
    message_id = await repo.insert_or_ignore(source, external_id, kind, payload)
    if message_id is not None:  # new: handled after the commit
        await handle_after_commit(session, state, [message_id])
        state.metrics.inbox_received(source)
        return Received(id=message_id, duplicate=False, status="received")
    message = await repo.find(source, external_id)
    if message is None:  # pragma: no cover - the row was there a moment ago (ignored insert)
        raise Conflict("The message could not be stored; send it again", code="inbox_busy")
    return Received(id=message.id, duplicate=True, status=message.status)


class InboxProcessor:
    """Handles received messages, one transaction each (see the module docstring)."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def process_pending(self, limit: int = 500, *, older_than: dt.timedelta | None = None) -> int:
        """Handle received messages oldest first until none is left (or `limit`); how many ran.
        `older_than`: only those unchanged for that long (whose job was lost)."""
        done = 0
        seen: set[int] = set()
        while done < limit:
            before = None if older_than is None else utcnow() - older_than
            async with self.state.db.sessions() as session:
                ids = await InboxRepository(session).pending_ids(min(100, limit - done), before=before)
            fresh = [i for i in ids if i not in seen]  # one still received after a try: next sweep
            if not fresh:
                break
            for message_id in fresh:
                seen.add(message_id)
                await self.process(message_id)
                done += 1
        return done

    async def process(self, message_id: int) -> str | None:
        """Handle one message if it is received; its status afterwards (None: no such message)."""
        try:
            return await self._apply(message_id)
        except AppError as exc:  # the message is wrong or cannot apply: keep it with the reason
            return await self._fail(message_id, exc.message, final=True)
        except DBAPIError as exc:  # deadlock, lost connection: try again later
            log.warning("inbox message deferred", message_id=message_id, error=type(exc.orig).__name__)
            return await self._fail(message_id, f"database error: {type(exc.orig).__name__}", final=False)
        except Exception as exc:  # a handler's bug must not stop the inbox
            log.exception("inbox handler failed", message_id=message_id)
            return await self._fail(message_id, f"{type(exc).__name__}: {exc}", final=True)

    async def _apply(self, message_id: int) -> str | None:
        async with self.state.db.transaction() as session:
            message = await InboxRepository(session).get(message_id, lock=True)
            if message is None:
                return None
            if message.status != "received":
                return message.status
            handler = self.state.inbox_handlers.get(message.source)
            if handler is None:
                outcome = Outcome.parked(
                    f"No handler for source {message.source!r}", f"source:{message.source}"
                )
            else:
                outcome = await handler(HandlerContext(session, self.state, message))
            message.status = outcome.status
            message.error = _clip(outcome.reason)
            message.waits_for = outcome.waits_for
            message.attempts += 1
            message.handled_at = utcnow() if outcome.status == "handled" else None
            message.updated_at = utcnow()
            status = message.status
        self.state.metrics.inbox_outcome(message.source, status)
        return status

    async def _fail(self, message_id: int, reason: str, *, final: bool) -> str | None:
        async with self.state.db.transaction() as session:
            message = await InboxRepository(session).get(message_id, lock=True)
            if message is None or message.status != "received":
                return None if message is None else message.status
            message.attempts += 1
            if final or message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
            message.error = _clip(reason)
            message.updated_at = utcnow()
            status = message.status
            source = message.source
        self.state.metrics.inbox_outcome(source, status)
        return status


async def retry(session: AsyncSession, state: AppState, message_id: int) -> InboxMessage:
    """Put a failed or parked message back to be handled (after the commit)."""
    message = await InboxRepository(session).get(message_id, lock=True)
    if message is None:
        raise NotFound(f"No inbox message with id {message_id}", code="inbox_message_not_found")
    if message.status in ("failed", "parked"):
        message.status = "received"
        message.updated_at = utcnow()
        await handle_after_commit(session, state, [message.id])
    elif message.status != "received":
        raise Conflict(
            f"Only failed or parked messages are retried; this one is {message.status}",
            code="inbox_not_retryable",
        )
    return message


def _clip(reason: str | None) -> str | None:
    return None if reason is None else reason[:REASON_LIMIT]
