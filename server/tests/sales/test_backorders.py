"""Back-orders (sales.backorders): an order to ship beyond what is available keeps the available part
reserved and back-orders the rest when allowed (the setting, or the order's own flag); arrivals —
a purchase order receipt, an intake, an adjustment up, a return — allocate them oldest order first
by a job after the commit; a cancel releases reservations and back-orders; the allocation is
idempotent and safe when run concurrently. Jobs run in the app (on Redis too) so arrivals allocate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.models import Job, OrderItem, Product, StockLevel, StockReservation
from fllc_server.sales.backorders import ALLOCATE_JOB, BackorderAllocation
from fllc_server.stock.service import StockService
from sqlalchemy import func, select

ORDERS = "/api/v1/orders"


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"jobs_in_process": True, "jobs_scheduler": True, "jobs_tick_seconds": 0.2}
    )


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


async def _allow_backorders(client: httpx.AsyncClient, auth_headers, allowed: bool) -> None:
    admin = await auth_headers("admin")
    answer = await client.patch("/api/v1/settings", json={"allow_backorders": allowed}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["allow_backorders"] is allowed


async def _order(
    client: httpx.AsyncClient, headers: dict[str, str], product: int, quantity: int, **extra: Any
) -> httpx.Response:
    body = {"channel": "order", "items": [{"product_id": product, "quantity": quantity}], **extra}
    return await client.post(ORDERS, json=body, headers=headers)


async def _get(client: httpx.AsyncClient, headers: dict[str, str], order_id: int) -> dict[str, Any]:
    answer = await client.get(f"{ORDERS}/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _availability(client: httpx.AsyncClient, headers: dict[str, str], product: int) -> dict[str, int]:
    answer = await client.get("/api/v1/availability", params={"product_id": product}, headers=headers)
    assert answer.status_code == 200, answer.text
    [row] = answer.json()
    return dict(row)


async def _reserved_by_item(app: FastAPI, product: int) -> dict[int, int]:
    async with app.state.fllc.db.sessions() as session:
        rows = await session.execute(
            select(StockReservation.order_item_id, StockReservation.quantity).where(
                StockReservation.product_id == product
            )
        )
        return {int(item): int(quantity) for item, quantity in rows.all()}


async def _min_level(app: FastAPI, product: int) -> int:
    async with app.state.fllc.db.sessions() as session:
        levels = [
            int(q)
            for q in await session.scalars(
                select(StockLevel.quantity).where(StockLevel.product_id == product)
            )
        ]
        on_hand = await session.scalar(select(Product.quantity_on_hand).where(Product.id == product))
    return min([*levels, int(on_hand or 0)])


async def _allocation_jobs(app: FastAPI) -> list[Job]:
    async with app.state.fllc.db.sessions() as session:
        return list(await session.scalars(select(Job).where(Job.kind == ALLOCATE_JOB).order_by(Job.id)))


async def _until(check: Callable[[], Awaitable[bool]], what: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _jobs_settled(app: FastAPI) -> bool:
    jobs = await _allocation_jobs(app)
    return bool(jobs) and all(job.status in ("succeeded", "failed") for job in jobs if job.dedupe_key is None)


async def _waiting(client: httpx.AsyncClient, headers: dict[str, str], order_ids: list[int]) -> list[int]:
    return [(await _get(client, headers, order_id))["backordered_quantity"] for order_id in order_ids]


async def test_an_order_beyond_what_is_available_is_back_ordered_only_when_allowed(
    client: httpx.AsyncClient, auth_headers, manager, make_product
) -> None:
    staff = await auth_headers("staff")
    mug = await make_product(stock=5)

    refused = await _order(client, manager, mug, 8)  # the default: no back-orders
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "insufficient_stock"
    assert (await _order(client, manager, mug, 8, allow_backorder=True)).status_code == 201

    await _allow_backorders(client, auth_headers, True)
    own_flag = await _order(client, manager, mug, 1, allow_backorder=False)  # the order's flag wins
    assert own_flag.status_code == 409, own_flag.text
    counter = await client.post(
        ORDERS,
        json={"channel": "counter", "allow_backorder": True, "items": [{"product_id": mug, "quantity": 1}]},
        headers=manager,
    )
    assert counter.status_code == 400, counter.text
    assert set(counter.json()) == {"error"}
    assert counter.json()["error"]["code"] == "backorder_counter_sale"

    second = await _order(client, manager, mug, 2)  # the first order waits for 3: nothing is free
    assert second.status_code == 201, second.text
    order = second.json()
    assert order["backordered_quantity"] == 2
    assert [(i["quantity"], i["backordered_quantity"]) for i in order["items"]] == [(2, 2)]
    assert await _availability(client, staff, mug) == {
        "product_id": mug,
        "on_hand": 5,
        "reserved": 5,
        "available": 0,
        "backordered": 5,
    }
    listed = await client.get(ORDERS, params={"status": "placed"}, headers=manager)
    assert sorted(o["backordered_quantity"] for o in listed.json()["data"]) == [2, 3]

    # not pickable while it waits: not on the pick list, picking refused with the uniform body
    paid = await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "paid"}, headers=manager)
    assert paid.status_code == 200, paid.text
    picks = await client.get("/api/v1/picking", headers=staff)
    assert picks.status_code == 200, picks.text
    assert order["id"] not in [o["id"] for o in picks.json()]
    for answer in (
        await client.post(f"{ORDERS}/{order['id']}/fulfilment", json={"status": "picking"}, headers=staff),
        await client.post(
            f"{ORDERS}/{order['id']}/pick", json={"item_id": order["items"][0]["id"]}, headers=staff
        ),
    ):
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "order_backordered"
        assert answer.json()["error"]["details"] == [{"order_id": order["id"], "backordered_quantity": 2}]


async def test_arrivals_allocate_oldest_order_first_and_partial_arrivals_fill_in_order(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, manager, make_product, shop
) -> None:
    await _allow_backorders(client, auth_headers, True)
    staff = await auth_headers("staff")
    supplier = await client.post("/api/v1/suppliers", json={"name": "Acme"}, headers=manager)
    mug = await make_product(stock=1)
    other = await make_product(stock=0)
    first, second, third = [(await _order(client, manager, mug, n)).json() for n in (3, 2, 4)]
    assert [o["backordered_quantity"] for o in (first, second, third)] == [2, 2, 4]
    ids = [first["id"], second["id"], third["id"]]

    # an arrival of a product nobody waits for submits no allocation
    async with app.state.fllc.db.transaction() as session:
        await StockService(session, app.state.fllc, actor_id=None).move(other, shop, 5, "intake")
    assert [j for j in await _allocation_jobs(app) if j.dedupe_key is None] == []

    # a purchase order receipt of 3: the oldest order is served in full, the next in part
    po = await client.post(
        "/api/v1/purchase-orders",
        json={"supplier_id": supplier.json()["id"], "lines": [{"product_id": mug, "ordered_quantity": 3}]},
        headers=manager,
    )
    assert po.status_code == 201, po.text
    assert (
        await client.post(f"/api/v1/purchase-orders/{po.json()['id']}/submit", headers=manager)
    ).is_success
    received = await client.post(
        f"/api/v1/purchase-orders/{po.json()['id']}/receive",
        json={"lines": [{"line_id": po.json()["lines"][0]["id"], "quantity": 3}]},
        headers=staff,
    )
    assert received.status_code == 200, received.text

    async def served() -> bool:
        return await _waiting(client, manager, ids) == [0, 1, 4]

    await _until(served, "the receipt allocated oldest first")
    pick_list = [o["id"] for o in (await client.get("/api/v1/picking", headers=staff)).json()]
    assert first["id"] not in pick_list  # placed, not paid: ready to pick once paid
    assert (
        await client.post(f"{ORDERS}/{first['id']}/status", json={"status": "paid"}, headers=manager)
    ).status_code == 200
    assert first["id"] in [o["id"] for o in (await client.get("/api/v1/picking", headers=staff)).json()]

    # an adjustment up of 2: the second order's last unit, then one for the third
    adjusted = await client.post(
        "/api/v1/stock/adjustments",
        json={"product_id": mug, "location_id": shop, "delta": 2, "reason_code": "found"},
        headers=manager,
    )
    assert adjusted.status_code in (200, 201), adjusted.text

    async def then_served() -> bool:
        return await _waiting(client, manager, ids) == [0, 0, 3]

    await _until(then_served, "the adjustment allocated the next in line")
    assert await _availability(client, staff, mug) == {
        "product_id": mug,
        "on_hand": 6,
        "reserved": 6,
        "available": 0,
        "backordered": 3,
    }
    # a return of the first order's units (restock) is an arrival too
    async with app.state.fllc.db.transaction() as session:
        await StockService(session, app.state.fllc, actor_id=None).move(mug, shop, 3, "return")

    async def all_served() -> bool:
        return await _waiting(client, manager, ids) == [0, 0, 0]

    await _until(all_served, "the return allocated the last order")
    reserved = await _reserved_by_item(app, mug)
    assert [reserved[o["items"][0]["id"]] for o in (first, second, third)] == [3, 2, 4]
    assert await _min_level(app, mug) >= 0


async def test_a_cancel_releases_reservations_and_back_orders_and_the_released_units_go_to_the_next(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, manager, make_product, shop
) -> None:
    await _allow_backorders(client, auth_headers, True)
    mug = await make_product(stock=4)
    first = (await _order(client, manager, mug, 6)).json()  # 4 reserved, 2 waiting
    second = (await _order(client, manager, mug, 3)).json()  # 3 waiting
    cancelled = await client.post(
        f"{ORDERS}/{first['id']}/status", json={"status": "cancelled"}, headers=manager
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["backordered_quantity"] == 0

    async def second_served() -> bool:
        return (await _get(client, manager, second["id"]))["backordered_quantity"] == 0

    await _until(second_served, "the released units allocated to the waiting order")
    assert await _reserved_by_item(app, mug) == {second["items"][0]["id"]: 3}
    assert (await _availability(client, manager, mug))["backordered"] == 0

    # a cancelled order waits for nothing: a later arrival does not go to it
    third = (await _order(client, manager, mug, 5)).json()  # 1 reserved, 4 waiting
    assert third["backordered_quantity"] == 4
    assert (
        await client.post(f"{ORDERS}/{third['id']}/status", json={"status": "cancelled"}, headers=manager)
    ).status_code == 200
    async with app.state.fllc.db.transaction() as session:
        await StockService(session, app.state.fllc, actor_id=None).move(mug, shop, 5, "intake")
    await _until(lambda: _jobs_settled(app), "the allocation jobs finished")
    assert await _reserved_by_item(app, mug) == {second["items"][0]["id"]: 3}
    assert await _availability(client, manager, mug) == {
        "product_id": mug,
        "on_hand": 9,
        "reserved": 3,
        "available": 6,
        "backordered": 0,
    }


async def test_the_allocation_run_twice_or_at_once_allocates_each_unit_once(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, manager, make_product, shop
) -> None:
    await _allow_backorders(client, auth_headers, True)
    mug = await make_product(stock=0)
    orders = [(await _order(client, manager, mug, 1)).json() for _ in range(20)]
    assert all(o["backordered_quantity"] == 1 for o in orders)
    events: list[dict[str, Any]] = []
    state = app.state.fllc

    async with state.events.live() as queue:
        async with state.db.transaction() as session:  # 10 arrive; the after-commit job allocates
            await StockService(session, state, actor_id=None).move(mug, shop, 10, "intake")
        runs = await asyncio.gather(*(BackorderAllocation(state).run([mug]) for _ in range(3)))
        await _until(lambda: _jobs_settled(app), "the allocation job finished")
        while not queue.empty():
            message = json.loads(queue.get_nowait())
            if message["type"] == "order.allocated":
                events.append(message)

    again = await BackorderAllocation(state).run([mug])  # nothing left to do
    assert again == {"allocated": 0, "orders_ready": []}
    [job] = [j for j in await _allocation_jobs(app) if j.dedupe_key is None]
    assert job.status == "succeeded"
    by_job = int(job.result["allocated"])
    assert by_job + sum(r["allocated"] for r in runs) == 10  # each unit allocated by exactly one run
    waiting = await _waiting(client, manager, [o["id"] for o in orders])
    assert waiting == [0] * 10 + [1] * 10  # oldest first
    assert sorted((await _reserved_by_item(app, mug)).values()) == [1] * 10
    assert sorted(e["data"]["id"] for e in events) == sorted(o["id"] for o in orders[:10])
    assert all(e["entity_type"] == "order" and e["data"]["pickable"] for e in events)
    async with state.db.sessions() as session:
        assert (
            await session.scalar(
                select(func.sum(OrderItem.backordered_quantity)).where(OrderItem.product_id == mug)
            )
            == 10
        )


async def test_the_sweep_allocates_units_a_short_pick_released(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, manager, make_product
) -> None:
    """A short pick releases its reservation without an arrival: the periodic sweep (the job without
    product ids) gives the units to the order waiting for them."""
    await _allow_backorders(client, auth_headers, True)
    staff = await auth_headers("staff")
    mug = await make_product(stock=3)
    first = (await _order(client, manager, mug, 3)).json()
    second = (await _order(client, manager, mug, 2)).json()
    assert second["backordered_quantity"] == 2
    short = await client.post(
        f"{ORDERS}/{first['id']}/pick",
        json={"item_id": first["items"][0]["id"], "quantity": 2, "short_reason": "not on the shelf"},
        headers=staff,
    )
    assert short.status_code == 200, short.text
    assert (await _availability(client, manager, mug))["available"] == 2
    swept = await BackorderAllocation(app.state.fllc).run(None)
    assert swept == {"allocated": 2, "orders_ready": [second["id"]]}
    assert (await _get(client, manager, second["id"]))["backordered_quantity"] == 0
    assert await BackorderAllocation(app.state.fllc).run(None) == {"allocated": 0, "orders_ready": []}


async def test_arrivals_cancels_new_orders_and_allocations_at_once_keep_the_books_whole(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, manager, make_product, shop
) -> None:
    """Everything that touches a product's back-orders at once — arrivals, cancels, new orders that
    back-order, allocation runs — answers every request (no deadlock, no lock timeout) and leaves
    each open line reserved + back-ordered == its quantity, reserved <= on hand, nothing held for a
    cancelled order, and oldest orders served first: none served past the first that waits."""
    await _allow_backorders(client, auth_headers, True)
    state = app.state.fllc
    mug = await make_product(stock=0)
    waiting = [(await _order(client, manager, mug, 2)).json() for _ in range(12)]

    async def arrive() -> None:
        async with state.db.transaction(read_committed=True) as session:
            await StockService(session, state, actor_id=None).move(mug, shop, 3, "intake")

    async def cancel(order: dict[str, Any]) -> httpx.Response:
        return await client.post(
            f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}, headers=manager
        )

    results = await asyncio.gather(
        *(arrive() for _ in range(5)),
        *(cancel(o) for o in waiting[::4]),
        *(_order(client, manager, mug, 1) for _ in range(6)),
        *(BackorderAllocation(state).run([mug]) for _ in range(3)),
    )
    answers = [r for r in results if isinstance(r, httpx.Response)]
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers if a.is_error]
    await _until(lambda: _jobs_settled(app), "the allocation jobs finished")
    await BackorderAllocation(state).run([mug])

    async with state.db.sessions() as session:
        rows = (
            await session.execute(
                select(OrderItem.order_id, OrderItem.quantity, OrderItem.backordered_quantity)
                .where(OrderItem.product_id == mug)
                .order_by(OrderItem.order_id)
            )
        ).all()
    held = await _reserved_by_item(app, mug)
    cancelled = {o["id"] for o in waiting[::4]}
    lines: list[tuple[int, int, int]] = []
    for order_id, quantity, backordered in rows:
        order = await _get(client, manager, int(order_id))
        reserved = held.get(order["items"][0]["id"], 0)
        if order_id in cancelled:
            assert (reserved, backordered) == (0, 0)
            continue
        assert reserved + backordered == quantity, order
        lines.append((int(order_id), reserved, int(backordered)))
    assert sum(held.values()) == 15  # 5 arrivals of 3: every unit is reserved, none twice
    assert (await _availability(client, manager, mug))["on_hand"] == 15
    first_short = next(i for i, (_o, _r, backordered) in enumerate(lines) if backordered)
    assert all(backordered == 0 for _o, _r, backordered in lines[:first_short])  # oldest first:
    assert all(reserved == 0 for _o, reserved, _b in lines[first_short + 1 :])  # none served past it
    assert await _min_level(app, mug) >= 0
