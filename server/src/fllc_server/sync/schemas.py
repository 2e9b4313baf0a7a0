"""Sync wire shapes: push `{device_id, ops}` → `{results}`, pull `{changes, next_since, has_more}`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, StringConstraints, model_serializer

from fllc_server.kit.schemas import RequestSchema

OpId = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
OpStatus = Literal["applied", "duplicate", "rejected", "conflict"]


class OpIn(RequestSchema):
    """One command made offline: `payload` is the body of the matching REST write."""

    op_id: OpId
    kind: Annotated[str, StringConstraints(min_length=1, max_length=48)]
    payload: dict[str, Any]
    created_at: dt.datetime
    base_version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class DeviceReport(RequestSchema):
    """What a device says about itself with a push (optional; the admins' Devices view shows it):
    its app version and how many ops it still holds besides this batch, and how many wait for a
    person (rejected or in conflict)."""

    app_version: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    pending: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    needs_attention: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class PushIn(RequestSchema):
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    ops: list[OpIn]
    device: DeviceReport | None = None


class OpError(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class OpResult(BaseModel):
    """`result` for applied/duplicate, `error` for rejected/conflict, `current` for conflict."""

    op_id: str
    status: OpStatus
    result: Any = None
    error: OpError | None = None
    current: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in ("result", "error", "current"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class PushOut(BaseModel):
    results: list[OpResult]


class ChangeOut(BaseModel):
    seq: int
    entity_type: str
    entity_id: int
    action: Literal["upsert", "delete"]
    data: dict[str, Any] | None


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    next_since: int
    has_more: bool


class CursorOut(BaseModel):
    """`seq`: the newest change; `floor`: a `since` below it gets 410 (pruned)."""

    seq: int
    floor: int
