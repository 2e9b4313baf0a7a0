"""All queries of refresh tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import RefreshToken, utcnow


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> RefreshToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        """A plain read; to lock the token, use `locked(id)` (one lock order for every path)."""
        return await self.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))

    async def locked(self, token_id: int) -> RefreshToken | None:
        """The token's current row, locked by its primary key — the lock `claim_rotation` takes:
        every path of a refresh locks the same record the same way, so two simultaneous
        refreshes wait for each other instead of deadlocking (one locking first through the
        token_hash index and the other through the primary key did, on MariaDB)."""
        query = (
            select(RefreshToken)
            .where(RefreshToken.id == token_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.session.scalar(query)

    async def claim_rotation(self, token_id: int, now: dt.datetime) -> bool:
        """Mark the token rotated unless someone else did first (atomic on both databases)."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def child_of(self, parent_id: int) -> RefreshToken | None:
        """A locking read, so that it sees a successor committed after this transaction began."""
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.parent_id == parent_id).with_for_update()
        )

    async def revoke_family(self, family_id: str) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    async def revoke_all_for_user(self, user_id: int) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
