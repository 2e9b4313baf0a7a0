"""Sign-in, refresh-token rotation with reuse detection, sign-out, and login throttling."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.cache import Principal
from fllc_server.auth.dependencies import REVOKED_PREFIX, CurrentUser
from fllc_server.auth.repository import RefreshTokenRepository
from fllc_server.auth.schemas import Me, TokenPair
from fllc_server.auth.tokens import IssuedAccess
from fllc_server.kit.errors import RateLimited, Unauthorized
from fllc_server.models import RefreshToken, User, utcnow
from fllc_server.state import AppState
from fllc_server.users.repository import UserRepository

_BAD_LOGIN = "Wrong username or password"


def me_of(user: User | Principal) -> Me:
    return Me.of(user)


class LoginThrottle:
    """Failed sign-ins per (account, IP), per account and per IP, each for a short window.

    The per-(account, IP) limit is the tight one, so an attacker elsewhere cannot lock a real
    user out for long: the per-account limit is several times looser and all windows are minutes.
    """

    def __init__(self, state: AppState) -> None:
        settings = state.settings
        window = settings.login_lockout_seconds
        self.limiter = state.limiter
        self.limits = [
            (f"{settings.login_failures_per_account_ip}/{window} second", "account-ip"),
            (f"{settings.login_failures_per_account}/{window} second", "account"),
            (f"{settings.login_failures_per_ip}/{window} second", "ip"),
        ]

    def _keys(self, username: str, ip: str) -> dict[str, tuple[str, ...]]:
        name = username.lower()
        return {"account-ip": ("login", name, ip), "account": ("login", name), "ip": ("login-ip", ip)}

    async def check(self, username: str, ip: str) -> None:
        keys = self._keys(username, ip)
        for limit, scope in self.limits:
            verdict = await self.limiter.test(limit, *keys[scope])
            if not verdict.allowed:
                raise RateLimited(
                    f"Too many failed sign-ins; try again in {verdict.retry_after} s",
                    verdict.retry_after,
                    code="login_throttled",
                )

    async def failed(self, username: str, ip: str) -> None:
        keys = self._keys(username, ip)
        for limit, scope in self.limits:
            await self.limiter.hit(limit, *keys[scope])

    async def succeeded(self, username: str, ip: str) -> None:
        keys = self._keys(username, ip)
        await self.limiter.clear(self.limits[0][0], *keys["account-ip"])


@dataclass(frozen=True, slots=True)
class SessionRevoked:
    """A refused refresh whose revocation must be committed: the endpoint returns `error` as its
    answer instead of raising it (raising would roll the revocation back)."""

    error: Unauthorized

    def response(self) -> JSONResponse:
        return JSONResponse(self.error.body(), status_code=self.error.status_code, headers=self.error.headers)


class AuthService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.tokens = RefreshTokenRepository(session)
        self.users = UserRepository(session)

    async def login(self, username: str, password: str, ip: str) -> TokenPair:
        throttle = LoginThrottle(self.state)
        await throttle.check(username, ip)
        user = await self.users.by_username(username)
        ok = await self.state.passwords.verify(user.password_hash if user else None, password)
        if user is None or not ok:
            await throttle.failed(username, ip)
            raise Unauthorized(_BAD_LOGIN, code="invalid_credentials")
        if not user.is_active:
            raise Unauthorized("The account is not active", code="account_inactive")
        await throttle.succeeded(username, ip)
        if self.state.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.state.passwords.hash(password)
        refresh = self.state.tokens.new_refresh_token()
        await self._store_refresh(user.id, refresh, family_id=uuid.uuid4().hex, parent_id=None)
        await audit.record(
            self.session, actor_id=user.id, action="auth.login", entity_type="user", entity_id=user.id
        )
        return self._pair(user, refresh)

    async def refresh(self, refresh_token: str) -> TokenPair | SessionRevoked:
        """Rotate: the old token is spent; a repeat within the grace window gets the same successor;
        a later repeat is reuse — the whole family is revoked (SessionRevoked, to commit)."""
        token_hash = self.state.tokens.hash_refresh(refresh_token)
        row = await self.tokens.by_hash(token_hash)
        now = utcnow()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized("The session has ended; sign in again", code="invalid_refresh_token")
        user = await self.users.get(row.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("The account is not active", code="account_inactive")
        successor = self.state.tokens.successor_of(refresh_token)
        if row.rotated_at is None and await self.tokens.claim_rotation(row.id, now):
            await self._store_refresh(user.id, successor, family_id=row.family_id, parent_id=row.id)
            return self._pair(user, successor)
        # Rotated already (perhaps by a simultaneous request): read who did it, under the lock.
        locked = await self.tokens.locked(row.id)
        assert locked is not None
        row = locked
        return await self._repeat_rotation(row, now) or self._pair(user, successor)

    async def _repeat_rotation(self, row: RefreshToken, now: dt.datetime) -> SessionRevoked | None:
        assert row.rotated_at is not None
        grace = dt.timedelta(seconds=self.state.settings.refresh_grace_seconds)
        child = await self.tokens.child_of(row.id)
        if now - row.rotated_at <= grace and child is not None and child.rotated_at is None:
            return None  # the client lost our answer: hand it the same successor again
        # Reuse: revoke the family in this transaction (it holds the rows' locks) and let the
        # request commit it; the caller answers 401.
        await self.tokens.revoke_family(row.family_id)
        await audit.record(
            self.session,
            actor_id=row.user_id,
            action="auth.refresh_reuse",
            entity_type="user",
            entity_id=row.user_id,
            after={"family_id": row.family_id},
        )
        return SessionRevoked(
            Unauthorized("This session was ended because a refresh token was reused",
                         code="refresh_token_reused")
        )

    async def logout(self, refresh_token: str, caller: CurrentUser | None) -> None:
        """Revoke the refresh token's family and the caller's access token; idempotent."""
        row = await self.tokens.by_hash(self.state.tokens.hash_refresh(refresh_token))
        if row is not None and (caller is None or row.user_id == caller.id):
            await self.tokens.revoke_family(row.family_id)
        if caller is not None:
            ttl = max(1, caller.token_expires_at - int(utcnow().timestamp()) + 5)
            await self.state.cache.set(REVOKED_PREFIX + caller.jti, b"1", ttl)
            await self.state.auth.revoke(caller.jti, caller.token_expires_at)
        actor = caller.id if caller else (row.user_id if row else None)
        if actor is not None:
            await audit.record(
                self.session, actor_id=actor, action="auth.logout", entity_type="user", entity_id=actor
            )

    async def _store_refresh(
        self, user_id: int, token: str, *, family_id: str, parent_id: int | None
    ) -> None:
        expires = utcnow() + dt.timedelta(days=self.state.runtime.refresh_token_days)
        await self.tokens.add(
            RefreshToken(
                user_id=user_id,
                family_id=family_id,
                token_hash=self.state.tokens.hash_refresh(token),
                parent_id=parent_id,
                expires_at=expires,
            )
        )

    def _pair(self, user: User, refresh: str) -> TokenPair:
        access: IssuedAccess = self.state.tokens.issue_access(user.id, user.role)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh,
            expires_in=access.expires_in,
            user=me_of(user),
        )
