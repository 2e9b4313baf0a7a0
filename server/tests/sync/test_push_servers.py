"""Exactly once across processes: the same batch pushed at once through two real uvicorn servers
on one MariaDB applies every op once (the other answer is `duplicate` with the same result).
`two_servers`: tests/conftest.py."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fllc_server.models import AppliedOp, InventoryMovement, Product
from sqlalchemy import func, select

OPS = 300


async def test_one_batch_pushed_through_two_servers_at_once_applies_once(
    app, two_servers, make_user, warehouse, assert_stock_invariant
) -> None:
    user = await make_user("staff")
    products = [warehouse.widget, warehouse.gadget]
    batch = [
        {
            "op_id": str(uuid.uuid4()),
            "kind": "stock.intake",
            "payload": {"product_id": products[n % 2], "quantity": n % 7 + 1},
            "created_at": "2030-05-01T08:00:00Z",
        }
        for n in range(OPS)
    ]

    async with httpx.AsyncClient(base_url=two_servers[0], timeout=120) as http:
        credentials = {"username": user["username"], "password": user["password"]}
        login = await http.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def push_through(base: str) -> list[dict]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            for _ in range(5):  # as a device does: a push refused whole (409) is pushed again
                response = await http.post(
                    "/api/v1/sync/push", json={"device_id": "tablet", "ops": batch}, headers=headers
                )
                if response.status_code != 409:
                    break
            assert response.status_code == 200, response.text
            results: list[dict] = response.json()["results"]
            return results

    first, second = await asyncio.gather(*(push_through(base) for base in two_servers))

    for a, b in zip(first, second, strict=True):
        assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"], (a, b)
        assert a["result"] == b["result"]
    async with app.state.fllc.db.sessions() as session:
        movements = await session.scalar(select(func.count()).select_from(InventoryMovement))
        records = await session.scalar(select(func.count()).select_from(AppliedOp))
        on_hand = await session.scalar(select(func.sum(Product.quantity_on_hand)))
    assert (movements, records) == (OPS, OPS)
    assert on_hand == sum(n % 7 + 1 for n in range(OPS))
    await assert_stock_invariant()
