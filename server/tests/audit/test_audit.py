"""Every write leaves an audit row (actor, action, entity, before/after, request id); the log filters."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

AUDIT = "/api/v1/audit-log"
PASSWORD = "correct-horse-9"


@pytest.fixture
async def admin(client: httpx.AsyncClient, auth_headers) -> dict[str, Any]:
    headers = await auth_headers("admin")
    me = (await client.get("/api/v1/me", headers=headers)).json()
    return {"headers": headers, "id": me["id"]}


async def _entries(client: httpx.AsyncClient, admin: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"per_page": 200, **params}, headers=admin["headers"])
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def _one(client: httpx.AsyncClient, admin: dict[str, Any], request_id: str) -> dict[str, Any]:
    rows = [e for e in await _entries(client, admin) if e["request_id"] == request_id]
    assert len(rows) == 1, rows
    return rows[0]


async def test_user_writes_are_audited_with_before_after_and_the_request_id(
    client: httpx.AsyncClient, admin
) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"username": "dock.dan", "password": "dock-dock-dock", "role": "staff"},
        headers={**admin["headers"], "X-Request-ID": "req-create-1"},
    )
    assert created.headers["X-Request-ID"] == "req-create-1"
    user_id = created.json()["id"]
    row = await _one(client, admin, "req-create-1")
    assert (row["actor_id"], row["action"], row["entity_type"], row["entity_id"]) == (
        admin["id"],
        "user.create",
        "user",
        str(user_id),
    )
    assert row["before"] is None
    assert row["after"]["username"] == "dock.dan"
    assert row["after"]["role"] == "staff"

    role = await client.put(
        f"/api/v1/users/{user_id}/role", json={"role": "manager"}, headers=admin["headers"]
    )
    row = await _one(client, admin, role.headers["X-Request-ID"])
    assert row["action"] == "user.update"
    assert (row["before"]["role"], row["after"]["role"]) == ("staff", "manager")

    patch = await client.patch(
        f"/api/v1/users/{user_id}", json={"full_name": "Dan Dock"}, headers=admin["headers"]
    )
    row = await _one(client, admin, patch.headers["X-Request-ID"])
    assert (row["before"]["full_name"], row["after"]["full_name"]) == ("", "Dan Dock")

    off = await client.post(f"/api/v1/users/{user_id}/deactivate", headers=admin["headers"])
    row = await _one(client, admin, off.headers["X-Request-ID"])
    assert (row["before"]["is_active"], row["after"]["is_active"]) == (True, False)

    reset = await client.post(
        f"/api/v1/users/{user_id}/password", json={"password": "secret-new-one"}, headers=admin["headers"]
    )
    row = await _one(client, admin, reset.headers["X-Request-ID"])
    assert (row["action"], row["entity_id"]) == ("user.reset_password", str(user_id))


async def test_settings_writes_are_audited(client: httpx.AsyncClient, admin) -> None:
    response = await client.patch("/api/v1/settings", json={"currency": "GBP"}, headers=admin["headers"])
    row = await _one(client, admin, response.headers["X-Request-ID"])
    assert (row["action"], row["entity_type"]) == ("settings.update", "settings")
    assert row["actor_id"] == admin["id"]
    assert row["before"] == {"currency": "USD"}
    assert row["after"] == {"currency": "GBP"}


async def test_login_and_logout_are_audited(client: httpx.AsyncClient, admin, make_user) -> None:
    user = await make_user("viewer")
    signed_in = await client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    )
    row = await _one(client, admin, signed_in.headers["X-Request-ID"])
    assert (row["action"], row["actor_id"], row["entity_id"]) == ("auth.login", user["id"], str(user["id"]))
    tokens = signed_in.json()
    out = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    row = await _one(client, admin, out.headers["X-Request-ID"])
    assert (row["action"], row["actor_id"]) == ("auth.logout", user["id"])


async def test_failed_writes_leave_no_audit_row(client: httpx.AsyncClient, admin) -> None:
    refused = await client.post(f"/api/v1/users/{admin['id']}/deactivate", headers=admin["headers"])
    assert refused.status_code == 409
    rows = await _entries(client, admin)
    assert all(e["request_id"] != refused.headers["X-Request-ID"] for e in rows)


async def test_the_audit_log_never_holds_a_password_or_its_hash(client: httpx.AsyncClient, admin) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"username": "secret.sue", "password": "first-secret-pw", "role": "viewer"},
        headers=admin["headers"],
    )
    user_id = created.json()["id"]
    await client.post(
        f"/api/v1/users/{user_id}/password", json={"password": "second-secret-pw"}, headers=admin["headers"]
    )
    await client.post("/api/v1/auth/login", json={"username": "secret.sue", "password": "second-secret-pw"})
    dump = json.dumps(await _entries(client, admin))
    for secret in ("first-secret-pw", "second-secret-pw", "$argon2", "password_hash", PASSWORD):
        assert secret not in dump


async def test_the_log_filters_by_actor_entity_action_and_time(
    client: httpx.AsyncClient, admin, make_user, login
) -> None:
    user = await make_user("viewer")
    await login(user["username"])
    await client.patch("/api/v1/settings", json={"company_name": "Filtered"}, headers=admin["headers"])

    by_actor = await _entries(client, admin, actor_id=user["id"])
    assert by_actor
    assert {e["actor_id"] for e in by_actor} == {user["id"]}
    by_entity = await _entries(client, admin, entity_type="settings")
    assert [e["action"] for e in by_entity] == ["settings.update"]
    by_id = await _entries(client, admin, entity_type="user", entity_id=str(user["id"]))
    assert {e["entity_id"] for e in by_id} == {str(user["id"])}
    assert {e["action"] for e in by_id} == {"user.create", "auth.login"}
    assert {e["action"] for e in await _entries(client, admin, action="auth.login")} == {"auth.login"}

    everything = await _entries(client, admin)
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True)  # newest first
    pivot = everything[0]["created_at"]
    since = await _entries(client, admin, since=pivot)
    assert everything[0]["id"] in {e["id"] for e in since}
    until = await _entries(client, admin, until=pivot)
    assert everything[0]["id"] not in {e["id"] for e in until}
    assert await _entries(client, admin, since="2999-01-01T00:00:00Z") == []
    assert await _entries(client, admin, until="2000-01-01T00:00:00") == []


async def test_the_log_is_paginated(client: httpx.AsyncClient, admin, make_user) -> None:
    for _ in range(3):
        await make_user("viewer")
    response = await client.get(AUDIT, params={"per_page": 2, "page": 2}, headers=admin["headers"])
    meta = response.json()["meta"]
    assert meta["page"] == 2
    assert meta["per_page"] == 2
    assert meta["total"] >= 4


async def test_bad_filters_are_400(client: httpx.AsyncClient, admin) -> None:
    for params in ({"actor_id": 0}, {"since": "yesterday"}, {"entity_type": "e" * 33}, {"page": 0}):
        response = await client.get(AUDIT, params=params, headers=admin["headers"])
        assert response.status_code == 400, params


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
async def test_only_users_manage_reads_the_log(client: httpx.AsyncClient, auth_headers, role) -> None:
    response = await client.get(AUDIT, headers=await auth_headers(role))
    assert response.status_code == 403
