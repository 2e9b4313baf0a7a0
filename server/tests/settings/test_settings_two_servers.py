"""A settings change on one server process reaches the others at once (through the auth cache's
pub/sub channel): the token lifetime, the rate limit, the default location. Two real server
processes on one MariaDB and one Redis (`two_servers`, tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

PATIENCE = 20.0  # how long to wait for the message before the test fails (not a speed claim)


async def _eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    async with asyncio.timeout(PATIENCE):
        while not await check():  # noqa: ASYNC110 - polling another process over HTTP
            await asyncio.sleep(0.1)
    return True


async def _login(http: httpx.AsyncClient, user: dict[str, object]) -> httpx.Response:
    return await http.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
    )


async def test_settings_changed_on_server_a_apply_on_server_b(two_servers, make_user) -> None:
    server_a, server_b = two_servers
    admin, staff = await make_user("admin"), await make_user("staff")
    async with httpx.AsyncClient(base_url=server_a) as a, httpx.AsyncClient(base_url=server_b) as b:
        headers = {"Authorization": f"Bearer {(await _login(a, admin)).json()['access_token']}"}
        assert (await _login(b, staff)).json()["expires_in"] == 15 * 60
        location = await a.post("/api/v1/locations", json={"code": "DOCK", "name": "Dock"}, headers=headers)
        product = await a.post(
            "/api/v1/products", json={"sku": "TWO-1", "name": "W", "price": "1.00"}, headers=headers
        )
        assert location.status_code == product.status_code == 201

        changed = await a.patch(
            "/api/v1/settings",
            json={"access_token_minutes": 2, "default_location_id": location.json()["id"]},
            headers=headers,
        )
        assert changed.status_code == 200, changed.text

        async def short_tokens_on_b() -> bool:
            return bool((await _login(b, staff)).json()["expires_in"] == 120)

        assert await _eventually(short_tokens_on_b)
        staff_b = {"Authorization": f"Bearer {(await _login(b, staff)).json()['access_token']}"}
        intake = await b.post(
            "/api/v1/stock/intake", json={"product_id": product.json()["id"], "quantity": 2}, headers=staff_b
        )
        assert intake.status_code == 201, intake.text
        assert intake.json()["location_id"] == location.json()["id"]  # B's default location is A's new one

        limited = await a.patch("/api/v1/settings", json={"rate_limit": "5/minute"}, headers=headers)
        assert limited.status_code == 200, limited.text

        async def throttled_on_b() -> bool:
            return (await b.get("/api/v1/me", headers=staff_b)).status_code == 429

        assert await _eventually(throttled_on_b)
