"""/api/v1/users: listing, creating, roles, deactivation, password resets and their rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
PASSWORD = "correct-horse-9"


@pytest.fixture
async def admin(auth_headers) -> dict[str, str]:
    headers: dict[str, str] = await auth_headers("admin")
    return headers


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> httpx.Response:
    body = {"username": "picker.ann", "password": "pick-pick-pick", "role": "staff", **fields}
    return await client.post(USERS, json=body, headers=headers)


async def _admin_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    me = await client.get("/api/v1/me", headers=headers)
    user_id: int = me.json()["id"]
    return user_id


async def test_create_returns_the_user_without_any_password_and_they_can_sign_in(
    client: httpx.AsyncClient, admin, login
) -> None:
    response = await _create(client, admin, full_name="Ann Picker", email="ann@example.com")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "full_name", "email", "role", "is_active", "created_at"}
    assert body["role"] == "staff"
    assert body["is_active"] is True
    assert body["full_name"] == "Ann Picker"
    assert body["email"] == "ann@example.com"
    tokens = await login("picker.ann", "pick-pick-pick")
    assert tokens["user"]["role"] == "staff"


async def test_a_password_keeps_its_surrounding_spaces(client: httpx.AsyncClient, admin) -> None:
    """Whatever is typed at sign-in is what was set: spaces are part of a password."""
    assert (await _create(client, admin, password="  spaced out  ")).status_code == 201
    ok = await client.post(LOGIN, json={"username": "picker.ann", "password": "  spaced out  "})
    assert ok.status_code == 200
    trimmed = await client.post(LOGIN, json={"username": "picker.ann", "password": "spaced out"})
    assert trimmed.status_code == 401


async def test_list_is_paginated_and_filtered(client: httpx.AsyncClient, admin, make_user) -> None:
    for _ in range(3):
        await make_user("viewer")
    await make_user("manager")
    page = await client.get(USERS, params={"per_page": 2}, headers=admin)
    assert page.status_code == 200
    body = page.json()
    assert len(body["data"]) == 2
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    viewers = (await client.get(USERS, params={"role": "viewer"}, headers=admin)).json()
    assert viewers["meta"]["total"] == 3
    assert {u["role"] for u in viewers["data"]} == {"viewer"}
    found = (await client.get(USERS, params={"q": "manager"}, headers=admin)).json()
    assert [u["role"] for u in found["data"]] == ["manager"]
    assert (await client.get(USERS, params={"role": "king"}, headers=admin)).status_code == 400
    assert (await client.get(USERS, params={"per_page": 0}, headers=admin)).status_code == 400


async def test_get_one_user_and_404_for_a_missing_one(client: httpx.AsyncClient, admin, make_user) -> None:
    user = await make_user("staff")
    assert (await client.get(f"{USERS}/{user['id']}", headers=admin)).json()["username"] == user["username"]
    missing = await client.get(f"{USERS}/999999", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "user_not_found"


async def test_a_taken_username_is_409(client: httpx.AsyncClient, admin) -> None:
    assert (await _create(client, admin)).status_code == 201
    again = await _create(client, admin, role="viewer")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "username_taken"


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "ab"},  # too short
        {"username": "has space"},
        {"username": "x" * 65},
        {"password": "short"},
        {"password": "p" * 257},
        {"role": "owner"},
        {"role": None},
        {"email": "not-an-email"},
        {"full_name": "n" * 201},
        {"username": 12345},
    ],
)
async def test_invalid_user_fields_are_400(client: httpx.AsyncClient, admin, fields) -> None:
    response = await _create(client, admin, **fields)
    assert response.status_code == 400, fields
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"]


@pytest.mark.parametrize(
    "extra",
    [
        {"id": 1},
        {"version": 3},
        {"password_hash": "$argon2id$..."},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"is_active": False},
    ],
)
async def test_create_refuses_fields_a_client_may_not_set(client: httpx.AsyncClient, admin, extra) -> None:
    response = await _create(client, admin, **extra)
    assert response.status_code == 400
    assert any(d["field"] == next(iter(extra)) for d in response.json()["error"]["details"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", {"full_name": "x", "id": 5}),
        ("", {"password_hash": "x"}),
        ("", {"created_at": "2020-01-01T00:00:00Z"}),
        ("", {"username": "renamed"}),
        ("/role", {"role": "viewer", "is_active": False}),
        ("/password", {"password": "new-password-1", "role": "admin"}),
    ],
)
async def test_updates_refuse_fields_a_client_may_not_set(
    client: httpx.AsyncClient, admin, make_user, path, body
) -> None:
    user = await make_user("staff")
    method = {"": client.patch, "/role": client.put, "/password": client.post}[path]
    response = await method(f"{USERS}/{user['id']}{path}", json=body, headers=admin)
    assert response.status_code == 400
    unchanged = (await client.get(f"{USERS}/{user['id']}", headers=admin)).json()
    assert unchanged["role"] == "staff"
    assert unchanged["username"] == user["username"]


async def test_patch_changes_name_email_role_and_activity(
    client: httpx.AsyncClient, admin, make_user
) -> None:
    user = await make_user("staff")
    response = await client.patch(
        f"{USERS}/{user['id']}",
        json={"full_name": "Sam Stock", "email": "sam@example.com", "role": "manager"},
        headers=admin,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["full_name"], body["email"], body["role"]) == ("Sam Stock", "sam@example.com", "manager")
    cleared = await client.patch(f"{USERS}/{user['id']}", json={"email": None}, headers=admin)
    assert cleared.json()["email"] is None
    off = await client.patch(f"{USERS}/{user['id']}", json={"is_active": False}, headers=admin)
    assert off.json()["is_active"] is False
    on = await client.patch(f"{USERS}/{user['id']}", json={"is_active": True}, headers=admin)
    assert on.json()["is_active"] is True


async def test_change_role_and_deactivate_routes(client: httpx.AsyncClient, admin, make_user) -> None:
    user = await make_user("viewer")
    promoted = await client.put(f"{USERS}/{user['id']}/role", json={"role": "admin"}, headers=admin)
    assert promoted.json()["role"] == "admin"
    off = await client.post(f"{USERS}/{user['id']}/deactivate", headers=admin)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    missing = await client.post(f"{USERS}/424242/deactivate", headers=admin)
    assert missing.status_code == 404


async def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(
    client: httpx.AsyncClient, admin
) -> None:
    me = await _admin_id(client, admin)
    for method, path, body in (
        ("post", f"{USERS}/{me}/deactivate", None),
        ("put", f"{USERS}/{me}/role", {"role": "manager"}),
        ("patch", f"{USERS}/{me}", {"is_active": False}),
        ("patch", f"{USERS}/{me}", {"role": "viewer"}),
        ("patch", f"{USERS}/{me}", {"role": "admin", "is_active": False}),
    ):
        response = await client.request(method, path, json=body, headers=admin)
        assert response.status_code == 409, (method, path, body)
        assert response.json()["error"]["code"] == "last_admin"
    still = await client.get(f"{USERS}/{me}", headers=admin)
    assert still.json()["role"] == "admin"
    assert still.json()["is_active"] is True


async def test_an_admin_can_step_down_once_another_admin_is_active(
    client: httpx.AsyncClient, admin, make_user
) -> None:
    me = await _admin_id(client, admin)
    other = await make_user("admin")
    inactive_admin = await make_user("admin")
    assert (await client.post(f"{USERS}/{inactive_admin['id']}/deactivate", headers=admin)).status_code == 200
    demoted = await client.put(f"{USERS}/{me}/role", json={"role": "manager"}, headers=admin)
    assert demoted.status_code == 200
    # the inactive admin does not count: the other one is now the last
    login = await client.post(LOGIN, json={"username": other["username"], "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    last = await client.post(f"{USERS}/{other['id']}/deactivate", headers=other_headers)
    assert last.status_code == 409


async def test_reset_password_replaces_the_old_one(client: httpx.AsyncClient, admin, make_user) -> None:
    user = await make_user("staff")
    reset = await client.post(
        f"{USERS}/{user['id']}/password", json={"password": "brand-new-pass"}, headers=admin
    )
    assert reset.status_code == 200
    assert "password" not in reset.text
    old = await client.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": "brand-new-pass"}
    )
    assert new.status_code == 200
    short = await client.post(f"{USERS}/{user['id']}/password", json={"password": "x"}, headers=admin)
    assert short.status_code == 400


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
async def test_only_users_manage_may_touch_accounts(
    client: httpx.AsyncClient, auth_headers, make_user, role
) -> None:
    headers = await auth_headers(role)
    target = await make_user("viewer")
    for method, path, body in (
        ("get", USERS, None),
        ("post", USERS, {"username": "sneaky", "password": "sneaky-pass", "role": "admin"}),
        ("put", f"{USERS}/{target['id']}/role", {"role": "admin"}),
        ("post", f"{USERS}/{target['id']}/password", {"password": "takeover-pass"}),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (role, method, path)
        assert response.json()["error"]["code"] == "permission_denied"
