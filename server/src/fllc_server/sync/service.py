"""Push: apply a device's ops in order, each exactly once.
Pull: the change log after a cursor, collapsed per entity to its current state.

Pushing a batch:
- the batch is checked whole first: more than `max_sync_batch` ops → 413; an unknown kind or a
  payload that does not fit its kind's schema → 400 and nothing is applied;
- the batch is cut into runs of consecutive ops, keeping their order: a run of stock
  intakes/adjustments/transfers is applied set-wise (`sync.bulk`: a few statements for the whole
  run, with the answers the one-at-a-time path would give); any other op runs through
  `sync.kinds.execute_command` (the REST write's code path) inside a SAVEPOINT. Either way a
  refused op books nothing and the others stand;
- a push that loses a race (another request committed some of its op_ids while it ran, or
  MySQL chose it as a deadlock victim) is rolled back and run again in a new transaction
  (`push_batch`), where those ops come back as `duplicate`; after PUSH_ATTEMPTS tries it is
  refused whole with 409 `operation_in_progress` (nothing applied): push it again;
- `applied` / `duplicate` (the first result again) / `rejected` (error code + message; also a
  foreign op_id: `op_owner_mismatch`, or a kind the author's current role lacks:
  `permission_denied`) / `conflict` (a stale base_version: `current` is the entity now).
  Rejected and conflicting ops are not recorded: the same op_id may be pushed again later.

Retention: the change log is compacted (`ChangeLogRepository.compact`): once a change is older than
the newest `change_log_retention` seqs it goes if a newer change of the same entity follows it, and
tombstones (deletes) that old go once they are at the head of the log (no upsert before them);
only that raises the floor, to the highest seq dropped, kept in the settings table, and no change
is left at or below it. The log thus always holds the newest change of every entity: a pull from 0
is a whole snapshot of the catalog (paged from 0 without ever passing below the floor), and a pull
from any cursor at or above the floor misses nothing current. A pull with `since` below the floor
(other than 0) gets 410 `cursor_expired`: it may hold an entity whose delete is gone; resync from 0.
Compaction runs after a push, in slices, so that a push pays for it only once in a while.

A restore opens a new era of seqs (`ChangeLogRepository.open_era`): the floor jumps past every
seq of the old log, so every cursor from before gets 410, and `since=0` (a replica holding
nothing) is answered with the era's snapshot - one change per live entity - and, later, with the
era's compacted log.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.entities import may_read
from fllc_server.devices.service import record_push
from fllc_server.kit.changes import GAP_SETTLE, settled_count
from fllc_server.kit.errors import AppError, PayloadTooLarge, ValidationFailed
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import Change, utcnow
from fllc_server.stock.bulk import fits
from fllc_server.stock.expiry import receipt_made_at
from fllc_server.stock.kinds import is_set_wise
from fllc_server.sync.bulk import BulkRun
from fllc_server.sync.kinds import CommandKinds, execute_command
from fllc_server.sync.ops import Command, PushBusy, refused
from fllc_server.sync.repository import ERA_ACTION, ChangeLogRepository
from fllc_server.sync.schemas import (
    ChangeOut,
    ChangesOut,
    CursorOut,
    OpIn,
    OpResult,
    PushIn,
    PushOut,
)

if TYPE_CHECKING:
    from fllc_server.state import AppState

logger = structlog.get_logger(__name__)


PUSH_ATTEMPTS = 3  # transactions one push may take when it loses races (see the module docstring)
COMPACT_PASS = 100_000  # seqs compacted by one push at most
# A push compacts once this share of the retention (at most PRUNE_SLICE_MAX seqs) is due: seldom
# enough that most pushes pay nothing, often enough that a slice stays small.
PRUNE_SLICE_SHARE, PRUNE_SLICE_MAX = 100, 1_000


async def push_batch(state: AppState, batch: PushIn, actor: CurrentUser) -> PushOut:
    """A push in its own transaction (committed before this returns, then its events sent),
    run again in a new one when it loses a race (see the module docstring)."""
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        try:
            async with state.db.transaction() as session:
                out = await SyncService(session, state).push(batch, actor)
        except PushBusy:
            if attempt == PUSH_ATTEMPTS:
                raise
            logger.info("sync push lost a race; running it again", attempt=attempt)
        else:
            _count_push(state, batch, out)
            await record_push(state.db, batch, actor.id)
            return out
    raise AssertionError("unreachable")


def _count_push(state: AppState, batch: PushIn, out: PushOut) -> None:
    """/metrics: each op's outcome and how long it waited on its desktop (the sync backlog); the
    oldest op of a push is the age of that desktop's outbox (ops leave it oldest first)."""
    now = dt.datetime.now(dt.UTC).timestamp()
    ages = [now - _aware(op.created_at).timestamp() for op in batch.ops]
    state.metrics.sync_pushed((r.status for r in out.results), ages, max(ages) if ages else None)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class CursorExpiredError(AppError):
    status_code = 410
    code = "cursor_expired"


