"""/api/v1/settings: readable by every role, written with system.configure, every key typed."""

from __future__ import annotations

import httpx
import pytest

SETTINGS = "/api/v1/settings"


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
async def test_every_role_reads_the_settings(client: httpx.AsyncClient, auth_headers, role) -> None:
    response = await client.get(SETTINGS, headers=await auth_headers(role))
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "USD"
    assert body["company_name"] == "FLLC Warehouse"
    assert body["default_low_stock_threshold"] == 10
    assert body["default_location_id"] is None


async def test_reading_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    assert (await client.get(SETTINGS)).status_code == 401


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
async def test_only_system_configure_writes(client: httpx.AsyncClient, auth_headers, role) -> None:
    headers = await auth_headers(role)
    response = await client.patch(SETTINGS, json={"company_name": "Mine now"}, headers=headers)
    assert response.status_code == 403
    assert (await client.put(SETTINGS, json={"currency": "EUR"}, headers=headers)).status_code == 403
    assert (await client.get(SETTINGS, headers=headers)).json()["company_name"] == "FLLC Warehouse"


async def test_an_admin_changes_a_subset_and_it_persists(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    response = await client.patch(
        SETTINGS,
        json={
            "company_name": "Harbor Supply Co.",
            "currency": "EUR",
            "default_low_stock_threshold": 0,
            "over_receipt_tolerance_percent": "2.5",
            "refuse_expired_goods": True,
            "near_expiry_days": 14,
            "allow_backorders": True,
        },
        headers=admin,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["company_name"] == "Harbor Supply Co."
    assert body["currency"] == "EUR"
    assert body["default_low_stock_threshold"] == 0
    assert float(body["over_receipt_tolerance_percent"]) == 2.5
    assert body["refuse_expired_goods"] is True
    assert body["near_expiry_days"] == 14
    assert body["allow_backorders"] is True
    assert body["rate_limit"] == "100000/minute"  # untouched keys keep their values
    again = await client.put(SETTINGS, json={"refresh_token_days": 30}, headers=admin)
    assert again.status_code == 200
    stored = (await client.get(SETTINGS, headers=admin)).json()
    assert stored["company_name"] == "Harbor Supply Co."
    assert stored["refresh_token_days"] == 30


@pytest.mark.parametrize(
    "body",
    [
        {"currency": "usd"},
        {"currency": "EURO"},
        {"currency": 978},
        {"default_low_stock_threshold": -1},
        {"default_low_stock_threshold": 10**9},
        {"default_low_stock_threshold": "many"},
        {"rate_limit": "lots"},
        {"rate_limit": "10 per fortnight"},
        {"rate_limit": "0/minute"},
        {"access_token_minutes": 60},
        {"refresh_token_days": 0},
        {"over_receipt_tolerance_percent": "-1"},
        {"over_receipt_tolerance_percent": "1.234"},
        {"refuse_expired_goods": "maybe"},
        {"refuse_expired_goods": 1},
        {"refuse_expired_goods": None},
        {"allow_backorders": "yes"},
        {"allow_backorders": None},
        {"near_expiry_days": -1},
        {"near_expiry_days": 5000},
        {"company_name": ""},
        {"company_name": "c" * 201},
        {"company_name": None},
        {"currency": None},
        {"rate_limit": None},
        {"default_location_id": 0},
        {"favourite_colour": "teal"},
    ],
)
async def test_invalid_settings_are_400_and_change_nothing(
    client: httpx.AsyncClient, auth_headers, body
) -> None:
    admin = await auth_headers("admin")
    before = (await client.get(SETTINGS, headers=admin)).json()
    response = await client.patch(SETTINGS, json=body, headers=admin)
    assert response.status_code == 400, body
    assert response.json()["error"]["code"] == "validation_error"
    assert (await client.get(SETTINGS, headers=admin)).json() == before


async def test_default_location_may_be_cleared(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    assert (await client.patch(SETTINGS, json={"default_location_id": 3}, headers=admin)).status_code == 200
    cleared = await client.patch(SETTINGS, json={"default_location_id": None}, headers=admin)
    assert cleared.status_code == 200
    assert cleared.json()["default_location_id"] is None


async def test_the_rate_limit_changes_at_runtime_after_a_write(
    client: httpx.AsyncClient, auth_headers
) -> None:
    admin = await auth_headers("admin")
    statuses = [(await client.get(SETTINGS, headers=admin)).status_code for _ in range(8)]
    assert statuses == [200] * 8
    assert (await client.patch(SETTINGS, json={"rate_limit": "5/minute"}, headers=admin)).status_code == 200
    responses = [await client.get("/api/v1/me", headers=admin) for _ in range(8)]
    statuses = [r.status_code for r in responses]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    assert int(responses[-1].headers["Retry-After"]) >= 1
    assert responses[-1].json()["error"]["code"] == "rate_limited"


async def test_token_lifetimes_apply_to_the_next_login(
    client: httpx.AsyncClient, auth_headers, make_user, login
) -> None:
    admin = await auth_headers("admin")
    await client.patch(SETTINGS, json={"access_token_minutes": 5}, headers=admin)
    user = await make_user("viewer")
    assert (await login(user["username"]))["expires_in"] == 300
