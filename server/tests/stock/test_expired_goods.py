"""The setting refuse_expired_goods on every path that books received stock: REST intake, REST
receipts against a PO, and the same as synced ops (set-wise and one at a time). Goods within the
near-expiry window, and expired goods without the setting, are booked (the scan screens warn)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.models import InventoryMovement, Supplier
from fllc_server.stock.expiry import receipt_day, receipt_made_at
from sqlalchemy import func, select

INTAKE = "/api/v1/stock/intake"
PUSH = "/api/v1/sync/push"
PO = "/api/v1/purchase-orders"

# The Earth's latest calendar (UTC-12) decides: its today is never refused, its yesterday always.
LAST_GOOD_DAY = receipt_day()
EXPIRED = LAST_GOOD_DAY - dt.timedelta(days=1)
NEAR = LAST_GOOD_DAY + dt.timedelta(days=5)


@pytest.fixture
async def refusing(client, auth_headers) -> None:
    """The site refuses expired goods (set as an admin does: the running server applies it)."""
    response = await client.patch(
        "/api/v1/settings", json={"refuse_expired_goods": True}, headers=await auth_headers("admin")
    )
    assert response.status_code == 200, response.text


@pytest.fixture
async def order(app: FastAPI, client, auth_headers, warehouse) -> dict[str, Any]:
    """A submitted PO of 50 widgets into the main floor."""
    async with app.state.fllc.db.transaction() as session:
        supplier = Supplier(name="Acme")
        session.add(supplier)
        await session.flush()
        supplier_id = supplier.id
    manager = await auth_headers("manager")
    body = {
        "supplier_id": supplier_id,
        "location_id": warehouse.main,
        "lines": [{"product_id": warehouse.widget, "ordered_quantity": 50}],
    }
    created = await client.post(PO, json=body, headers=manager)
    assert created.status_code == 201, created.text
    submitted = await client.post(f"{PO}/{created.json()['id']}/submit", headers=manager)
    assert submitted.status_code == 200, submitted.text
    return submitted.json()


def _op(kind: str, payload: dict[str, Any], created_at: dt.datetime | None = None) -> dict[str, Any]:
    made = created_at or dt.datetime.now(dt.UTC)
    return {"op_id": str(uuid.uuid4()), "kind": kind, "payload": payload, "created_at": made.isoformat()}


async def _movements(app: FastAPI) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InventoryMovement)) or 0)


def _assert_refused(body: dict[str, Any], expiry: dt.date) -> None:
    assert body["code"] == "expired_goods", body
    assert expiry.isoformat() in body["message"]
    assert "refuse_expired_goods" in body["message"]
    assert body["details"][0]["expiry"] == expiry.isoformat()


# -- REST ------------------------------------------------------------------------------------


async def test_rest_intake_of_expired_goods_is_refused_with_the_uniform_body(
    app, client, auth_headers, warehouse, refusing
) -> None:
    staff = await auth_headers("staff")
    body = {"product_id": warehouse.widget, "quantity": 3, "lot": "L1", "expiry": EXPIRED.isoformat()}

    response = await client.post(INTAKE, json=body, headers=staff)

    assert response.status_code == 409, response.text
    _assert_refused(response.json()["error"], EXPIRED)
    assert "Lot L1" in response.json()["error"]["message"]
    assert await _movements(app) == 0


async def test_rest_intake_reads_the_expiry_of_a_gs1_barcode(
    app, client, auth_headers, warehouse, refusing
) -> None:
    staff = await auth_headers("staff")
    scanned = f"(01)00012345678905(17){EXPIRED:%y%m%d}(10)LOT9"

    response = await client.post(INTAKE, json={"barcode": scanned, "quantity": 1}, headers=staff)

    assert response.status_code == 409, response.text
    _assert_refused(response.json()["error"], EXPIRED)
    fresh = f"(01)00012345678905(17){NEAR:%y%m%d}"
    assert (
        await client.post(INTAKE, json={"barcode": fresh, "quantity": 1}, headers=staff)
    ).status_code == 201


@pytest.mark.parametrize("expiry", [LAST_GOOD_DAY, NEAR, None])
async def test_the_last_good_day_and_the_near_expiry_window_are_booked(
    client, auth_headers, warehouse, refusing, expiry
) -> None:
    staff = await auth_headers("staff")
    body: dict[str, Any] = {"product_id": warehouse.widget, "quantity": 2}
    if expiry is not None:
        body["expiry"] = expiry.isoformat()
    response = await client.post(INTAKE, json=body, headers=staff)
    assert response.status_code == 201, response.text


async def test_without_the_setting_expired_goods_are_booked(client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    body = {"product_id": warehouse.widget, "quantity": 2, "expiry": EXPIRED.isoformat()}
    response = await client.post(INTAKE, json=body, headers=staff)
    assert response.status_code == 201, response.text
    assert response.json()["movement"]["expiry"] == EXPIRED.isoformat()


async def test_a_rest_receipt_against_a_po_with_an_expired_line_is_refused_whole(
    app, client, auth_headers, warehouse, order, refusing
) -> None:
    staff = await auth_headers("staff")
    line = order["lines"][0]["id"]
    body = {
        "lines": [
            {"line_id": line, "quantity": 5, "expiry": NEAR.isoformat()},
            {"line_id": line, "quantity": 5, "expiry": EXPIRED.isoformat()},
        ]
    }

    response = await client.post(f"{PO}/{order['id']}/receive", json=body, headers=staff)

    assert response.status_code == 409, response.text
    _assert_refused(response.json()["error"], EXPIRED)
    assert order["number"] in response.json()["error"]["message"]
    assert await _movements(app) == 0
    body["lines"].pop()
    accepted = await client.post(f"{PO}/{order['id']}/receive", json=body, headers=staff)
    assert accepted.status_code == 200, accepted.text


async def test_the_setting_switched_off_books_again(client, auth_headers, warehouse, refusing) -> None:
    admin, staff = await auth_headers("admin"), await auth_headers("staff")
    body = {"product_id": warehouse.widget, "quantity": 1, "expiry": EXPIRED.isoformat()}
    assert (await client.post(INTAKE, json=body, headers=staff)).status_code == 409
    await client.patch("/api/v1/settings", json={"refuse_expired_goods": False}, headers=admin)
    assert (await client.post(INTAKE, json=body, headers=staff)).status_code == 201


# -- sync push -------------------------------------------------------------------------------


async def test_a_synced_expired_intake_is_rejected_and_the_others_stand(
    app, client, auth_headers, warehouse, order, refusing
) -> None:
    staff = await auth_headers("staff")
    line = order["lines"][0]["id"]
    batch = [
        _op("stock.intake", {"product_id": warehouse.widget, "quantity": 4, "expiry": NEAR.isoformat()}),
        _op("stock.intake", {"product_id": warehouse.widget, "quantity": 7, "expiry": EXPIRED.isoformat()}),
        _op(  # against a PO line: the one-at-a-time path
            "stock.intake",
            {
                "product_id": warehouse.widget,
                "quantity": 2,
                "purchase_order_line_id": line,
                "expiry": str(EXPIRED),
            },
        ),
        _op(
            "po.receive",
            {
                "purchase_order_id": order["id"],
                "purchase_order_line_id": line,
                "quantity": 3,
                "expiry": str(EXPIRED),
            },
        ),
        _op("po.receive", {"purchase_order_id": order["id"], "purchase_order_line_id": line, "quantity": 1}),
        _op("stock.intake", {"product_id": warehouse.gadget, "quantity": 1}),
    ]

    response = await client.post(PUSH, json={"device_id": "tablet-1", "ops": batch}, headers=staff)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "applied",
        "applied",
    ]
    for refused in results[1:4]:
        _assert_refused(refused["error"], EXPIRED)
    levels = await client.get(f"/api/v1/stock/levels?product_id={warehouse.widget}", headers=staff)
    assert levels.json()["quantity_on_hand"] == 4 + 1
    again = await client.post(PUSH, json={"device_id": "tablet-1", "ops": batch[1:2]}, headers=staff)
    assert again.json()["results"][0]["status"] == "rejected"  # not recorded: it waits for a person


async def test_a_synced_op_is_judged_by_the_day_it_was_scanned(
    client, auth_headers, warehouse, refusing
) -> None:
    """Scanned offline while still good, pushed after the date: booked. An op that claims to be
    from the future is judged by today."""
    staff = await auth_headers("staff")
    payload = {"product_id": warehouse.widget, "quantity": 1, "expiry": EXPIRED.isoformat()}
    scanned_in_time = dt.datetime.combine(EXPIRED, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(hours=12)
    from_the_future = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    batch = [_op("stock.intake", payload, scanned_in_time), _op("stock.intake", payload, from_the_future)]

    response = await client.post(PUSH, json={"device_id": "tablet-1", "ops": batch}, headers=staff)

    assert [r["status"] for r in response.json()["results"]] == ["applied", "rejected"]


def test_the_receipt_day_is_the_earths_latest_calendar() -> None:
    now = dt.datetime(2026, 12, 4, 11, 0, tzinfo=dt.UTC)
    assert receipt_day(now) == dt.date(2026, 12, 3)  # 23:00 on the 3rd at UTC-12
    assert receipt_day(now + dt.timedelta(hours=1)) == dt.date(2026, 12, 4)
    with receipt_made_at(dt.datetime(2026, 11, 30, 20, 0)):  # naive: UTC
        assert receipt_day(now) == dt.date(2026, 11, 30)
    with receipt_made_at(now + dt.timedelta(days=3)):
        assert receipt_day(now) == dt.date(2026, 12, 3)
