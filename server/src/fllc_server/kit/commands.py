"""Exactly-once writes: one mechanism for REST writes with Idempotency-Key and synced offline ops.

A command {op_id, kind, payload} is recorded in `applied_ops` in the same transaction as its
effect. The row is inserted *before* the effect runs, so a concurrent duplicate waits for the first
to end (on the unique key; on SQLite at its BEGIN IMMEDIATE): if the first committed, the duplicate's
INSERT IGNORE inserts nothing and the first's record, read with a lock (so the latest committed row
whatever the transaction's snapshot), is replayed; a later duplicate finds the row at once. Either way
the caller gets the first result back (`replayed`), or a 409 for another user's op_id or a different
request under the same key. The effect of a duplicate never runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.errors import Conflict
from fllc_server.models import AppliedOp

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="A client-made key (a UUID); a retried key returns the first result",
    ),
]


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    status_code: int
    result: Any
    replayed: bool = False

    def response(self) -> JSONResponse:
        headers = {"Idempotent-Replayed": "true"} if self.replayed else None
        return JSONResponse(self.result, status_code=self.status_code, headers=headers)


def payload_hash(kind: str, payload: Any) -> str:
    try:  # JSON-native already (the usual case: a model dumped in JSON mode): same text, faster
        canonical = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"), default=_refuse)
    except (TypeError, ValueError):
        canonical = json.dumps([kind, jsonable_encoder(payload)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse(value: object) -> None:
    raise TypeError(f"not JSON-native: {type(value).__name__}")


def replay(existing: AppliedOp, *, user_id: int | None, request_hash: str) -> CommandOutcome:
    if existing.user_id != user_id:
        raise Conflict("This operation id belongs to another user", code="op_owner_mismatch")
    if existing.request_hash != request_hash:
        raise Conflict(
            "This Idempotency-Key was already used for a different request",
            code="idempotency_key_reused",
        )
    return CommandOutcome(existing.status_code, existing.result, replayed=True)


async def run_command(
    session: AsyncSession,
    *,
    op_id: str | None,
    user_id: int | None,
    kind: str,
    payload: Any,
    effect: Callable[[], Awaitable[Any]],
    status_code: int = 200,
) -> CommandOutcome:
    """Apply `effect` once per op_id; without an op_id it simply runs."""
    if op_id is None:
        return CommandOutcome(status_code, jsonable_encoder(await effect()))
    request_hash = payload_hash(kind, payload)
    existing = await session.get(AppliedOp, op_id)
    if existing is not None:
        return replay(existing, user_id=user_id, request_hash=request_hash)
    reserved = await _reserve(
        session, op_id=op_id, user_id=user_id, kind=kind, request_hash=request_hash, status_code=status_code
    )
    if not reserved:
        # a concurrent duplicate committed first (this INSERT waited for it)
        return await _replay_committed(session, op_id, user_id=user_id, request_hash=request_hash)
    result = jsonable_encoder(await effect())
    await session.execute(update(AppliedOp).where(AppliedOp.op_id == op_id).values(result=result))
    return CommandOutcome(status_code, result)


async def _reserve(
    session: AsyncSession, *, op_id: str, user_id: int | None, kind: str, request_hash: str, status_code: int
) -> bool:
    """Insert the op's record unless its op_id is taken (INSERT IGNORE: no error, so the
    transaction goes on without a savepoint); False when a committed record has it."""
    statement = (
        insert(AppliedOp)
        .values(op_id=op_id, user_id=user_id, kind=kind, request_hash=request_hash, status_code=status_code)
        .prefix_with("IGNORE", dialect="mysql")
        .prefix_with("IGNORE", dialect="mariadb")
        .prefix_with("OR IGNORE", dialect="sqlite")
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def _replay_committed(
    session: AsyncSession, op_id: str, *, user_id: int | None, request_hash: str
) -> CommandOutcome:
    """The first result of an op_id another transaction committed while this one waited."""
    existing = await session.get(AppliedOp, op_id, with_for_update={"read": True}, populate_existing=True)
    if existing is None or existing.result is None:
        raise Conflict("The same operation is being applied; retry shortly", code="operation_in_progress")
    return replay(existing, user_id=user_id, request_hash=request_hash)
