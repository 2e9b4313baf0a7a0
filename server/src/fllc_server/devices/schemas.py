"""A syncing device as the Devices view shows it."""

from __future__ import annotations

import datetime as dt

from fllc_server.kit.schemas import ResponseSchema


class DeviceOut(ResponseSchema):
    device_id: str
    user_id: int | None
    username: str | None = None
    app_version: str | None
    pending: int
    needs_attention: int
    pushes: int
    first_seen_at: dt.datetime
    last_push_at: dt.datetime
