"""Account rules: unique usernames, the last active admin stays, every change audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.cache import AuthCache
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.auth.repository import RefreshTokenRepository
from fllc_server.kit.db import after_commit
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.models import User
from fllc_server.users.repository import UserRepository
from fllc_server.users.schemas import UserCreate, UserOut, UserUpdate


def snapshot(user: User) -> dict[str, object]:
    """What the audit log keeps of a user: never the password hash."""
    return UserOut.model_validate(user).model_dump(mode="json")


class UserService:
    def __init__(self, session: AsyncSession, passwords: Passwords, auth: AuthCache | None = None) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.passwords = passwords
        self.auth = auth

    def _invalidate_after_commit(self, user_id: int) -> None:
        """Signed-in requests see the committed change at once (here and in other processes)."""
        auth = self.auth
        if auth is None:
            return

        async def forget() -> None:
            await auth.forget_user(user_id)

        after_commit(self.session, forget)

    async def list(
        self, *, offset: int, limit: int, role: str | None, active: bool | None, q: str | None
    ) -> tuple[Sequence[User], int]:
        return await self.users.page(offset=offset, limit=limit, role=role, active=active, q=q)

    async def get(self, user_id: int) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}", code="user_not_found")
        return user

    async def create(self, data: UserCreate, actor: CurrentUser | None) -> User:
        if await self.users.by_username(data.username) is not None:
            raise Conflict(
                f"The username '{data.username}' is taken",
                code="username_taken",
                details=[{"field": "username", "message": "already taken"}],
            )
        user = User(
            username=data.username,
            full_name=data.full_name,
            email=str(data.email) if data.email else None,
            role=data.role.value,
            password_hash=await self.passwords.hash(data.password),
        )
        await self.users.add(user)
        await audit.record(
            self.session,
            actor_id=actor.id if actor else None,
            action="user.create",
            entity_type="user",
            entity_id=user.id,
            after=snapshot(user),
        )
        return user

    async def update(self, user_id: int, data: UserUpdate, actor: CurrentUser) -> User:
        user = await self._get_for_update(user_id)
        before = snapshot(user)
        changes = data.model_dump(exclude_unset=True)
        if "role" in changes and changes["role"] is not None:
            await self._ensure_admin_remains(user, new_role=changes["role"], active=user.is_active)
            user.role = Role(changes["role"]).value
        if "is_active" in changes and changes["is_active"] is not None:
            await self._set_active(user, bool(changes["is_active"]))
        if "full_name" in changes and changes["full_name"] is not None:
            user.full_name = changes["full_name"]
        if "email" in changes:
            user.email = str(changes["email"]) if changes["email"] else None
        await self.session.flush()
        self._invalidate_after_commit(user.id)
        await audit.record(
            self.session,
            actor_id=actor.id,
            action="user.update",
            entity_type="user",
            entity_id=user.id,
            before=before,
            after=snapshot(user),
        )
        return user

    async def change_role(self, user_id: int, role: Role, actor: CurrentUser) -> User:
        return await self.update(user_id, UserUpdate(role=role), actor)

    async def deactivate(self, user_id: int, actor: CurrentUser) -> User:
        return await self.update(user_id, UserUpdate(is_active=False), actor)

    async def reset_password(self, user_id: int, password: str, actor: CurrentUser) -> User:
        user = await self._get_for_update(user_id)
        user.password_hash = await self.passwords.hash(password)
        await RefreshTokenRepository(self.session).revoke_all_for_user(user.id)
        await audit.record(
            self.session,
            actor_id=actor.id,
            action="user.reset_password",
            entity_type="user",
            entity_id=user.id,
        )
        return user

    async def _get_for_update(self, user_id: int) -> User:
        user = await self.users.get(user_id, for_update=True)
        if user is None:
            raise NotFound(f"No user with id {user_id}", code="user_not_found")
        return user

    async def _set_active(self, user: User, active: bool) -> None:
        if not active:
            await self._ensure_admin_remains(user, new_role=user.role, active=False)
            await RefreshTokenRepository(self.session).revoke_all_for_user(user.id)
        user.is_active = active

    async def _ensure_admin_remains(self, user: User, *, new_role: str, active: bool) -> None:
        """The last active admin can be neither demoted nor deactivated (rows locked meanwhile)."""
        if user.role != Role.ADMIN or not user.is_active:
            return
        if new_role == Role.ADMIN and active:
            return
        admins = await self.users.active_admin_ids(lock=True)
        if admins == [user.id]:
            raise Conflict(
                "This is the last active admin: make another user admin first",
                code="last_admin",
            )
