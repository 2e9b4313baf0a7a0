"""All queries of the sync devices table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import SyncDevice, User


class DeviceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, device_id: str, values: dict[str, Any]) -> bool:
        """Update the device's row with `values` (one more push); False when there is none yet."""
        result = await self.session.execute(
            update(SyncDevice)
            .where(SyncDevice.device_id == device_id)
            .values(**values, pushes=SyncDevice.pushes + 1)
        )
        return bool(getattr(result, "rowcount", 0))

    async def add(self, device: SyncDevice) -> None:
        self.session.add(device)
        await self.session.flush()

    async def page(self, *, offset: int, limit: int) -> tuple[Sequence[Any], int]:
        """(device, username) rows, the most recent push first."""
        total = await self.session.scalar(select(func.count()).select_from(SyncDevice))
        rows = await self.session.execute(
            select(SyncDevice, User.username)
            .outerjoin(User, User.id == SyncDevice.user_id)
            .order_by(SyncDevice.last_push_at.desc(), SyncDevice.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
