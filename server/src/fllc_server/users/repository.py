"""All queries of users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, *, for_update: bool = False) -> User | None:
        if for_update:
            return await self.session.scalar(select(User).where(User.id == user_id).with_for_update())
        return await self.session.get(User, user_id)

    async def by_username(self, username: str) -> User | None:
        return await self.session.scalar(select(User).where(User.username == username))

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def page(
        self, *, offset: int, limit: int, role: str | None, active: bool | None, q: str | None
    ) -> tuple[Sequence[User], int]:
        query = select(User)
        if role is not None:
            query = query.where(User.role == role)
        if active is not None:
            query = query.where(User.is_active == active)
        if q:
            like = f"%{q}%"
            query = query.where(User.username.like(like) | User.full_name.like(like))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(User.username).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def active_admin_ids(self, *, lock: bool = False) -> list[int]:
        """The active admins, in id order: locked in that order, every change of the admin set
        takes the same locks the same way (no deadlock between two admins demoting each other)."""
        query = select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id)
        if lock:
            query = query.with_for_update()
        return list((await self.session.scalars(query)).all())

    async def leave_admins(self, user_id: int, *, role: str, active: bool) -> bool:
        """Set an active admin's role and activity unless no other active admin would remain, in
        one statement (atomic on SQLite too, where the locks above are no-ops); False if refused."""
        others = (
            select(User.id)
            .where(User.role == "admin", User.is_active.is_(True), User.id != user_id)
            .subquery("other_admins")  # a derived table: MySQL refuses the target table in a subquery
        )
        result = await self.session.execute(
            update(User)
            .where(User.id == user_id, select(func.count()).select_from(others).scalar_subquery() > 0)
            .values(role=role, is_active=active)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def active_with_roles(self, roles: Sequence[str]) -> list[User]:
        rows = await self.session.scalars(
            select(User).where(User.role.in_(list(roles)), User.is_active.is_(True)).order_by(User.id)
        )
        return list(rows)
