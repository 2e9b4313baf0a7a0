from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import SettingRow


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, Any]:
        rows = await self.session.scalars(select(SettingRow))
        return {row.key: row.value for row in rows}

    async def put(self, key: str, value: Any, user_id: int | None) -> None:
        row = await self.session.get(SettingRow, key)
        if row is None:
            self.session.add(SettingRow(key=key, value=value, updated_by=user_id))
        else:
            row.value = value
            row.updated_by = user_id
        await self.session.flush()
