"""Scoped API keys of service accounts: how integrations authenticate (never with a password).

A key reads `fllc_<prefix>_<secret>`: the prefix (public, unique) finds its row, the SHA-256 of the
whole key proves it (compared in constant time). The key is shown once when it is made; the
database holds only the hash, and neither the key nor its hash is ever logged or returned again.

Only integration routes accept a key, through `IntegrationKey(scope)`; every other route wants a
person's access token (`auth.dependencies`), which a key never is. A key of a disabled service
account, or a revoked key, is refused at once: a verified key is kept for a few seconds in the
auth cache (`auth.cache`), and revoking a key or disabling its account drops the cached keys after
commit — in this process at once, in the others through the auth pub/sub channel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import APIKey as APIKeyModel
from fastapi.openapi.models import APIKeyIn
from fastapi.security.base import SecurityBase
from sqlalchemy import select, update
from starlette.types import Scope as AsgiScope

from fllc_server.auth.cache import VerifiedKey
from fllc_server.kit.errors import Forbidden, Unauthorized
from fllc_server.models import ApiKey, ServiceAccount, utcnow

if TYPE_CHECKING:
    from fllc_server.state import AppState

KEY_PREFIX = "fllc_"
HEADER = b"x-api-key"
_KEY = re.compile(r"^fllc_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per key


class Scope(StrEnum):
    """What a key may do: each integration route names the one it needs."""

    POS_WRITE = "pos.write"  # send sales and refunds (the generic sales webhook)
    PAYMENTS_WRITE = "payments.write"  # send payment events
    ORDERS_READ = "orders.read"  # read orders and their status


@dataclass(frozen=True, slots=True)
class MadeKey:
    key: str  # shown once
    prefix: str
    key_hash: str


def make_key() -> MadeKey:
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return MadeKey(key=key, prefix=prefix, key_hash=hash_key(key))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Integration:
    """The caller of an integration route: a service account through one of its keys."""

    service_account_id: int
    name: str
    integration: str
    key_id: int
    scopes: frozenset[str]


def presented_key(scope: AsgiScope) -> str | None:
    """The key of an `X-API-Key` header or of `Authorization: Bearer fllc_...`."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            found: str = value.decode("latin-1").strip()
            return found or None
        if name == b"authorization":
            text: str = value.decode("latin-1")
            scheme, _, token = text.partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer" and token.startswith(KEY_PREFIX):
                return token
    return None


async def verify_key_of(state: AppState, scope: AsgiScope, key: str) -> Integration:
    """The caller a key presented in this request (`scope`) proves (401 when it proves none): from
    the verified-key cache when this key was verified lately, else from its row."""
    match = _KEY.match(key)
    if match is None:
        raise Unauthorized("The API key is not valid", code="invalid_api_key")
    prefix = match.group(1)
    verified = state.auth.verified_key(prefix)
    if verified is None:
        generation = state.auth.key_generation
        verified = await _read_key(state, prefix, key)
        state.auth.remember_key(prefix, verified, generation)
    elif not hmac.compare_digest(verified.key_hash, hash_key(key)):
        raise Unauthorized("The API key is not valid", code="invalid_api_key")
    scope.setdefault("state", {})["service_account_id"] = verified.service_account_id
    return Integration(
        service_account_id=verified.service_account_id,
        name=verified.name,
        integration=verified.integration,
        key_id=verified.key_id,
        scopes=verified.scopes,
    )


async def _read_key(state: AppState, prefix: str, key: str) -> VerifiedKey:
    """The key's row, checked: valid, not revoked, its account enabled (401 otherwise)."""
    now = utcnow()
    async with state.db.sessions() as session:
        row = (
            await session.execute(
                select(ApiKey, ServiceAccount)
                .join(ServiceAccount, ServiceAccount.id == ApiKey.service_account_id)
                .where(ApiKey.prefix == prefix)
            )
        ).one_or_none()
        if row is None or not hmac.compare_digest(row[0].key_hash, hash_key(key)):
            raise Unauthorized("The API key is not valid", code="invalid_api_key")
        api_key, account = row
        if api_key.revoked_at is not None or account.disabled_at is not None:
            raise Unauthorized("The API key has been revoked", code="api_key_revoked")
        verified = VerifiedKey(
            key_id=api_key.id,
            key_hash=api_key.key_hash,
            service_account_id=account.id,
            name=account.name,
            integration=account.integration,
            scopes=frozenset(api_key.scopes or ()),
        )
        touch = api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_EVERY
    if touch:
        # A write transaction of its own (BEGIN IMMEDIATE on SQLite), not an upgrade of the read
        # above: on SQLite an upgraded read fails at once when anyone wrote since it began.
        async with state.db.transaction() as writing:
            await writing.execute(update(ApiKey).where(ApiKey.id == verified.key_id).values(last_used_at=now))
    return verified


class IntegrationAuth(SecurityBase):
    """The base of the dependencies that authenticate an integration rather than a person: an API
    key here, a vendor's webhook signature in `integrations.webhooks`."""


class IntegrationKey(IntegrationAuth):
    """Dependency: an integration calling with a valid API key that holds `scope` (401 / 403)."""

    model = APIKeyModel(
        **{"in": APIKeyIn.header},
        name="X-API-Key",
        description="An integration's API key (or `Authorization: Bearer fllc_...`)",
    )
    scheme_name = "ApiKey"

    def __init__(self, scope: Scope | None = None) -> None:
        self.scope = scope

    async def __call__(self, request: Request) -> Integration:
        return await integration_of(request.app.state.fllc, request.scope, self.scope)


async def integration_of(state: AppState, scope: AsgiScope, needed: Scope | None) -> Integration:
    """The integration calling with this request's API key, holding `needed` (401 / 403): what
    `IntegrationKey` checks, for a layer that answers before the framework too."""
    key = presented_key(scope)
    if key is None:
        raise Unauthorized(
            "Send the integration's API key in 'X-API-Key'",
            code="api_key_required",
            headers={"WWW-Authenticate": "ApiKey"},
        )
    caller = await verify_key_of(state, scope, key)
    if needed is not None and needed.value not in caller.scopes:
        raise Forbidden(
            f"This API key does not have the scope '{needed}'",
            code="scope_denied",
            details=[{"scope": needed.value}],
        )
    return caller


AnyIntegration = Annotated[Integration, Depends(IntegrationKey())]
PosWrite = Annotated[Integration, Depends(IntegrationKey(Scope.POS_WRITE))]
PaymentsWrite = Annotated[Integration, Depends(IntegrationKey(Scope.PAYMENTS_WRITE))]
OrdersRead = Annotated[Integration, Depends(IntegrationKey(Scope.ORDERS_READ))]
