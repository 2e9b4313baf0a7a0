"""Sign-in, refresh-token rotation with reuse detection, sign-out, and login throttling."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.cache import Principal
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.mfa import Mfa, MfaRepository, trusted_until
from fllc_server.auth.repository import KnownDeviceRepository, RefreshTokenRepository
from fllc_server.auth.revocation import Revocations
from fllc_server.auth.schemas import Me, MfaChallenge, MfaVerify, TokenPair
from fllc_server.auth.tokens import CHALLENGE_SECONDS, LEEWAY, MAX_ACCESS_SECONDS, IssuedAccess
from fllc_server.kit.errors import RateLimited, Unauthorized
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import KnownDevice, RefreshToken, User, utcnow
from fllc_server.state import AppState
from fllc_server.users.repository import UserRepository

_BAD_LOGIN = "Wrong username or password"
MAX_GRACE_SECONDS = 120  # the bound of the refresh_grace_seconds setting


async def end_user_sessions(session: AsyncSession, revocations: Revocations | None, user_id: int) -> None:
    """Every session of the user ends: refresh tokens revoked in this transaction, and once it
    commits, the access tokens of each session that may still hold a live one."""
    tokens = RefreshTokenRepository(session)
    since = utcnow() - dt.timedelta(seconds=MAX_ACCESS_SECONDS + MAX_GRACE_SECONDS + 2 * LEEWAY)
    families = await tokens.recent_families(user_id, since)
    await tokens.revoke_all_for_user(user_id)
    if revocations is not None and families:

        async def revoke() -> None:
            await revocations.revoke_sessions(families)

        unit_of_work(session).after_commit(revoke)


def me_of(user: User | Principal) -> Me:
    return Me.of(user)


class LoginThrottle:
    """Failed sign-ins counted so that they slow the attacker, not the account's owner.

    - per (account, address): the tight limit - one address guessing one account;
    - per address: looser - one address guessing many accounts;
    - per account: far looser again (many addresses guessing one account) - and it never applies
      to a sign-in from a known device of the account (a device token from an earlier successful
      sign-in), so failures elsewhere cannot lock the owner out. Such a sign-in is counted per
      (account, device) instead, as tightly as per (account, address).
    All windows are minutes.
    """

    def __init__(self, state: AppState) -> None:
        settings = state.settings
        window = settings.login_lockout_seconds
        self.limiter = state.limiter
        self.tight = f"{settings.login_failures_per_account_ip}/{window} second"
        self.per_ip = f"{settings.login_failures_per_ip}/{window} second"
        self.per_account = f"{settings.login_failures_per_account}/{window} second"

    def _counters(
        self, username: str, ip: str, device: KnownDevice | None
    ) -> list[tuple[str, tuple[str, ...]]]:
        name = username.lower()
        if device is not None:
            return [(self.tight, ("login-device", name, device.token_hash))]
        return [
            (self.tight, ("login", name, ip)),
            (self.per_ip, ("login-ip", ip)),
            (self.per_account, ("login", name)),
        ]

    async def check(self, username: str, ip: str, device: KnownDevice | None) -> None:
        for limit, key in self._counters(username, ip, device):
            verdict = await self.limiter.test(limit, *key)
            if not verdict.allowed:
                raise RateLimited(
                    f"Too many failed sign-ins; try again in {verdict.retry_after} s",
                    verdict.retry_after,
                    code="login_throttled",
                )

    async def failed(self, username: str, ip: str, device: KnownDevice | None) -> None:
        for limit, key in self._counters(username, ip, device):
            await self.limiter.hit(limit, *key)

    async def succeeded(self, username: str, ip: str, device: KnownDevice | None) -> None:
        limit, key = self._counters(username, ip, device)[0]
        await self.limiter.clear(limit, *key)


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
        self.devices = KnownDeviceRepository(session)
        self.users = UserRepository(session)

    async def login(
        self, username: str, password: str, ip: str, device_token: str | None = None
    ) -> TokenPair | MfaChallenge:
        throttle = LoginThrottle(self.state)
        user = await self.users.by_username(username)
        device = await self._known_device(user, device_token)
        await throttle.check(username, ip, device)
        ok = await self.state.passwords.verify(user.password_hash if user else None, password)
        if user is None or not ok:
            await throttle.failed(username, ip, device)
            raise Unauthorized(_BAD_LOGIN, code="invalid_credentials")
        if not user.is_active:
            raise Unauthorized("The account is not active", code="account_inactive")
        await throttle.succeeded(username, ip, device)
        if self.state.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.state.passwords.hash(password)
        enrolled = await MfaRepository(self.session).confirmed(user.id) is not None
        trusted = device is not None and (device.mfa_trusted_until or utcnow()) > utcnow()
        if enrolled and not trusted:
            challenge, _jti = self.state.tokens.issue_challenge(user.id)
            return MfaChallenge(challenge_token=challenge, expires_in=CHALLENGE_SECONDS)
        pair = await self._signed_in(user, device, device_token, method="password")
        required = user.role in self.state.runtime.mfa_required_roles
        return pair.model_copy(update={"mfa_enrollment_required": required and not enrolled})

    async def verify_mfa(self, body: MfaVerify) -> TokenPair:
        """The second step: the challenge of a right password plus a code (or recovery code)."""
        user_id, jti, expires_at = self.state.tokens.decode_challenge(body.challenge_token)
        mfa = Mfa(self.session, self.state.cache, self.state.limiter)
        user = await self.users.get(user_id)
        if user is None or not user.is_active:
            raise Unauthorized("The account is not active", code="account_inactive")
        await mfa.ensure_unused(jti)
        method = await mfa.check_second_factor(user.id, body.code, body.recovery_code)
        await mfa.mark_used(jti, expires_at)
        device = await self._known_device(user, body.device_token)
        pair = await self._signed_in(user, device, body.device_token, method=method)
        if body.trust_device:
            assert pair.device_token is not None
            await self.devices.trust(
                user.id,
                self.state.tokens.hash_refresh(pair.device_token),
                trusted_until(self.state.settings.mfa_trust_days),
            )
        return pair

    async def _signed_in(
        self, user: User, device: KnownDevice | None, device_token: str | None, *, method: str
    ) -> TokenPair:
        device_token = await self._remember_device(user, device, device_token)
        refresh = self.state.tokens.new_refresh_token()
        family_id = uuid.uuid4().hex
        await self._store_refresh(user.id, refresh, family_id=family_id, parent_id=None)
        await audit.record(
            self.session,
            actor_id=user.id,
            action="auth.login",
            entity_type="user",
            entity_id=user.id,
            after={"method": method} if method != "password" else None,
        )
        return self._pair(user, refresh, family_id).model_copy(update={"device_token": device_token})

    async def _known_device(self, user: User | None, device_token: str | None) -> KnownDevice | None:
        if user is None or device_token is None:
            return None
        token_hash = self.state.tokens.hash_refresh(device_token)
        return await self.devices.live(user.id, token_hash, utcnow())

    async def _remember_device(self, user: User, device: KnownDevice | None, device_token: str | None) -> str:
        """The device's token: the one it sent when it is known, else a new one."""
        now = utcnow()
        if device is not None and device_token is not None:
            device.last_used_at = now
            return device_token
        token = self.state.tokens.new_refresh_token()
        await self.devices.add(
            KnownDevice(
                user_id=user.id,
                token_hash=self.state.tokens.hash_refresh(token),
                created_at=now,
                last_used_at=now,
                expires_at=now + dt.timedelta(days=self.state.settings.known_device_days),
            )
        )
        return token

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
            return self._pair(user, successor, row.family_id)
        # Rotated already (perhaps by a simultaneous request): read who did it, under the lock.
        locked = await self.tokens.locked(row.id)
        assert locked is not None
        row = locked
        return await self._repeat_rotation(row, now) or self._pair(user, successor, row.family_id)

    async def _repeat_rotation(self, row: RefreshToken, now: dt.datetime) -> SessionRevoked | None:
        assert row.rotated_at is not None
        grace = dt.timedelta(seconds=self.state.settings.refresh_grace_seconds)
        child = await self.tokens.child_of(row.id)
        if now - row.rotated_at <= grace and child is not None and child.rotated_at is None:
            return None  # the client lost our answer: hand it the same successor again
        # Reuse: revoke the family in this transaction (it holds the rows' locks) and let the
        # request commit it; the caller answers 401.
        await self.tokens.revoke_family(row.family_id)
        self.end_sessions_after_commit([row.family_id])
        await audit.record(
            self.session,
            actor_id=row.user_id,
            action="auth.refresh_reuse",
            entity_type="user",
            entity_id=row.user_id,
            after={"family_id": row.family_id},
        )
        return SessionRevoked(
            Unauthorized(
                "This session was ended because a refresh token was reused", code="refresh_token_reused"
            )
        )

    async def logout(self, refresh_token: str, caller: CurrentUser | None) -> None:
        """Revoke the refresh token's family and the caller's access token; idempotent."""
        row = await self.tokens.by_hash(self.state.tokens.hash_refresh(refresh_token))
        if row is not None and (caller is None or row.user_id == caller.id):
            await self.tokens.revoke_family(row.family_id)
            self.end_sessions_after_commit([row.family_id])  # its access tokens too, bearer or not
        if caller is not None:
            await self.state.revocations.revoke_token(caller.jti, caller.token_expires_at)
        actor = caller.id if caller else (row.user_id if row else None)
        if actor is not None:
            await audit.record(
                self.session, actor_id=actor, action="auth.logout", entity_type="user", entity_id=actor
            )

    def end_sessions_after_commit(self, family_ids: list[str]) -> None:
        """Once the families' revocation is committed, their access tokens stop working too."""
        revocations = self.state.revocations

        async def revoke() -> None:
            await revocations.revoke_sessions(family_ids)

        unit_of_work(self.session).after_commit(revoke)

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

    def _pair(self, user: User, refresh: str, family_id: str) -> TokenPair:
        access: IssuedAccess = self.state.tokens.issue_access(user.id, user.role, family_id)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh,
            expires_in=access.expires_in,
            user=me_of(user),
        )