class SyncService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.changes = ChangeLogRepository(session)

    # -- push --------------------------------------------------------------------------------

    async def push(self, batch: PushIn, actor: CurrentUser) -> PushOut:
        limit = self.state.settings.max_sync_batch
        if len(batch.ops) > limit:
            raise PayloadTooLarge(
                f"A batch may hold at most {limit} ops; split it",
                code="batch_too_large",
                details=[{"max_ops": limit, "ops": len(batch.ops)}],
            )
        commands = parse_commands(batch.ops, self.state.command_kinds)
        await self._begin_for_savepoints()
        try:
            results = await self._apply_runs(commands, actor)
        except DBAPIError as exc:
            if not _lost_a_lock_race(exc):
                raise
            raise PushBusy(
                "The push met concurrent writes of the same rows and was not applied; push it again"
            ) from exc
        await self.prune()
        return PushOut(results=results)

    async def _apply_runs(self, commands: list[Command], actor: CurrentUser) -> list[OpResult]:
        results: list[OpResult] = []
        for set_wise, run in runs(commands):
            if set_wise:  # all or nothing: a failure fails the push
                results.extend(await BulkRun(self.session, self.state, actor).apply(run))
            else:
                results.extend([await self._apply(command, actor) for command in run])
        return results

    async def _apply(self, command: Command, actor: CurrentUser) -> OpResult:
        op = command.op
        try:
            async with unit_of_work(self.session).savepoint():
                with receipt_made_at(op.created_at):  # a receipt is judged by the day it was made
                    outcome = await execute_command(
                        self.session,
                        self.state,
                        actor,
                        command.kind,
                        command.payload,
                        op_id=op.op_id,
                        base_version=op.base_version,
                    )
        except AppError as exc:
            return refused(op, exc)
        status = "duplicate" if outcome.replayed else "applied"
        return OpResult(op_id=op.op_id, status=status, result=outcome.result)

    async def _begin_for_savepoints(self) -> None:
        """Begin the push's transaction (SQLite: `kit.db` has begun it already, IMMEDIATE).

        MySQL/MariaDB: READ COMMITTED. Every write of a push locks the rows it depends on first
        (products, purchase orders), so a read after the lock must see the latest committed
        rows, not the snapshot of the transaction's first read; and REPEATABLE READ's gap locks
        on the levels and keys a set-wise run reads would deadlock it with concurrent writes of
        neighbouring rows."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        try:
            await self.session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        except InvalidRequestError:  # the transaction had begun already: its level stays
            logger.warning("sync push runs at the session's isolation level")

    # -- pull --------------------------------------------------------------------------------

    async def pull(self, since: int, limit: int, reader: CurrentUser) -> ChangesOut:
        """The changes after `since` that `reader` may read (auth.entities: as the REST reads);
        the others are skipped, the cursor still passes them."""
        rows = await self.changes.after(since, limit + 1)
        # The marks are read after the rows: a compaction that dropped a tombstone after the
        # cursor before the rows were read has raised the floor by now (410, nothing missed).
        floor, compacted = await self.changes.marks()
        if 0 < since < floor:
            raise CursorExpiredError(
                "Your sync cursor is older than the retained change log: resync from scratch",
                details=[{"since": since, "floor": floor, "seq": await self.changes.newest_seq()}],
            )
        rows = settled(rows, since, utcnow(), compacted)
        has_more = len(rows) > limit
        rows = rows[:limit]
        latest = {
            (row.entity_type, row.entity_id): row
            for row in rows
            if row.action != ERA_ACTION and may_read(reader.permissions, row.entity_type)
        }
        changes = await self._render(sorted(latest.values(), key=lambda row: row.seq))
        next_since = rows[-1].seq if rows else since
        return ChangesOut(changes=changes, next_since=next_since, has_more=has_more)

    async def _render(self, rows: list[Change]) -> list[ChangeOut]:
        shapes: dict[str, dict[int, dict[str, Any]]] = {}
        for entity_type in {row.entity_type for row in rows}:
            ids = [r.entity_id for r in rows if r.entity_type == entity_type and r.action == "upsert"]
            shapes[entity_type] = await self.state.shapes.load(self.session, self.state, entity_type, ids)
        changes = []
        for row in rows:
            data = shapes[row.entity_type].get(row.entity_id) if row.action == "upsert" else None
            changes.append(
                ChangeOut(
                    seq=row.seq,
                    entity_type=row.entity_type,
                    entity_id=row.entity_id,
                    action="upsert" if data is not None else "delete",
                    data=data,
                )
            )
        return changes

    async def cursor(self) -> CursorOut:
        return CursorOut(seq=await self.changes.newest_seq(), floor=await self.changes.floor())

    # -- retention ---------------------------------------------------------------------------

    async def prune(self) -> int:
        """Compact the changes older than the newest `change_log_retention` seqs (see the module
        docstring): in slices, so that a push pays for it only once in a while, of at most
        COMPACT_PASS seqs (a long backlog is worked off over several pushes), and only over
        changes older than GAP_SETTLE (a gap below the mark is never a transaction in flight).
        Returns the rows deleted."""
        retention = self.state.settings.change_log_retention
        through = await self.changes.newest_seq() - max(retention, 1)  # the newest change stays
        if through - await self.changes.compacted() < _prune_slice(retention):
            return 0
        mark = await self.changes.compacted(lock=True)  # the latest mark, once no other runs
        first = await self.changes.first_after(mark)  # seqs may jump (eras, a log emptied by hand)
        if first is None:
            return 0
        through = min(through, first - 1 + COMPACT_PASS)
        settled_through = await self.changes.settled_through(through, utcnow() - GAP_SETTLE)
        if settled_through is None or settled_through <= mark:
            return 0
        return await self.changes.compact(mark, settled_through)


def _prune_slice(retention: int) -> int:
    return max(1, min(PRUNE_SLICE_MAX, retention // PRUNE_SLICE_SHARE))


def parse_commands(ops: list[OpIn], kinds: CommandKinds) -> list[Command]:
    """Check the whole batch before applying anything: unknown kinds and bad payloads are a 400."""
    commands: list[Command] = []
    problems: list[dict[str, Any]] = []
    for index, op in enumerate(ops):
        kind = kinds.get(op.kind)
        if kind is None:
            problems.append(
                {
                    "field": f"ops.{index}.kind",
                    "location": "body",
                    "type": "unknown_kind",
                    "message": f"unknown op kind {op.kind!r}; known: {', '.join(kinds.names())}",
                }
            )
            continue
        try:
            commands.append(Command(op, kind, kind.schema.model_validate(op.payload)))
        except ValidationError as exc:
            problems.extend(_payload_problems(index, exc))
    if problems:
        raise ValidationFailed("The batch is not valid; nothing was applied", details=problems)
    return commands


def _payload_problems(index: int, exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join([f"ops.{index}.payload", *(str(p) for p in error["loc"])]),
            "location": "body",
            "type": error["type"],
            "message": error["msg"],
        }
        for error in exc.errors()
    ]


_DEADLOCK, _LOCK_WAIT_TIMEOUT = 1213, 1205  # MySQL/MariaDB: the transaction was rolled back


def _lost_a_lock_race(exc: BaseException | None) -> bool:
    """A deadlock victim or lock wait timeout anywhere in the chain (a failed ROLLBACK TO
    SAVEPOINT may be what surfaces: the deadlock had already ended the transaction)."""
    while exc is not None:
        code = getattr(getattr(exc, "orig", None), "args", (None,))[:1]
        if code and code[0] in (_DEADLOCK, _LOCK_WAIT_TIMEOUT):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def runs(commands: list[Command]) -> list[tuple[bool, list[Command]]]:
    """Consecutive commands grouped by whether they can be applied set-wise, in order."""
    grouped: list[tuple[bool, list[Command]]] = []
    for command in commands:
        set_wise = is_set_wise(command.kind) and fits(command.payload)
        if grouped and grouped[-1][0] == set_wise:
            grouped[-1][1].append(command)
        else:
            grouped.append((set_wise, [command]))
    return grouped


def settled(rows: list[Change], since: int, now: dt.datetime, compacted: int = 0) -> list[Change]:
    """The rows up to the first young gap in the seqs (kit.changes.settled_count). Every seq at or
    below `compacted` is settled (compaction's gaps are no transaction in flight); a cursor of 0 on
    a log never compacted has no previous seq to be contiguous with (the log may start anywhere)."""
    known = max(since, compacted) or None  # every seq up to here is settled
    return rows[: settled_count([(row.seq, row.created_at) for row in rows], known, now)]
