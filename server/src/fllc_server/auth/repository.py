"""All queries of refresh tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import KnownDevice, RefreshToken, utcnow


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

    async def recent_families(self, user_id: int, since: dt.datetime) -> list[str]:
        """The user's families with a token made since `since`: those whose access tokens may
        still verify (an access token is issued with each token of its family, or, within the
        grace window, again with the newest)."""
        rows = await self.session.scalars(
            select(RefreshToken.family_id)
            .where(RefreshToken.user_id == user_id, RefreshToken.created_at >= since)
            .distinct()
        )
        return list(rows)

    async def revoke_all_for_user(self, user_id: int) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


class KnownDeviceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live(self, user_id: int, token_hash: str, now: dt.datetime) -> KnownDevice | None:
        """The user's unexpired device with this token; another user's device is not theirs."""
        return await self.session.scalar(
            select(KnownDevice).where(
                KnownDevice.token_hash == token_hash,
                KnownDevice.user_id == user_id,
                KnownDevice.expires_at > now,
            )
        )

    async def add(self, device: KnownDevice) -> KnownDevice:
        self.session.add(device)
        await self.session.flush()
        return device

    async def trust(self, user_id: int, token_hash: str, until: dt.datetime) -> None:
        """The device skips the second step of the user's sign-ins until `until`."""
        await self.session.execute(
            update(KnownDevice)
            .where(KnownDevice.user_id == user_id, KnownDevice.token_hash == token_hash)
            .values(mfa_trusted_until=until)
        )

    async def untrust_all(self, user_id: int) -> None:
        """No device of the user skips the second factor any more."""
        await self.session.execute(
            update(KnownDevice).where(KnownDevice.user_id == user_id).values(mfa_trusted_until=None)
        )
