"""Cached answers across server processes (two uvicorn processes on one MariaDB and Redis): an answer
computed by one is a hit on the other, and a write through either is visible on the very next read
through the other — although each keeps its own in-memory copy of the answers it served."""

from __future__ import annotations

import httpx

SEARCH = "/api/v1/products"


async def _headers(http: httpx.AsyncClient, user: dict) -> dict[str, str]:
    login = await http.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_answers_are_shared_and_a_write_on_one_server_is_seen_on_the_other(
    two_servers, make_user
) -> None:
    server_a, server_b = two_servers
    user = await make_user("admin")
    async with httpx.AsyncClient(base_url=server_a) as a, httpx.AsyncClient(base_url=server_b) as b:
        headers = await _headers(a, user)
        created = await a.post(
            SEARCH, json={"sku": "TWO-1", "name": "Twin widget", "price": "2.00"}, headers=headers
        )
        assert created.status_code == 201, created.text

        computed = await b.get(SEARCH, params={"q": "twin"}, headers=headers)
        shared = await a.get(SEARCH, params={"q": "twin"}, headers=headers)
        again_b = await b.get(SEARCH, params={"q": "twin"}, headers=headers)
        assert [r.headers["X-Cache"] for r in (computed, shared, again_b)] == ["miss", "hit", "hit"]
        assert shared.content == computed.content == again_b.content

        # Both processes now hold the answer in memory; a write through A must not leave B's copy
        # (or A's) answering.
        product = created.json()
        renamed = await a.patch(
            f"{SEARCH}/{product['id']}",
            json={"version": product["version"], "name": "Twin gadget"},
            headers=headers,
        )
        assert renamed.status_code == 200, renamed.text
        after_b = await b.get(SEARCH, params={"q": "twin"}, headers=headers)
        assert after_b.headers["X-Cache"] == "miss"
        assert [p["name"] for p in after_b.json()["data"]] == ["Twin gadget"]

        more = await b.post(
            SEARCH, json={"sku": "TWO-2", "name": "Twin bolt", "price": "1.00"}, headers=headers
        )
        assert more.status_code == 201, more.text
        after_a = await a.get(SEARCH, params={"q": "twin"}, headers=headers)
        assert sorted(p["sku"] for p in after_a.json()["data"]) == ["TWO-1", "TWO-2"]
