"""Availability (on hand - reserved) in every product answer — search (cached, the search index
and the database path), detail, by-barcode, the sync pull — and still right right after an order
reserves units, a short pick or a cancel releases them: each reservation write drops the cached
answers and logs a product change."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fllc_server.models import Product

ORDERS = "/api/v1/orders"
BARCODE = "4006381333931"


async def _answers(
    client: httpx.AsyncClient, headers: dict[str, str], product_id: int, sku: str
) -> list[dict]:
    """The product as search (twice: the second may be the cached answer), detail and by-barcode
    give it."""
    found = []
    for _ in range(2):
        page = await client.get("/api/v1/products", params={"q": sku}, headers=headers)
        assert page.status_code == 200, page.text
        found += [p for p in page.json()["data"] if p["id"] == product_id]
    detail = await client.get(f"/api/v1/products/{product_id}", headers=headers)
    scanned = await client.get(f"/api/v1/products/by-barcode/{BARCODE}", headers=headers)
    return [*found, detail.json(), scanned.json()]


def _held(answers: list[dict]) -> set[tuple[int, int, int]]:
    return {(a["quantity_on_hand"], a["quantity_reserved"], a["quantity_available"]) for a in answers}


async def test_every_answer_follows_the_reservations(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager = await auth_headers("manager")
    viewer = await auth_headers("viewer")
    mug = await make_product(stock=10)
    async with app.state.fllc.db.transaction() as session:
        product = await session.get(Product, mug)
        assert product is not None
        product.barcode = BARCODE
        sku = product.sku
    await client.patch(f"/api/v1/products/{mug}", json={"name": "Mug", "version": 1}, headers=manager)
    assert _held(await _answers(client, viewer, mug, sku)) == {(10, 0, 10)}

    order = (
        await client.post(
            ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 3}]}, headers=manager
        )
    ).json()
    assert _held(await _answers(client, viewer, mug, sku)) == {(10, 3, 7)}
    second = await client.post(
        ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 2}]}, headers=manager
    )
    assert second.status_code == 201
    assert _held(await _answers(client, viewer, mug, sku)) == {(10, 5, 5)}

    cancelled = await client.post(
        f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}, headers=manager
    )
    assert cancelled.status_code == 200, cancelled.text
    assert _held(await _answers(client, viewer, mug, sku)) == {(10, 2, 8)}

    edited = await client.patch(
        f"/api/v1/products/{mug}", json={"price": "6.00", "version": 2}, headers=manager
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["quantity_reserved"], edited.json()["quantity_available"]) == (2, 8)

    pulled = await client.get("/api/v1/sync/changes", params={"since": 0}, headers=viewer)
    assert pulled.status_code == 200, pulled.text
    mine = [
        c for c in pulled.json()["changes"] if c.get("entity_type") == "product" and c.get("entity_id") == mug
    ]
    assert mine[-1]["data"]["quantity_available"] == 8
