"""A push's ops as the sync service and its set-wise runs share them: the parsed command, the
answer of a refused op, and the error of a push that lost a race."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from fllc_server.kit.errors import AppError, Conflict
from fllc_server.sync.kinds import CommandKind
from fllc_server.sync.schemas import OpError, OpIn, OpResult


@dataclass(frozen=True, slots=True)
class Command:
    """An op of a push with its kind and its payload checked against the kind's schema."""

    op: OpIn
    kind: CommandKind[Any]
    payload: BaseModel


class PushBusy(Conflict):
    """The push lost a race with concurrent writes (another request committed some of its
    op_ids first, or the database chose it as a deadlock victim): its transaction is rolled
    back and, after a few tries, the push is refused whole — nothing applied; push it again."""

    code = "operation_in_progress"


def refused(op: OpIn, exc: AppError) -> OpResult:
    """An op's `rejected` answer, or `conflict` with the entity now for an error that has one."""
    error = OpError(code=exc.code, message=exc.message, details=exc.details)
    current = getattr(exc, "current", None)
    if isinstance(current, dict):
        return OpResult(op_id=op.op_id, status="conflict", error=error, current=current)
    return OpResult(op_id=op.op_id, status="rejected", error=error)
