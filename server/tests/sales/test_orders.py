"""Orders: idempotent creation that takes stock out, reads with filters, permissions, bad input."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.models import AuditEntry, InventoryMovement, Order, Product
from fllc_server.sales.schemas import OrderCreate
from fllc_server.sales.service import OrderService
from sqlalchemy import func, select

ORDERS = "/api/v1/orders"


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


async def _on_hand(app: FastAPI, product_id: int) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id)))


async def _order_count(app: FastAPI) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Order)) or 0)


async def test_create_takes_stock_out(
    app: FastAPI, client: httpx.AsyncClient, manager, make_product, make_customer, shop
) -> None:
    mug = await make_product(price="4.00", stock=10)
    cap = await make_product(price="12.50", stock=3)
    customer = await make_customer("Ada")
    body = {
        "customer_id": customer,
        "items": [
            {"product_id": mug, "quantity": 3},
            {"product_id": cap, "quantity": 1, "unit_price": "10.00"},
        ],
    }
    response = await client.post(ORDERS, json=body, headers=manager)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["number"] == f"SO-{order['created_at'][:4]}-{order['id']:06d}"
    assert (order["status"], order["source"], order["customer_id"]) == ("placed", "manual", customer)
    assert order["total"] == "22.00"  # 3 x 4.00 + 1 x 10.00
    assert [(i["product_id"], i["quantity"], i["unit_price"], i["line_total"]) for i in order["items"]] == [
        (mug, 3, "4.00", "12.00"),
        (cap, 1, "10.00", "10.00"),
    ]
    assert order["items"][0]["sku"].startswith("SALE-")
    assert await _on_hand(app, mug) == 7
    assert await _on_hand(app, cap) == 2
    async with app.state.fllc.db.sessions() as session:
        sales = (
            await session.scalars(
                select(InventoryMovement)
                .where(InventoryMovement.reason == "sale")
                .order_by(InventoryMovement.id)
            )
        ).all()
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "order.create")
        )
    assert sorted((m.product_id, m.delta, m.order_id, m.location_id) for m in sales) == sorted(
        [(mug, -3, order["id"], shop), (cap, -1, order["id"], shop)]
    )
    assert audited == 1


async def test_the_same_external_ref_records_one_sale(app: FastAPI, client, manager, make_product) -> None:
    mug = await make_product(stock=10)
    body = {
        "source": "pos",
        "external_ref": "till-1/receipt-42",
        "items": [{"product_id": mug, "quantity": 2}],
    }
    first = await client.post(ORDERS, json=body, headers=manager)
    again = await client.post(ORDERS, json=body, headers=manager)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await _on_hand(app, mug) == 8
    other_source = await client.post(ORDERS, json={**body, "source": "web"}, headers=manager)
    assert other_source.status_code == 201
    assert other_source.json()["id"] != first.json()["id"]


async def test_the_same_idempotency_key_records_one_sale(app: FastAPI, client, manager, make_product) -> None:
    mug = await make_product(stock=10)
    headers = {**manager, "Idempotency-Key": "sale-key-00000001"}
    body = {"items": [{"product_id": mug, "quantity": 4}]}
    first = await client.post(ORDERS, json=body, headers=headers)
    again = await client.post(ORDERS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await _on_hand(app, mug) == 6
    assert await _order_count(app) == 1


async def test_the_service_is_idempotent_for_the_pos(app: FastAPI, make_product) -> None:
    """The POS integration calls the service in its own transactions."""
    mug = await make_product(stock=5)
    state = app.state.fllc
    sale = OrderCreate.model_validate(
        {
            "source": "pos",
            "external_ref": "R-1",
            "allow_negative_stock": True,
            "items": [{"product_id": mug, "quantity": 1}],
        }
    )
    results = []
    for _ in range(2):
        async with state.db.transaction() as session:
            results.append(
                await OrderService(session, state).create_order(sale, actor_id=None, op_id="pos-R-1")
            )
    assert [r.created for r in results] == [True, False]
    assert results[1].order == results[0].order
    assert await _on_hand(app, mug) == 4


async def test_selling_more_than_on_hand_is_409_and_records_nothing(
    app: FastAPI, client, manager, make_product
) -> None:
    mug = await make_product(stock=2)
    cap = await make_product(stock=5)
    body = {"items": [{"product_id": cap, "quantity": 1}, {"product_id": mug, "quantity": 3}]}
    response = await client.post(ORDERS, json=body, headers=manager)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"][0]["available"] == 2
    assert await _order_count(app) == 0
    assert await _on_hand(app, cap) == 5


async def test_a_sale_that_happened_may_take_stock_negative(
    app: FastAPI, client, manager, make_product
) -> None:
    mug = await make_product(stock=1)
    body = {"allow_negative_stock": True, "items": [{"product_id": mug, "quantity": 3}]}
    response = await client.post(ORDERS, json=body, headers=manager)
    assert response.status_code == 201, response.text
    assert await _on_hand(app, mug) == -2


async def test_price_defaults_to_the_product_price(client, manager, make_product) -> None:
    mug = await make_product(price="3.33", stock=3)
    response = await client.post(
        ORDERS, json={"items": [{"product_id": mug, "quantity": 3}]}, headers=manager
    )
    assert response.json()["total"] == "9.99"


async def test_list_and_get_with_filters(client, manager, make_product, make_customer) -> None:
    mug = await make_product(stock=10)
    ada = await make_customer("Ada")
    bob = await make_customer("Bob")
    made = []
    for customer, source in ((ada, "manual"), (bob, "pos"), (ada, "pos")):
        body = {"customer_id": customer, "source": source, "items": [{"product_id": mug, "quantity": 1}]}
        made.append((await client.post(ORDERS, json=body, headers=manager)).json())

    async def ids(**params) -> list[int]:
        response = await client.get(ORDERS, params=params, headers=manager)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["data"]]

    assert await ids() == [made[2]["id"], made[1]["id"], made[0]["id"]]  # newest first
    assert await ids(customer_id=ada) == [made[2]["id"], made[0]["id"]]
    assert await ids(source="pos", customer_id=ada) == [made[2]["id"]]
    assert await ids(status="placed") == await ids()
    assert await ids(status="cancelled") == []
    assert await ids(since="2000-01-01T00:00:00", until="2999-01-01T00:00:00Z") == await ids()
    assert await ids(since="2999-01-01T00:00:00Z") == []
    assert await ids(until="2000-01-01") == []
    got = await client.get(f"{ORDERS}/{made[1]['id']}", headers=manager)
    assert got.json() == made[1]
    page = (await client.get(ORDERS, params={"per_page": 2, "page": 2}, headers=manager)).json()
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}


# ---------------------------------------------------------------- bad input and permissions


async def test_unknown_references_are_404(client, manager, make_product) -> None:
    mug = await make_product(stock=5)
    gone = await make_product(deleted=True)
    cases = [
        ({"items": [{"product_id": 999999, "quantity": 1}]}, "product_not_found"),
        ({"items": [{"product_id": gone, "quantity": 1}]}, "product_not_found"),
        ({"customer_id": 999999, "items": [{"product_id": mug, "quantity": 1}]}, "customer_not_found"),
        ({"location_id": 999999, "items": [{"product_id": mug, "quantity": 1}]}, "location_not_found"),
    ]
    for body, code in cases:
        response = await client.post(ORDERS, json=body, headers=manager)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == code
    assert (await client.get(f"{ORDERS}/999999", headers=manager)).json()["error"][
        "code"
    ] == "order_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {},
        {"items": [{"product_id": 1, "quantity": 0}]},
        {"items": [{"product_id": 1, "quantity": -1}]},
        {"items": [{"product_id": 1, "quantity": 2.5}]},
        {"items": [{"product_id": 1, "quantity": 1, "unit_price": "-2.00"}]},
        {"items": [{"product_id": 1, "quantity": 1}], "source": "Till #1"},
        {"items": [{"product_id": 1, "quantity": 1}], "total": "0.00"},
        {"items": [{"product_id": 1, "quantity": 1}], "external_ref": ""},
    ],
)
async def test_bad_orders_are_400(client, manager, body) -> None:
    response = await client.post(ORDERS, json=body, headers=manager)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_an_absurd_total_is_400(app: FastAPI, client, manager, make_product) -> None:
    mug = await make_product(stock=1)
    body = {
        "allow_negative_stock": True,
        "items": [{"product_id": mug, "quantity": 1_000_000, "unit_price": "99999999.99"}],
    }
    response = await client.post(ORDERS, json=body, headers=manager)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "order_total_too_large"
    assert await _order_count(app) == 0


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("staff", 403), ("viewer", 403)]
)
async def test_reading_orders_needs_reports_generate(client, auth_headers, role, expected) -> None:
    headers = await auth_headers(role)
    assert (await client.get(ORDERS, headers=headers)).status_code == expected
    assert (await client.get(f"{ORDERS}/1", headers=headers)).status_code == (404 if expected == 200 else 403)


@pytest.mark.parametrize(("role", "expected"), [("manager", 201), ("staff", 403), ("viewer", 403)])
async def test_recording_an_order_needs_products_modify(
    client, auth_headers, make_product, role, expected
) -> None:
    mug = await make_product(stock=1)
    response = await client.post(
        ORDERS, json={"items": [{"product_id": mug, "quantity": 1}]}, headers=await auth_headers(role)
    )
    assert response.status_code == expected


async def test_anonymous_is_401(client) -> None:
    assert (await client.get(ORDERS)).status_code == 401


async def test_the_same_sale_sent_concurrently_takes_stock_once(
    app: FastAPI, client, manager, make_product
) -> None:
    mug = await make_product(stock=20)
    body = {
        "source": "pos",
        "external_ref": "till-2/receipt-7",
        "items": [{"product_id": mug, "quantity": 2}],
    }
    responses = await asyncio.gather(*(client.post(ORDERS, json=body, headers=manager) for _ in range(5)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, [r.text for r in responses]
    assert set(statuses) <= {200, 201, 409}
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "order_in_progress"
    assert await _order_count(app) == 1
    assert await _on_hand(app, mug) == 18


@pytest.mark.parametrize(("stock", "sold"), [(30, 30), (24, 24)])
async def test_thirty_concurrent_single_unit_orders_of_one_product_all_get_an_answer(
    app: FastAPI, client, manager, make_product, make_customer, stock, sold
) -> None:
    """A busy counter: 30 orders of one unit each at once. Every one is a sale (201) or, once the
    stock has run out, an honest 409 insufficient_stock — never a deadlock's 503."""
    mug = await make_product(stock=stock)
    customer = await make_customer("Walk-in")
    body = {"customer_id": customer, "items": [{"product_id": mug, "quantity": 1}]}
    responses = await asyncio.gather(*(client.post(ORDERS, json=body, headers=manager) for _ in range(30)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == sold, [r.text for r in responses if r.status_code != 201][:3]
    assert statuses.count(409) == 30 - sold, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "insufficient_stock"
    assert await _order_count(app) == sold
    assert await _on_hand(app, mug) == stock - sold
