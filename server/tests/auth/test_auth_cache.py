"""The auth fast path: principals, revocation checks and verified API keys cached briefly, yet a
user change, a sign-out or a key's revocation takes effect at once — in this process, and in another
one through pub/sub."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.auth import tokens as tokens_module
from fllc_server.auth.cache import AuthCache, Principal, VerifiedKey
from fllc_server.auth.tokens import TokenService
from fllc_server.infra.pubsub import MemoryPubSub
from fllc_server.kit.errors import Unauthorized

PASSWORD = "correct-horse-9"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _principal(user_id: int = 7, *, active: bool = True) -> Principal:
    return Principal(user_id, "ann", "", None, "staff", active, dt.datetime.now(dt.UTC))


def test_a_read_that_raced_a_change_is_not_cached() -> None:
    cache = AuthCache(MemoryPubSub())
    generation = cache.generation(7)
    cache.forget_user_locally(7)  # the change committed while the row was being read
    cache.remember(_principal(), generation)
    assert cache.principal(7) is None
    cache.remember(_principal(), cache.generation(7))
    assert cache.principal(7) is not None


def test_a_key_verified_before_a_revocation_is_not_cached() -> None:
    cache = AuthCache(MemoryPubSub())
    key = VerifiedKey(1, "h", 2, "till", "generic", frozenset({"pos.write"}))
    generation = cache.key_generation  # a verification begins
    cache.forget_keys_locally()  # a revocation commits meanwhile
    cache.remember_key("abc", key, generation)
    assert cache.verified_key("abc") is None
    cache.remember_key("abc", key, cache.key_generation)
    assert cache.verified_key("abc") == key
    cache.apply(json.dumps({"api_keys": True}))
    assert cache.verified_key("abc") is None


def test_principals_expire_after_the_ttl() -> None:
    now = [100.0]
    cache = AuthCache(MemoryPubSub(), ttl=5, clock=lambda: now[0])
    cache.remember(_principal(), 0)
    now[0] += 4.9
    assert cache.principal(7) is not None
    now[0] += 0.2
    assert cache.principal(7) is None


def test_a_revoked_jti_beats_an_earlier_check() -> None:
    cache = AuthCache(MemoryPubSub())
    cache.mark_checked("j1")
    cache.apply(json.dumps({"jti": "j1", "exp": time.time() + 60}))
    assert cache.is_revoked("j1")
    assert not cache.checked("j1")


def test_a_cached_token_is_still_checked_for_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    service = TokenService("k" * 40, issuer="i", audience="a", access_minutes=1)
    issued = service.issue_access(5, "staff", "s" * 32)
    assert service.decode_access(issued.token).user_id == 5  # now cached
    real = time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real() + 3600)
    monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenDatetime)
    with pytest.raises(Unauthorized) as caught:
        service.decode_access(issued.token)
    assert caught.value.code == "token_expired"


class _FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FrozenDatetime:  # type: ignore[override]
        return cls.fromtimestamp(time.time() + 3600, tz)


@pytest.fixture
async def other_process(app: FastAPI, app_with, client_of):
    """A second app on the same database; its auth cache hears the first app's pub/sub (Redis when
    configured, else the first app's in-process bus), and its own TTL is too long to matter."""
    async with app_with() as second:
        auth = second.state.fllc.auth
        if app.state.fllc.redis is None:
            await auth.stop()
            auth._pubsub = app.state.fllc.pubsub
            auth.start()
        auth._ttl = 3600
        await _until_listening(app.state.fllc.auth, auth)
        async with client_of(second) as http:
            yield http


async def _until_listening(sender: AuthCache, listener: AuthCache) -> None:
    """Until `listener` hears what `sender` publishes: a revocation of a made-up token id, sent again
    until it arrives (one sent before the listener subscribed is lost)."""
    probe = f"probe-{uuid.uuid4().hex}"
    async with asyncio.timeout(10):
        while not listener.is_revoked(probe):
            await sender.revoke(probe, time.time() + 60)
            await asyncio.sleep(0.01)


async def _until(check, attempts: int = 100) -> bool:
    for _ in range(attempts):
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_deactivation_reaches_another_process(
    client: httpx.AsyncClient, other_process: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user = await make_user("staff")
    token = (await login(user["username"]))["access_token"]
    assert (await other_process.get("/api/v1/me", headers=bearer(token))).status_code == 200  # cached
    off = await client.post(f"/api/v1/users/{user['id']}/deactivate", headers=await auth_headers("admin"))
    assert off.status_code == 200

    async def refused() -> bool:
        return (await other_process.get("/api/v1/me", headers=bearer(token))).status_code == 401

    assert await _until(refused)


async def test_a_role_change_reaches_another_process(
    client: httpx.AsyncClient, other_process: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user = await make_user("manager")
    token = (await login(user["username"]))["access_token"]
    assert (await other_process.get("/api/v1/orders", headers=bearer(token))).status_code == 200
    changed = await client.put(
        f"/api/v1/users/{user['id']}/role", json={"role": "staff"}, headers=await auth_headers("admin")
    )
    assert changed.status_code == 200

    async def forbidden() -> bool:
        return (await other_process.get("/api/v1/orders", headers=bearer(token))).status_code == 403

    assert await _until(forbidden)


async def test_a_sign_out_reaches_another_process(
    client: httpx.AsyncClient, other_process: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    assert (await other_process.get("/api/v1/me", headers=bearer(tokens["access_token"]))).status_code == 200
    out = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert out.status_code == 204

    async def refused() -> bool:
        response = await other_process.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        return response.status_code == 401

    assert await _until(refused)


async def _service_key(client: httpx.AsyncClient, admin: dict[str, str]) -> tuple[int, dict]:
    body = {"name": "till", "integration": "generic"}
    account = await client.post("/api/v1/integrations/service-accounts", json=body, headers=admin)
    assert account.status_code == 201, account.text
    made = await client.post(
        f"/api/v1/integrations/service-accounts/{account.json()['id']}/keys",
        json={"scopes": ["pos.write"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return int(account.json()["id"]), made.json()


@pytest.mark.parametrize("how", ["revoke the key", "disable the account"])
async def test_a_revoked_api_key_stops_working_in_another_process(
    client: httpx.AsyncClient, other_process: httpx.AsyncClient, auth_headers, how: str
) -> None:
    admin = await auth_headers("admin")
    account, made = await _service_key(client, admin)
    key = {"X-API-Key": made["key"]}
    assert (await other_process.get("/api/v1/integrations/whoami", headers=key)).status_code == 200  # cached
    path = f"/api/v1/integrations/service-accounts/{account}"
    if how == "revoke the key":
        path += f"/keys/{made['id']}"
    assert (await client.delete(path, headers=admin)).status_code == 200

    async def refused() -> bool:
        return (await other_process.get("/api/v1/integrations/whoami", headers=key)).status_code == 401

    assert await _until(refused)
