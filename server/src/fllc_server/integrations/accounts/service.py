"""Service accounts and keys: make, list, revoke — each audited, no key ever in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.api_keys import make_key
from fllc_server.auth.cache import AuthCache
from fllc_server.integrations.accounts.repository import AccountRepository
from fllc_server.integrations.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyMade,
    ApiKeyOut,
    ServiceAccountCreate,
    ServiceAccountOut,
)
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import ApiKey, ServiceAccount, utcnow


def key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        prefix=key.prefix,
        label=key.label,
        scopes=list(key.scopes),
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def account_out(account: ServiceAccount, keys: Sequence[ApiKey]) -> ServiceAccountOut:
    return ServiceAccountOut(
        id=account.id,
        name=account.name,
        integration=account.integration,
        description=account.description,
        created_at=account.created_at,
        disabled_at=account.disabled_at,
        keys=[key_out(k) for k in keys if k.service_account_id == account.id],
    )


class AccountService:
    def __init__(self, session: AsyncSession, *, actor_id: int, auth: AuthCache | None = None) -> None:
        self.session = session
        self.actor_id = actor_id
        self.repo = AccountRepository(session)
        self.auth = auth

    def _forget_keys_after_commit(self) -> None:
        """Verified keys are cached: once a revocation commits, no process may accept the key."""
        auth = self.auth
        if auth is None:
            return

        async def forget() -> None:
            await auth.forget_keys()

        unit_of_work(self.session).after_commit(forget)

    async def list(self, *, offset: int, limit: int) -> tuple[list[ServiceAccountOut], int]:
        rows, total = await self.repo.accounts(offset=offset, limit=limit)
        keys = await self.repo.keys([a.id for a in rows])
        return [account_out(a, keys) for a in rows], total

    async def get(self, account_id: int) -> ServiceAccountOut:
        account = await self._account(account_id)
        return account_out(account, await self.repo.keys([account.id]))

    async def create(self, data: ServiceAccountCreate) -> ServiceAccountOut:
        if await self.repo.by_name(data.name) is not None:
            raise _name_taken(data.name)
        account = ServiceAccount(
            name=data.name,
            integration=data.integration,
            description=data.description,
            created_by=self.actor_id,
        )
        try:
            await self.repo.add(account)
        except IntegrityError as exc:
            raise _name_taken(data.name) from exc
        result = account_out(account, [])
        await self._audit("service_account.create", account.id, after=result.model_dump(mode="json"))
        return result

    async def disable(self, account_id: int) -> ServiceAccountOut:
        """Disable the account: every key of it stops working at once (revoked with it)."""
        account = await self._account(account_id, lock=True)
        now = utcnow()
        if account.disabled_at is None:
            account.disabled_at = now
        for key in await self.repo.keys([account.id]):
            if key.revoked_at is None:
                key.revoked_at = now
        await self.session.flush()
        self._forget_keys_after_commit()
        await self._audit("service_account.disable", account.id, after={"disabled_at": now})
        return account_out(account, await self.repo.keys([account.id]))

    async def make_key(self, account_id: int, data: ApiKeyCreate) -> ApiKeyMade:
        account = await self._account(account_id, lock=True)
        if account.disabled_at is not None:
            raise Conflict("The service account is disabled", code="service_account_disabled")
        made = make_key()
        key = ApiKey(
            service_account_id=account.id,
            prefix=made.prefix,
            key_hash=made.key_hash,
            scopes=sorted({s.value for s in data.scopes}),
            label=data.label,
            created_by=self.actor_id,
        )
        await self.repo.add(key)
        out = key_out(key)
        await self._audit("api_key.create", account.id, after=out.model_dump(mode="json"))
        return ApiKeyMade(**out.model_dump(), key=made.key)

    async def revoke_key(self, account_id: int, key_id: int) -> ApiKeyOut:
        key = await self.repo.key(account_id, key_id)
        if key is None:
            raise NotFound(f"No API key {key_id} of service account {account_id}", code="api_key_not_found")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            await self.session.flush()
            self._forget_keys_after_commit()
        out = key_out(key)
        await self._audit("api_key.revoke", account_id, after=out.model_dump(mode="json"))
        return out

    async def _account(self, account_id: int, *, lock: bool = False) -> ServiceAccount:
        account = await self.repo.account(account_id, lock=lock)
        if account is None:
            raise NotFound(f"No service account with id {account_id}", code="service_account_not_found")
        return account

    async def _audit(self, action: str, account_id: int, *, after: object) -> None:
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=action,
            entity_type="service_account",
            entity_id=account_id,
            after=after,
        )


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A service account named {name!r} exists", code="service_account_exists")
