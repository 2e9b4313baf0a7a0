"""Scoped API keys of service accounts: made and revoked by admins, shown once, stored hashed,
accepted by integration routes only, never a way to sign in, never in the logs."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.models import ApiKey
from sqlalchemy import select


async def _account(client: httpx.AsyncClient, admin: dict[str, str], name: str = "till-1") -> int:
    made = await client.post(
        "/api/v1/integrations/service-accounts",
        json={"name": name, "integration": "pos.generic", "description": "Front till"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def _key(client: httpx.AsyncClient, admin: dict[str, str], account: int, scopes: list[str]) -> dict:
    made = await client.post(
        f"/api/v1/integrations/service-accounts/{account}/keys", json={"scopes": scopes}, headers=admin
    )
    assert made.status_code == 201, made.text
    body: dict = made.json()
    return body


async def test_a_key_is_shown_once_stored_hashed_and_identifies_its_account(
    app: FastAPI, client: httpx.AsyncClient, auth_headers
) -> None:
    admin = await auth_headers("admin")
    account = await _account(client, admin)
    made = await _key(client, admin, account, ["pos.write"])
    key = made["key"]
    assert key.startswith("fllc_")
    assert made["prefix"] in key

    listed = await client.get(f"/api/v1/integrations/service-accounts/{account}", headers=admin)
    assert listed.status_code == 200
    assert key not in listed.text
    assert "key_hash" not in listed.text
    assert listed.json()["keys"][0]["scopes"] == ["pos.write"]

    async with app.state.fllc.db.sessions() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == made["prefix"]))
    assert row is not None
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(row.__dict__)

    who = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": key})
    assert who.status_code == 200, who.text
    assert who.json() == {
        "service_account_id": account,
        "name": "till-1",
        "integration": "pos.generic",
        "scopes": ["pos.write"],
    }
    bearer = await client.get("/api/v1/integrations/whoami", headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200


@pytest.mark.parametrize(
    "key",
    ["", "nonsense", "fllc_000000000000_" + "A" * 43, "fllc_abc_def"],
    ids=["empty", "garbage", "unknown-prefix", "malformed"],
)
async def test_a_wrong_key_is_401_in_the_uniform_body(client: httpx.AsyncClient, key: str) -> None:
    response = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


async def test_a_right_prefix_with_a_wrong_secret_is_refused(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    made = await _key(client, admin, await _account(client, admin), ["pos.write"])
    forged = made["key"][:-4] + ("AAAA" if not made["key"].endswith("AAAA") else "BBBB")
    response = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": forged})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_revoking_a_key_or_disabling_the_account_stops_it_at_once(
    client: httpx.AsyncClient, auth_headers
) -> None:
    admin = await auth_headers("admin")
    account = await _account(client, admin)
    first = await _key(client, admin, account, ["pos.write"])
    second = await _key(client, admin, account, ["payments.write"])
    for made in (first, second):  # both verified once: cached by this process
        used = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": made["key"]})
        assert used.status_code == 200
    revoked = await client.delete(
        f"/api/v1/integrations/service-accounts/{account}/keys/{first['id']}", headers=admin
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    gone = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": first["key"]})
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "api_key_revoked"
    still = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": second["key"]})
    assert still.status_code == 200

    disabled = await client.delete(f"/api/v1/integrations/service-accounts/{account}", headers=admin)
    assert disabled.status_code == 200
    assert all(k["revoked_at"] for k in disabled.json()["keys"])
    after = await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": second["key"]})
    assert after.status_code == 401
    refused = await client.post(
        f"/api/v1/integrations/service-accounts/{account}/keys", json={"scopes": ["pos.write"]}, headers=admin
    )
    assert refused.status_code == 409


async def test_a_key_is_no_access_token_and_no_password(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    made = await _key(client, admin, await _account(client, admin, "shop-bot"), ["orders.read"])
    headers = {"Authorization": f"Bearer {made['key']}"}
    for path in ("/api/v1/me", "/api/v1/products", "/api/v1/orders"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401, path
    for password in (made["key"], ""):
        signed = await client.post("/api/v1/auth/login", json={"username": "shop-bot", "password": password})
        assert signed.status_code in (400, 401), signed.text


async def test_a_person_token_is_no_api_key(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    response = await client.get("/api/v1/integrations/whoami", headers=admin)
    assert response.status_code == 401


async def test_scopes_are_checked_and_bad_scopes_refused(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    account = await _account(client, admin)
    bad = await client.post(
        f"/api/v1/integrations/service-accounts/{account}/keys", json={"scopes": ["root"]}, headers=admin
    )
    assert bad.status_code == 400
    none = await client.post(
        f"/api/v1/integrations/service-accounts/{account}/keys", json={"scopes": []}, headers=admin
    )
    assert none.status_code == 400


async def test_only_admins_manage_keys(client: httpx.AsyncClient, auth_headers) -> None:
    manager = await auth_headers("manager")
    response = await client.post(
        "/api/v1/integrations/service-accounts", json={"name": "x", "integration": "pos"}, headers=manager
    )
    assert response.status_code == 403


async def test_keys_never_reach_the_logs(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = await auth_headers("admin")
    made = await _key(client, admin, await _account(client, admin), ["pos.write"])
    capsys.readouterr()
    access_log = app.state.fllc.access_log
    access_log.enabled = True  # the tests' app logs warnings only
    await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": made["key"]})
    await client.get("/api/v1/integrations/whoami", headers={"X-API-Key": made["key"] + "x"})
    access_log.flush()
    captured = capsys.readouterr()
    assert captured.err.count('"path":"/api/v1/integrations/whoami"') == 2  # the requests were logged
    secret = made["key"].split("_", 2)[2]
    assert secret not in captured.err
    assert secret not in captured.out
