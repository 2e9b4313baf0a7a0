"""The order lifecycle: reservations at placement (available = on hand - reserved), taken out when
shipped, released on cancel, returns per line; counter sales leave stock at once; the history;
who may do what; and the last units sold or reserved by many at once."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from fllc_server.models import Product
from sqlalchemy import select

ORDERS = "/api/v1/orders"


async def _on_hand(app: FastAPI, product_id: int) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(
            await session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id)) or 0
        )


async def _available(client: httpx.AsyncClient, headers: dict[str, str], product_id: int) -> dict:
    response = await client.get("/api/v1/availability", params={"product_id": product_id}, headers=headers)
    assert response.status_code == 200, response.text
    [row] = response.json()
    return row


async def test_an_order_reserves_ships_and_its_history_says_who(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager = await auth_headers("manager")
    staff = await auth_headers("staff")
    mug = await make_product(stock=10)
    made = await client.post(
        ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 4}]}, headers=manager
    )
    assert made.status_code == 201, made.text
    order = made.json()
    assert (order["channel"], order["status"]) == ("order", "placed")
    assert await _on_hand(app, mug) == 10
    assert await _available(client, staff, mug) == {
        "product_id": mug,
        "on_hand": 10,
        "reserved": 4,
        "available": 6,
        "backordered": 0,
    }

    for status in ("picking", "packed", "shipped"):
        moved = await client.post(
            f"{ORDERS}/{order['id']}/fulfilment", json={"status": status}, headers=staff
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    assert await _on_hand(app, mug) == 6
    assert await _available(client, staff, mug) == {
        "product_id": mug,
        "on_hand": 6,
        "reserved": 0,
        "available": 6,
        "backordered": 0,
    }

    again = await client.post(f"{ORDERS}/{order['id']}/fulfilment", json={"status": "shipped"}, headers=staff)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"

    history = await client.get(f"{ORDERS}/{order['id']}/history", headers=manager)
    assert [(h["from_status"], h["to_status"]) for h in history.json()] == [
        (None, "placed"),
        ("placed", "picking"),
        ("picking", "packed"),
        ("packed", "shipped"),
    ]
    assert all(h["actor_id"] is not None for h in history.json())

    returned = await client.post(
        f"{ORDERS}/{order['id']}/return",
        json={"lines": [{"item_id": order["items"][0]["id"], "quantity": 3, "disposition": "restock"}]},
        headers=manager,
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert await _on_hand(app, mug) == 9


async def test_cancelling_releases_the_reservation(
    client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager = await auth_headers("manager")
    mug = await make_product(stock=5)
    order = (
        await client.post(
            ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 5}]}, headers=manager
        )
    ).json()
    more = await client.post(
        ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 1}]}, headers=manager
    )
    assert more.status_code == 409
    assert more.json()["error"]["code"] == "insufficient_stock"
    cancelled = await client.post(
        f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}, headers=manager
    )
    assert cancelled.status_code == 200
    assert (await _available(client, manager, mug))["available"] == 5
    after = await client.post(
        f"{ORDERS}/{order['id']}/fulfilment", json={"status": "picking"}, headers=manager
    )
    assert after.status_code == 409


async def test_a_counter_sale_leaves_stock_at_once_and_returns_per_line(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager = await auth_headers("manager")
    mug = await make_product(stock=5)
    cap = await make_product(stock=5)
    order = (
        await client.post(
            ORDERS,
            json={"items": [{"product_id": mug, "quantity": 2}, {"product_id": cap, "quantity": 2}]},
            headers=manager,
        )
    ).json()
    assert order["channel"] == "counter"
    assert await _on_hand(app, mug) == 3
    picking = await client.post(
        f"{ORDERS}/{order['id']}/fulfilment", json={"status": "picking"}, headers=manager
    )
    assert picking.status_code == 409
    lines = {i["product_id"]: i["id"] for i in order["items"]}
    returned = await client.post(
        f"{ORDERS}/{order['id']}/return",
        json={
            "lines": [
                {"item_id": lines[mug], "quantity": 2, "disposition": "restock"},
                {"item_id": lines[cap], "quantity": 1, "disposition": "damaged"},
            ]
        },
        headers=manager,
    )
    assert returned.status_code == 200, returned.text
    assert await _on_hand(app, mug) == 5
    assert await _on_hand(app, cap) == 3
    too_many = await client.post(
        f"{ORDERS}/{order['id']}/return",
        json={"lines": [{"item_id": lines[mug], "quantity": 1, "disposition": "restock"}]},
        headers=manager,
    )
    assert too_many.status_code == 409  # returned already


async def test_who_may_move_an_order(client: httpx.AsyncClient, auth_headers, make_product) -> None:
    manager = await auth_headers("manager")
    staff = await auth_headers("staff")
    viewer = await auth_headers("viewer")
    mug = await make_product(stock=5)
    order = (
        await client.post(
            ORDERS, json={"channel": "order", "items": [{"product_id": mug, "quantity": 1}]}, headers=manager
        )
    ).json()
    assert (
        await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}, headers=staff)
    ).status_code == 403
    assert (
        await client.post(f"{ORDERS}/{order['id']}/fulfilment", json={"status": "picking"}, headers=viewer)
    ).status_code == 403
    assert (await client.get(f"{ORDERS}/{order['id']}/history", headers=staff)).status_code == 403
    bad = await client.post(f"{ORDERS}/{order['id']}/fulfilment", json={"status": "flying"}, headers=staff)
    assert bad.status_code == 400


async def test_a_hundred_concurrent_sales_of_the_last_ten_units(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    """Counter sales and reservations alike: exactly 10 of 100 succeed, the rest are refused with
    insufficient_stock, and on hand never goes below zero. With back-orders allowed, every order to
    ship is placed: exactly 10 units reserved, 90 back-ordered, on hand untouched."""
    manager = await auth_headers("manager")
    for channel, product in (
        ("counter", await make_product(stock=10)),
        ("order", await make_product(stock=10)),
    ):
        body = {"channel": channel, "items": [{"product_id": product, "quantity": 1}]}
        answers = await asyncio.gather(*(client.post(ORDERS, json=body, headers=manager) for _ in range(100)))
        codes = sorted(a.status_code for a in answers)
        refused = [a for a in answers if a.status_code != 201]
        assert codes.count(201) == 10, (channel, codes)
        assert {a.status_code for a in refused} <= {409, 503}, channel
        assert sum(1 for a in refused if a.status_code == 409) >= 1
        left = await _available(client, manager, product)
        assert left["available"] == 0, channel
        assert left["backordered"] == 0, channel
        assert left["on_hand"] == (0 if channel == "counter" else 10)

    product = await make_product(stock=10)
    body = {"channel": "order", "allow_backorder": True, "items": [{"product_id": product, "quantity": 1}]}
    answers = await asyncio.gather(*(client.post(ORDERS, json=body, headers=manager) for _ in range(100)))
    assert [a.status_code for a in answers] == [201] * 100, sorted(a.text for a in answers if a.is_error)
    placed = [a.json() for a in answers]
    waiting = sorted(o["backordered_quantity"] for o in placed)
    assert waiting == [0] * 10 + [1] * 90
    assert await _available(client, manager, product) == {
        "product_id": product,
        "on_hand": 10,
        "reserved": 10,
        "available": 0,
        "backordered": 90,
    }
    assert await _on_hand(app, product) == 10
    first_ten = sorted(o["id"] for o in placed)[:10]  # reserved in the order they were placed
    assert sorted(o["id"] for o in placed if o["backordered_quantity"] == 0) == first_ten
