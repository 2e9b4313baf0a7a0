"""Account rules: unique usernames, the last active admin stays, every change audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.cache import AuthCache
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.mfa import MfaRepository
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.auth.repository import KnownDeviceRepository
from fllc_server.auth.revocation import Revocations
from fllc_server.auth.service import end_user_sessions
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import User
from fllc_server.users.repository import UserRepository
from fllc_server.users.schemas import UserCreate, UserOut, UserUpdate


def snapshot(user: User) -> dict[str, object]:
    """What the audit log keeps of a user: never the password hash."""
    return UserOut.model_validate(user).model_dump(mode="json")


class UserService:
    def __init__(
        self,
        session: AsyncSession,
        passwords: Passwords,
        auth: AuthCache | None = None,
        revocations: Revocations | None = None,
    ) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.passwords = passwords
        self.auth = auth
        self.revocations = revocations

    def _invalidate_after_commit(self, user_id: int) -> None:
        """Signed-in requests see the committed change at once (here and in other processes)."""
        auth = self.auth
        if auth is None:
            return

        async def forget() -> None:
            await auth.forget_user(user_id)

        unit_of_work(self.session).after_commit(forget)

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
        changes = data.model_dump(exclude_unset=True)
        role = changes.get("role")
        active = changes.get("is_active")
        if role is not None or active is not None:
            await self.users.active_admin_ids(lock=True)  # the admin set first, then the user
        user = await self._get_for_update(user_id)
        before = snapshot(user)
        new_role = Role(role).value if role is not None else user.role
        new_active = bool(active) if active is not None else user.is_active
        await self._change_role_and_activity(user, new_role, new_active)
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
        await end_user_sessions(self.session, self.revocations, user.id)
        # a reset often follows a compromise: no device skips the second factor on the old trust
        await KnownDeviceRepository(self.session).untrust_all(user.id)
        await audit.record(
            self.session,
            actor_id=actor.id,
            action="user.reset_password",
            entity_type="user",
            entity_id=user.id,
        )
        return user

    async def reset_mfa(self, user_id: int, actor: CurrentUser | None) -> User:
        """The user signs in with their password alone again (and sets up MFA anew when their role
        requires it); no device of theirs stays trusted, and their sessions end. Audited."""
        user = await self._get_for_update(user_id)
        had = await MfaRepository(self.session).remove(user.id)
        await KnownDeviceRepository(self.session).untrust_all(user.id)
        await end_user_sessions(self.session, self.revocations, user.id)
        await audit.record(
            self.session,
            actor_id=actor.id if actor else None,
            action="user.mfa_reset",
            entity_type="user",
            entity_id=user.id,
            after={"had_mfa": had, "by": "admin" if actor else "command line"},
        )
        return user

    async def must_enrol(self, roles: Sequence[str]) -> Sequence[User]:
        """The active users of `roles` without confirmed MFA: who a requirement would ask to enrol."""
        users = await self.users.active_with_roles(roles)
        enrolled = await MfaRepository(self.session).enrolled_user_ids([u.id for u in users])
        return [user for user in users if user.id not in enrolled]

    async def _get_for_update(self, user_id: int) -> User:
        user = await self.users.get(user_id, for_update=True)
        if user is None:
            raise NotFound(f"No user with id {user_id}", code="user_not_found")
        return user

    async def _change_role_and_activity(self, user: User, role: str, active: bool) -> None:
        """The last active admin can be neither demoted nor deactivated: checked and written in
        one conditional statement, so two admins demoting each other at once cannot both win."""
        leaves_admins = user.role == Role.ADMIN and user.is_active and not (role == Role.ADMIN and active)
        if leaves_admins:
            if not await self.users.leave_admins(user.id, role=role, active=active):
                raise Conflict(
                    "This is the last active admin: make another user admin first", code="last_admin"
                )
            await self.session.refresh(user)
        else:
            user.role, user.is_active = role, active
        if not active:
            await end_user_sessions(self.session, self.revocations, user.id)
