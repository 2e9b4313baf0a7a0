"""A run of consecutive stock ops (intake, adjust, transfer) of one push, applied set-wise with
the answers the one-at-a-time path would give (see `stock.bulk` for the stock side).

In the push's transaction:
1. the run's op_ids already recorded are read with one query (their ops replay: `duplicate`, or
   `rejected` for another user's op / a different request under the same id);
2. the products and locations the ops name are resolved with a few IN queries;
3. the new op_ids are reserved in applied_ops (multi-row INSERT, op_id order) before any stock
   row is touched — the order `kit.commands.run_command` takes too — so a concurrent push or
   REST write of the same op waits here for the other transaction to end;
4. the products are locked and each op, in order, is checked (permission with the author's
   current role, references, stock) and booked; a refused op books nothing and the others stand;
5. set-wise writes, then the reserved records get their results and those of refused ops are
   released.

If another transaction committed one of the run's op_ids first (IntegrityError at step 3), the
run raises OpsTaken: `sync.service.push_batch` rolls the push back and runs it again in a new
transaction, where those ops replay. (Retrying inside the transaction would keep the shared
locks the failed INSERT took — two such retries deadlock each other.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.kit.commands import payload_hash, replay
from fllc_server.kit.errors import AppError
from fllc_server.models import AppliedOp
from fllc_server.stock.bulk import BulkPayload, StockBatch
from fllc_server.stock.expiry import receipt_made_at
from fllc_server.sync.kinds import fingerprint, require_permission
from fllc_server.sync.ops import Command, PushBusy, refused
from fllc_server.sync.repository import AppliedOpRepository
from fllc_server.sync.schemas import OpResult

if TYPE_CHECKING:
    from fllc_server.state import AppState


class OpsTaken(PushBusy):
    """Another transaction committed some of this run's op_ids first."""


@dataclass(slots=True)
class _Pending:
    """An op whose result is the result of a booking made in this run."""

    op_id: str
    booking: int
    duplicate: bool


class BulkRun:
    def __init__(self, session: AsyncSession, state: AppState, actor: CurrentUser) -> None:
        self.session = session
        self.state = state
        self.actor = actor
        self.applied = AppliedOpRepository(session)

    async def apply(self, commands: list[Command]) -> list[OpResult]:
        """One result per command, in order. Raises OpsTaken (the push is retried whole in a
        new transaction) if another transaction committed one of these op_ids meanwhile."""
        known = await self.applied.existing({command.op.op_id for command in commands})
        stock = StockBatch(self.session, self.state, actor_id=self.actor.id)
        await stock.resolve([_payload(c) for c in commands if c.op.op_id not in known])
        hashes = [payload_hash(c.kind.name, fingerprint(c.payload, c.op.base_version)) for c in commands]
        reserved = await self._reserve(commands, hashes, known)
        await stock.lock()
        verdicts, records = self._book(commands, hashes, known, stock)
        booked = await stock.write()
        await self._record(reserved, records, booked)
        return [_result(verdict, booked) for verdict in verdicts]

    async def _reserve(
        self, commands: list[Command], hashes: list[str], known: dict[str, AppliedOp]
    ) -> dict[str, dict[str, Any]]:
        """Insert the records of the ops not applied before (each op_id's first occurrence)."""
        reserved: dict[str, dict[str, Any]] = {}
        for command, request_hash in zip(commands, hashes, strict=True):
            op_id, kind = command.op.op_id, command.kind
            if op_id not in known and op_id not in reserved:
                reserved[op_id] = {
                    "op_id": op_id,
                    "user_id": self.actor.id,
                    "kind": kind.name,
                    "request_hash": request_hash,
                    "status_code": kind.status_code,
                }
        try:
            await self.applied.reserve(list(reserved.values()))
        except IntegrityError as exc:
            raise OpsTaken("Some of these ops are being applied by another request; push them again") from exc
        return reserved

    async def _record(
        self, reserved: dict[str, dict[str, Any]], records: dict[str, _Record], booked: list[Any]
    ) -> None:
        """Store the applied ops' results; release the records of the refused ones."""
        await self.applied.complete({op_id: booked[r.booking_index] for op_id, r in records.items()})
        for op_id, record in records.items():
            kind = record.command.kind
            first = reserved[op_id]
            if (first["kind"], first["request_hash"]) != (kind.name, record.request_hash):
                await self.applied.correct(
                    op_id, kind=kind.name, request_hash=record.request_hash, status_code=kind.status_code
                )
        await self.applied.release(reserved.keys() - records.keys())

    def _book(
        self,
        commands: list[Command],
        hashes: list[str],
        known: dict[str, AppliedOp],
        stock: StockBatch,
    ) -> tuple[list[OpResult | _Pending], dict[str, _Record]]:
        """Decide each op in order: replay, refuse, or book it."""
        verdicts: list[OpResult | _Pending] = []
        records: dict[str, _Record] = {}
        for command, request_hash in zip(commands, hashes, strict=True):
            op_id = command.op.op_id
            prior = records.get(op_id)
            if prior is not None or op_id in known:
                verdicts.append(self._replay(command, request_hash, known, prior))
                continue
            try:
                require_permission(self.actor, command.kind.permission)
                with receipt_made_at(command.op.created_at):
                    booking = stock.book(op_id, _payload(command))
            except AppError as exc:
                verdicts.append(_refused(command, exc))
                continue
            records[op_id] = _Record(op_id, self.actor.id, command, request_hash, booking)
            verdicts.append(_Pending(op_id, booking, duplicate=False))
        return verdicts, records

    def _replay(
        self, command: Command, request_hash: str, known: dict[str, AppliedOp], prior: _Record | None
    ) -> OpResult | _Pending:
        op_id = command.op.op_id
        existing = known.get(op_id) or (prior.as_applied_op() if prior is not None else None)
        assert existing is not None
        try:
            outcome = replay(existing, user_id=self.actor.id, request_hash=request_hash)
        except AppError as exc:
            return _refused(command, exc)
        if prior is not None:
            return _Pending(op_id, prior.booking_index, duplicate=True)
        return OpResult(op_id=op_id, status="duplicate", result=outcome.result)


@dataclass(slots=True)
class _Record:
    """The applied_ops row of an op booked in this run."""

    op_id: str
    user_id: int
    command: Command
    request_hash: str
    booking_index: int

    def as_applied_op(self) -> AppliedOp:
        return AppliedOp(
            op_id=self.op_id,
            user_id=self.user_id,
            kind=self.command.kind.name,
            request_hash=self.request_hash,
            status_code=self.command.kind.status_code,
        )


def _payload(command: Command) -> BulkPayload:
    payload: BulkPayload = command.payload  # type: ignore[assignment]  # checked by `fits`
    return payload


def _result(verdict: OpResult | _Pending, booked: list[Any]) -> OpResult:
    if isinstance(verdict, OpResult):
        return verdict
    status = "duplicate" if verdict.duplicate else "applied"
    return OpResult(op_id=verdict.op_id, status=status, result=booked[verdict.booking])


def _refused(command: Command, exc: AppError) -> OpResult:
    return refused(command.op, exc)
