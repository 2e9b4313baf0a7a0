from __future__ import annotations

import datetime as dt
from typing import Any

from fllc_server.kit.schemas import ResponseSchema


class AuditEntryOut(ResponseSchema):
    id: int
    actor_id: int | None
    action: str
    entity_type: str
    entity_id: str | None
    before: Any | None
    after: Any | None
    request_id: str | None
    created_at: dt.datetime
