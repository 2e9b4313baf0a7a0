"""Concurrent movements of one product lose no update, and the books still balance."""

from __future__ import annotations

import asyncio

CONCURRENT = 50


async def test_fifty_concurrent_intakes_lose_no_update(
    backend, client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = await auth_headers("staff")
    locations = [warehouse.main, warehouse.back]

    async def intake(n: int):
        return await client.post(
            "/api/v1/stock/intake",
            json={"product_id": warehouse.widget, "location_id": locations[n % 2], "quantity": n + 1},
            headers=headers,
        )

    responses = await asyncio.gather(*(intake(n) for n in range(CONCURRENT)))

    assert [r.status_code for r in responses] == [201] * CONCURRENT, [
        r.text for r in responses if r.status_code != 201
    ]
    expected = CONCURRENT * (CONCURRENT + 1) // 2
    levels = await client.get(f"/api/v1/stock/levels?product_id={warehouse.widget}", headers=headers)
    assert levels.json()["quantity_on_hand"] == expected
    # Each answer saw its own movement applied on top of the ones before it.
    assert max(r.json()["quantity_on_hand"] for r in responses) == expected
    assert len({r.json()["quantity_on_hand"] for r in responses}) == CONCURRENT
    await assert_stock_invariant()


async def test_concurrent_transfers_never_overdraw_a_location(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = await auth_headers("staff")
    await client.post(
        "/api/v1/stock/intake",
        json={"product_id": warehouse.widget, "location_id": warehouse.main, "quantity": 10},
        headers=headers,
    )
    body = {
        "product_id": warehouse.widget,
        "from_location_id": warehouse.main,
        "to_location_id": warehouse.back,
        "quantity": 3,
    }

    responses = await asyncio.gather(
        *(client.post("/api/v1/stock/transfers", json=body, headers=headers) for _ in range(8))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 5
    levels = await client.get(f"/api/v1/stock/levels?product_id={warehouse.widget}", headers=headers)
    by_code = {lvl["location_code"]: lvl["quantity"] for lvl in levels.json()["levels"]}
    assert by_code == {"MAIN": 1, "BACK": 9}
    await assert_stock_invariant()
