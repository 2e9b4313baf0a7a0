"""All queries of service accounts and API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import ApiKey, ServiceAccount


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accounts(self, *, offset: int, limit: int) -> tuple[Sequence[ServiceAccount], int]:
        total = await self.session.scalar(select(func.count()).select_from(ServiceAccount))
        rows = await self.session.scalars(
            select(ServiceAccount).order_by(ServiceAccount.name).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)

    async def account(self, account_id: int, *, lock: bool = False) -> ServiceAccount | None:
        query = select(ServiceAccount).where(ServiceAccount.id == account_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def by_name(self, name: str) -> ServiceAccount | None:
        return await self.session.scalar(select(ServiceAccount).where(ServiceAccount.name == name))

    async def keys(self, account_ids: Sequence[int]) -> Sequence[ApiKey]:
        if not account_ids:
            return []
        rows = await self.session.scalars(
            select(ApiKey).where(ApiKey.service_account_id.in_(account_ids)).order_by(ApiKey.id)
        )
        return rows.all()

    async def key(self, account_id: int, key_id: int) -> ApiKey | None:
        return await self.session.scalar(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.service_account_id == account_id)
        )

    async def add(self, row: ServiceAccount | ApiKey) -> None:
        self.session.add(row)
        await self.session.flush()
