"""Inbox answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fllc_server.kit.schemas import ResponseSchema


class InboxMessageOut(ResponseSchema):
    id: int
    source: str
    external_id: str
    kind: str
    status: str
    reason: str | None
    waits_for: str | None
    attempts: int
    received_at: dt.datetime
    handled_at: dt.datetime | None
    payload: Any


class InboxCounts(ResponseSchema):
    counts: dict[str, int]


def message_out(message: Any) -> InboxMessageOut:
    return InboxMessageOut(
        id=message.id,
        source=message.source,
        external_id=message.external_id,
        kind=message.kind,
        status=message.status,
        reason=message.error,
        waits_for=message.waits_for,
        attempts=message.attempts,
        received_at=message.received_at,
        handled_at=message.handled_at,
        payload=message.payload,
    )
