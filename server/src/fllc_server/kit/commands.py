"""Exactly-once writes: one mechanism for REST writes with Idempotency-Key and synced offline ops.

A command {op_id, kind, payload} is recorded in `applied_ops` in the same transaction as its
effect. The row is inserted *before* the effect runs, so a concurrent duplicate blocks on the
unique key and then fails; a later duplicate finds the row and gets the first result back.
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
from sqlalchemy.exc import IntegrityError
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


class DuplicateCommand(Exception):  # noqa: N818 — what happened, as the handler sees it
    """A concurrent request with the same op_id committed first; replay its result."""

    def __init__(self, op_id: str, user_id: int | None, request_hash: str | None = None) -> None:
        super().__init__(op_id)
        self.op_id = op_id
        self.user_id = user_id
        self.request_hash = request_hash


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
    record = AppliedOp(
        op_id=op_id, user_id=user_id, kind=kind, request_hash=request_hash, status_code=status_code
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateCommand(op_id, user_id, request_hash) from exc
    result = jsonable_encoder(await effect())
    record.result = result
    await session.flush()
    return CommandOutcome(status_code, result)
