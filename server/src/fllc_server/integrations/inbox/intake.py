"""Group commit of inbound messages: webhooks arriving together are stored in one transaction.

A webhook's answer must wait until its message is durable, and a commit costs a round trip, an
fsync and the transaction's bookkeeping on either side. `InboxIntake.store()` therefore does not
open a transaction per message: the first caller starts a batch at once (a lone webhook waits for
nobody), and whoever arrives while a batch is being committed joins the next one. One batch
commits at a time (`IN_FLIGHT`) while the next one fills. A batch
is one transaction: every message inserted-or-ignored in one statement (the database says which
rows it inserted: `INSERT ... RETURNING`, MariaDB and SQLite; one statement per message on
MySQL), the duplicates looked up in one more, one `inbox.handle` job per new message written in
one statement and sent to the queue together after the commit — then each caller gets its own
answer, only once the commit is done. The same message twice in one batch is stored once: the
first caller's is the new one, the others are duplicates, as if they had come one after another.

A batch that fails (the database away, a deadlock, one message it refuses) is tried again one
message per transaction, so one bad message fails only its own caller, with the error
`receive()` would have raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.inbox.service import HANDLE_JOB, Received, receive
from fllc_server.jobs.service import JobService
from fllc_server.models import InboxMessage, utcnow
from fllc_server.observability.logging import get_logger

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.inbox")

MAX_BATCH = 200  # messages in one transaction; more wait for the next
# Batches committing at once. Measured (bench_pos, MariaDB, load 9): a second one in flight gave no
# more webhooks a second and cost 20% more CPU each (smaller batches); one is the default.
IN_FLIGHT = 1
INBOX = cast(Table, InboxMessage.__table__)  # Core statements: no ORM bookkeeping per row


@dataclass(slots=True)
class _Pending:
    source: str
    external_id: str
    kind: str
    payload: Any
    answer: asyncio.Future[Received] = field(repr=False)


class InboxIntake:
    def __init__(self, state: AppState, *, returning: bool | None = None) -> None:
        self.state = state
        self._returning = returning  # None: as the database allows (False: MySQL's way, for tests)
        self._waiting: list[_Pending] = []
        self._flushers: set[asyncio.Task[None]] = set()
        self.batches = 0  # transactions committed (tests: concurrent messages shared them)

    async def store(self, *, source: str, external_id: str, kind: str, payload: Any) -> Received:
        """Store the message unless (source, external_id) is there; answered after the commit."""
        answer: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Pending(source, external_id, kind, payload, answer))
        if len(self._flushers) < IN_FLIGHT:
            self._flushers.add(asyncio.create_task(self._flush_all()))
        # The batch goes on if this caller goes away (a client that hung up): others share it.
        return await asyncio.shield(answer)

    async def _flush_all(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._flush(batch)
        except BaseException:  # cancelled (the app stops): nobody may wait for ever
            for pending in [*batch, *self._waiting]:
                if not pending.answer.done():
                    pending.answer.set_exception(RuntimeError("the inbox intake stopped"))
            self._waiting = []
            raise
        finally:  # at once, not in a done callback: a message arriving now starts a new one
            current = asyncio.current_task()
            if current is not None:
                self._flushers.discard(current)

    async def _flush(self, batch: list[_Pending]) -> None:
        try:
            answers = await self._store_together(batch)
        except Exception:
            log.warning("inbox batch failed; storing its messages one by one", size=len(batch), exc_info=True)
            for pending in batch:
                await self._store_alone(pending)
            return
        for pending, received in zip(batch, answers, strict=True):
            if not pending.answer.done():
                pending.answer.set_result(received)

    async def _store_alone(self, pending: _Pending) -> None:
        try:
            async with self.state.db.transaction() as session:
                received = await receive(
                    session,
                    self.state,
                    source=pending.source,
                    external_id=pending.external_id,
                    kind=pending.kind,
                    payload=pending.payload,
                )
        except Exception as exc:
            if not pending.answer.done():
                pending.answer.set_exception(exc)
            return
        self.batches += 1
        if not pending.answer.done():
            pending.answer.set_result(received)

    async def _store_together(self, batch: Sequence[_Pending]) -> list[Received]:
        async with self.state.db.transaction() as session:
            first: dict[tuple[str, str], _Pending] = {}
            for pending in batch:
                first.setdefault((pending.source, pending.external_id), pending)
            inserted = await self._insert(session, list(first.values()))
            others = [key for key in first if key not in inserted]
            found = await _existing(session, others)
            if len(found) != len(others):  # pragma: no cover - ignored a moment ago, gone now
                raise RuntimeError("an ignored inbox row could not be read back")
            new = [inserted[key] for key in first if key in inserted]
            await JobService(session, self.state).submit_many(HANDLE_JOB, [{"message_id": i} for i in new])
        self.batches += 1
        answers = []
        for pending in batch:
            key = (pending.source, pending.external_id)
            message_id = inserted.get(key)
            if message_id is not None and first[key] is pending:
                answers.append(Received(id=message_id, duplicate=False, status="received"))
                self.state.metrics.inbox_received(pending.source)
            elif message_id is not None:  # the same message twice in this batch
                answers.append(Received(id=message_id, duplicate=True, status="received"))
            else:
                known_id, status = found[key]
                answers.append(Received(id=known_id, duplicate=True, status=status))
        return answers

    async def _insert(self, session: AsyncSession, batch: Sequence[_Pending]) -> dict[tuple[str, str], int]:
        """Insert-or-ignore each message; the ids of those inserted, by (source, external id)."""
        now = utcnow()
        rows = [
            {
                "source": p.source,
                "external_id": p.external_id,
                "kind": p.kind,
                "payload": p.payload,
                "status": "received",
                "attempts": 0,
                "received_at": now,
                "updated_at": now,
            }
            # in key order: batches committing at once lock the unique index in the same order
            for p in sorted(batch, key=lambda p: (p.source, p.external_id))
        ]
        dialect = session.get_bind().dialect
        returning = dialect.insert_returning if self._returning is None else self._returning
        ignore = "OR IGNORE" if dialect.name == "sqlite" else "IGNORE"
        table = INBOX
        if returning:
            # One compiled statement whatever the batch's size (executemany: SQLAlchemy sends it as
            # one multi-row INSERT); it returns only the rows it inserted.
            statement = (
                insert(table).prefix_with(ignore).returning(table.c.id, table.c.source, table.c.external_id)
            )
            result = await session.execute(statement, rows)
            return {(source, external_id): int(i) for i, source, external_id in result.all()}
        inserted = {}
        for row in rows:
            outcome = await session.execute(insert(table).prefix_with(ignore), row)
            if outcome.rowcount:  # type: ignore[attr-defined]
                inserted[(row["source"], row["external_id"])] = int(outcome.lastrowid)  # type: ignore[attr-defined]
        return inserted


async def _existing(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(id, status) of the stored messages with these (source, external id)s."""
    if not keys:
        return {}
    rows = await session.execute(
        select(InboxMessage.id, InboxMessage.source, InboxMessage.external_id, InboxMessage.status).where(
            tuple_(InboxMessage.source, InboxMessage.external_id).in_(keys)
        )
    )
    return {(source, external_id): (int(i), status) for i, source, external_id, status in rows.all()}
