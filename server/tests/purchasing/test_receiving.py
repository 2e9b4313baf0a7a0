"""Receiving against purchase orders: intake movements per line, status, tolerance, exactly once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import permissions_for
from fllc_server.models import Change, InventoryMovement, Product, StockLevel, User
from fllc_server.purchasing.schemas import ReceiveRequest
from fllc_server.sync.kinds import execute_command
from sqlalchemy import func, select

PO = "/api/v1/purchase-orders"


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


@pytest.fixture
async def staff(auth_headers) -> dict[str, str]:
    return await auth_headers("staff")


@pytest.fixture
async def dock(make_location) -> int:
    return await make_location("DOCK")


@pytest.fixture
async def order(client: httpx.AsyncClient, manager, dock, make_supplier, make_product) -> dict:
    """A submitted order: 10 of one product, 5 of another."""
    supplier = await make_supplier()
    lines = [
        {"product_id": await make_product(supplier_id=supplier), "ordered_quantity": 10},
        {"product_id": await make_product(supplier_id=supplier), "ordered_quantity": 5},
    ]
    created = await client.post(PO, json={"supplier_id": supplier, "lines": lines}, headers=manager)
    assert created.status_code == 201, created.text
    submitted = await client.post(f"{PO}/{created.json()['id']}/submit", headers=manager)
    assert submitted.status_code == 200, submitted.text
    return submitted.json()


async def _receive(client, order: dict, headers, *lines: tuple[int, int], **extra) -> httpx.Response:
    body = {"lines": [{"line_id": order["lines"][i]["id"], "quantity": q, **extra} for i, q in lines]}
    return await client.post(f"{PO}/{order['id']}/receive", json=body, headers=headers)


async def _on_hand(app: FastAPI, product_id: int) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id)))


async def test_partial_then_full_receipt(app: FastAPI, client, staff, order, dock) -> None:
    first = await _receive(client, order, staff, (0, 4))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["purchase_order"]["status"] == "partially_received"
    assert [ln["received_quantity"] for ln in body["purchase_order"]["lines"]] == [4, 0]
    (movement,) = body["movements"]
    assert movement["line_id"] == order["lines"][0]["id"]
    assert movement["quantity"] == 4
    assert movement["location_id"] == dock
    assert movement["quantity_on_hand"] == 4
    assert movement["location_quantity"] == 4

    rest = await _receive(client, order, staff, (0, 6), (1, 5))
    assert rest.status_code == 200, rest.text
    assert rest.json()["purchase_order"]["status"] == "received"
    assert [ln["received_quantity"] for ln in rest.json()["purchase_order"]["lines"]] == [10, 5]
    assert await _on_hand(app, order["lines"][0]["product_id"]) == 10
    assert await _on_hand(app, order["lines"][1]["product_id"]) == 5


async def test_movements_are_linked_to_the_line_and_stock_stays_consistent(
    app: FastAPI, client, staff, order, make_location
) -> None:
    shelf = await make_location("SHELF-1")
    response = await _receive(
        client, order, staff, (0, 3), lot="L-77", expiry="2027-01-31", location_id=shelf
    )
    assert response.status_code == 200, response.text
    line = order["lines"][0]
    async with app.state.fllc.db.sessions() as session:
        movements = (
            await session.scalars(
                select(InventoryMovement).where(InventoryMovement.product_id == line["product_id"])
            )
        ).all()
        level = await session.get(StockLevel, (line["product_id"], shelf))
    assert [
        (m.purchase_order_line_id, m.delta, m.reason, m.location_id, m.lot, str(m.expiry)) for m in movements
    ] == [(line["id"], 3, "intake", shelf, "L-77", "2027-01-31")]
    assert level is not None
    assert level.quantity == 3


async def test_the_order_location_is_the_default(client, manager, staff, order, make_location) -> None:
    bay = await make_location("BAY-9")
    await client.patch(f"{PO}/{order['id']}", json={"location_id": bay}, headers=manager)
    response = await _receive(client, order, staff, (1, 1))
    assert response.json()["movements"][0]["location_id"] == bay


async def test_the_desktop_flat_form(app: FastAPI, client, staff, order) -> None:
    line = order["lines"][1]
    body = {"purchase_order_id": order["id"], "purchase_order_line_id": line["id"], "quantity": 2}
    response = await client.post(f"{PO}/{order['id']}/receive", json=body, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["purchase_order"]["lines"][1]["received_quantity"] == 2
    assert await _on_hand(app, line["product_id"]) == 2


async def test_over_receipt_is_refused_whole(app: FastAPI, client, staff, order) -> None:
    response = await _receive(client, order, staff, (1, 2), (0, 11))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "over_receipt"
    assert error["details"] == [
        {
            "line_id": order["lines"][0]["id"],
            "ordered_quantity": 10,
            "received_quantity": 0,
            "quantity": 11,
            "max_receivable": 10,
        }
    ]
    assert await _on_hand(app, order["lines"][1]["product_id"]) == 0  # the good line was not booked


async def test_over_receipt_counts_earlier_receipts_and_repeated_lines(client, staff, order) -> None:
    assert (await _receive(client, order, staff, (1, 3))).status_code == 200
    response = await _receive(client, order, staff, (1, 1), (1, 2))
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["received_quantity"] == 3


async def test_tolerance_setting_allows_a_little_more(client, auth_headers, staff, order) -> None:
    admin = await auth_headers("admin")
    changed = await client.patch(
        "/api/v1/settings", json={"over_receipt_tolerance_percent": "10"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    within = await _receive(client, order, staff, (0, 11))  # 10 + 10% = 11
    assert within.status_code == 200, within.text
    assert within.json()["purchase_order"]["lines"][0]["received_quantity"] == 11
    beyond = await _receive(client, order, staff, (1, 6))  # 5 + 10% = 5.5, rounded down to 5
    assert beyond.status_code == 409
    assert beyond.json()["error"]["details"][0]["max_receivable"] == 5


@pytest.mark.parametrize("action", ["cancel", None])
async def test_cancelled_and_draft_orders_cannot_be_received(
    client, manager, staff, make_supplier, make_product, action
) -> None:
    supplier = await make_supplier()
    lines = [{"product_id": await make_product(supplier_id=supplier), "ordered_quantity": 1}]
    created = (await client.post(PO, json={"supplier_id": supplier, "lines": lines}, headers=manager)).json()
    if action:
        await client.post(f"{PO}/{created['id']}/{action}", headers=manager)
    response = await _receive(client, created, staff, (0, 1))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "po_not_receivable"
    assert response.json()["error"]["details"][0]["status"] == ("cancelled" if action else "draft")


async def test_a_received_order_is_closed(client, staff, order) -> None:
    await _receive(client, order, staff, (0, 10), (1, 5))
    response = await _receive(client, order, staff, (0, 1))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "po_not_receivable"


async def test_no_cancel_once_receiving_started(client, manager, staff, order) -> None:
    await _receive(client, order, staff, (0, 1))
    response = await client.post(f"{PO}/{order['id']}/cancel", headers=manager)
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["status"] == "partially_received"


async def test_same_idempotency_key_receives_once(app: FastAPI, client, staff, order) -> None:
    headers = {**staff, "Idempotency-Key": "receive-0000-0001"}
    first = await _receive(client, order, headers, (0, 4))
    second = await _receive(client, order, headers, (0, 4))
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert await _on_hand(app, order["lines"][0]["product_id"]) == 4
    current = (await client.get(f"{PO}/{order['id']}", headers=staff)).json()
    assert current["lines"][0]["received_quantity"] == 4


async def test_a_reused_key_for_another_receipt_is_409(client, staff, order) -> None:
    headers = {**staff, "Idempotency-Key": "receive-0000-0002"}
    assert (await _receive(client, order, headers, (0, 4))).status_code == 200
    response = await _receive(client, order, headers, (0, 5))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


async def _staff_user(app: FastAPI, username: str) -> CurrentUser:
    async with app.state.fllc.db.sessions() as session:
        user = await session.scalar(select(User).where(User.username == username))
    assert user is not None
    return CurrentUser(
        id=user.id,
        username=user.username,
        role=user.role,
        permissions=permissions_for(user.role),
        jti="test",
        token_expires_at=0,
        account=user,
    )


async def test_a_synced_op_and_a_rest_call_share_one_path(
    app: FastAPI, client, make_user, login, order
) -> None:
    """The REST receipt with key K, then the same op pushed with op_id K: applied once."""
    user = await make_user("staff")
    headers = {"Authorization": f"Bearer {(await login(user['username']))['access_token']}"}
    line = order["lines"][0]
    payload = {"purchase_order_id": order["id"], "purchase_order_line_id": line["id"], "quantity": 3}
    rest = await client.post(
        f"{PO}/{order['id']}/receive", json=payload, headers={**headers, "Idempotency-Key": "op-shared-0001"}
    )
    assert rest.status_code == 200, rest.text
    kind = app.state.fllc.command_kinds.get("po.receive")
    assert kind is not None
    actor = await _staff_user(app, str(user["username"]))
    state = app.state.fllc
    async with state.db.transaction() as session:
        outcome = await execute_command(
            session, state, actor, kind, ReceiveRequest.model_validate(payload), op_id="op-shared-0001"
        )
    assert outcome.replayed
    assert outcome.result == rest.json()
    async with state.db.transaction() as session:
        fresh = await execute_command(
            session, state, actor, kind, ReceiveRequest.model_validate(payload), op_id="op-synced-0002"
        )
    assert not fresh.replayed
    assert fresh.result["purchase_order"]["lines"][0]["received_quantity"] == 6
    assert await _on_hand(app, line["product_id"]) == 6


async def test_a_synced_op_without_its_order_is_refused(app: FastAPI, make_user, order) -> None:
    user = await make_user("staff")
    actor = await _staff_user(app, str(user["username"]))
    kind = app.state.fllc.command_kinds.get("po.receive")
    assert kind is not None
    payload = ReceiveRequest.model_validate(
        {"purchase_order_line_id": order["lines"][0]["id"], "quantity": 1}
    )
    state = app.state.fllc
    with pytest.raises(Exception, match="purchase_order_id is required"):
        async with state.db.transaction() as session:
            await execute_command(session, state, actor, kind, payload, op_id="op-no-order-1")


async def test_receipt_is_logged_as_a_po_change(app: FastAPI, client, staff, order) -> None:
    await _receive(client, order, staff, (0, 1))
    async with app.state.fllc.db.sessions() as session:
        changes = (
            await session.scalars(select(Change.entity_type).where(Change.seq > 0).order_by(Change.seq))
        ).all()
    # create, submit, then the receipt: a stock change of the product and the order's change
    assert changes[-2:] == ["product", "purchase_order"]
    assert changes.count("purchase_order") == 3


# ---------------------------------------------------------------- bad input and permissions


async def test_unknown_order_or_line_is_404(
    client, manager, staff, order, make_supplier, make_product
) -> None:
    missing = await client.post(
        f"{PO}/999999/receive", json={"lines": [{"line_id": 1, "quantity": 1}]}, headers=staff
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "purchase_order_not_found"
    supplier = await make_supplier()
    lines = [{"product_id": await make_product(supplier_id=supplier), "ordered_quantity": 1}]
    other = (await client.post(PO, json={"supplier_id": supplier, "lines": lines}, headers=manager)).json()
    for line_id in (999999, other["lines"][0]["id"]):
        response = await client.post(
            f"{PO}/{order['id']}/receive",
            json={"lines": [{"line_id": line_id, "quantity": 1}]},
            headers=staff,
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "purchase_order_line_not_found"


async def test_unknown_location_is_404(client, staff, order) -> None:
    response = await _receive(client, order, staff, (0, 1), location_id=999999)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "location_not_found"


async def test_an_order_id_that_contradicts_the_url_is_400(client, staff, order) -> None:
    body = {
        "purchase_order_id": order["id"] + 1,
        "purchase_order_line_id": order["lines"][0]["id"],
        "quantity": 1,
    }
    response = await client.post(f"{PO}/{order['id']}/receive", json=body, headers=staff)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "purchase_order_mismatch"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"lines": [{"line_id": 1, "quantity": 0}]},
        {"lines": [{"line_id": 1, "quantity": -2}]},
        {"lines": [{"line_id": 1, "quantity": 1.5}]},
        {"lines": [{"line_id": 1, "quantity": 5_000_000}]},
        {"lines": [{"line_id": 1}]},
        {"lines": [{"line_id": 1, "quantity": 1, "expiry": "soon"}]},
        {"lines": [{"line_id": 1, "quantity": 1}], "quantity": 1},
        {"purchase_order_line_id": 1},
        {"lines": [{"line_id": 1, "quantity": 1, "price": "1.00"}]},
    ],
)
async def test_bad_receipts_are_400(client, staff, order, body) -> None:
    response = await client.post(f"{PO}/{order['id']}/receive", json=body, headers=staff)
    assert response.status_code == 400, response.text
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("staff", 200), ("viewer", 403)]
)
async def test_receiving_needs_stock_intake(client, auth_headers, order, role, expected) -> None:
    response = await _receive(client, order, await auth_headers(role), (0, 1))
    assert response.status_code == expected, response.text


async def test_nothing_is_booked_when_refused(app: FastAPI, client, auth_headers, order) -> None:
    await _receive(client, order, await auth_headers("viewer"), (0, 1))
    async with app.state.fllc.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InventoryMovement)) == 0


async def test_concurrent_receipts_never_exceed_the_tolerance(app: FastAPI, client, staff, order) -> None:
    """Six receipts of 3 against an order of 10 at the same time: three fit, three are refused."""
    responses = await asyncio.gather(*(_receive(client, order, staff, (0, 3)) for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 3 + [409] * 3, [r.text for r in responses if r.status_code not in (200, 409)]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"over_receipt"}
    current = (await client.get(f"{PO}/{order['id']}", headers=staff)).json()
    assert current["lines"][0]["received_quantity"] == 9
    assert await _on_hand(app, order["lines"][0]["product_id"]) == 9


async def test_a_po_receive_op_pushed_twice_applies_once(app: FastAPI, client, staff, order) -> None:
    line = order["lines"][0]
    op = {
        "op_id": "offline-receive-0001",
        "kind": "po.receive",
        "payload": {"purchase_order_id": order["id"], "purchase_order_line_id": line["id"], "quantity": 2},
        "created_at": "2026-01-05T10:00:00Z",
    }
    batch = {"device_id": "tablet-1", "ops": [op]}
    first = await client.post("/api/v1/sync/push", json=batch, headers=staff)
    again = await client.post("/api/v1/sync/push", json=batch, headers=staff)
    assert first.status_code == again.status_code == 200, first.text
    (applied,) = first.json()["results"]
    (duplicate,) = again.json()["results"]
    assert applied["status"] == "applied"
    assert duplicate["status"] == "duplicate"
    assert applied["result"]["purchase_order"]["lines"][0]["received_quantity"] == 2
    assert duplicate["result"] == applied["result"]
    assert await _on_hand(app, line["product_id"]) == 2


async def test_a_pushed_receipt_of_a_cancelled_order_is_rejected(client, manager, staff, order) -> None:
    # A submitted order can still be cancelled; the tablet's offline receipt then comes back rejected.
    await client.post(f"{PO}/{order['id']}/cancel", headers=manager)
    op = {
        "op_id": "offline-receive-0002",
        "kind": "po.receive",
        "payload": {
            "purchase_order_id": order["id"],
            "lines": [{"line_id": order["lines"][1]["id"], "quantity": 1}],
        },
        "created_at": "2026-01-05T10:00:00Z",
    }
    response = await client.post(
        "/api/v1/sync/push", json={"device_id": "tablet-1", "ops": [op]}, headers=staff
    )
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "po_not_receivable"
