"""Scan intake: product by id, SKU or barcode; the default location; bad input; exactly once."""

from __future__ import annotations

import pytest
from fllc_server.models import AuditEntry, Change, InventoryMovement, Location
from sqlalchemy import delete, select

URL = "/api/v1/stock/intake"


async def test_intake_by_id_books_a_movement_and_returns_the_new_quantities(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = await auth_headers("staff")
    body = {
        "product_id": warehouse.widget,
        "quantity": 12,
        "location_id": warehouse.back,
        "lot": "L-7",
        "expiry": "2031-01-31",
    }

    response = await client.post(URL, json=body, headers=headers)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["product_id"] == warehouse.widget
    assert result["location_id"] == warehouse.back
    assert result["quantity_on_hand"] == 12
    assert result["location_quantity"] == 12
    movement = result["movement"]
    assert movement["delta"] == 12
    assert movement["reason"] == "intake"
    assert movement["lot"] == "L-7"
    assert movement["expiry"] == "2031-01-31"
    await assert_stock_invariant()


async def test_intake_records_audit_and_change(app, client, auth_headers, warehouse) -> None:
    headers = await auth_headers("staff")
    await client.post(URL, json={"sku": "WID-1", "quantity": 3}, headers=headers)

    async with app.state.fllc.db.sessions() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "stock.intake"))).all()
        changes = (await session.scalars(select(Change))).all()
    assert [(a.entity_type, a.entity_id) for a in audit] == [("product", str(warehouse.widget))]
    assert audit[0].after["quantity_on_hand"] == 3
    assert [(c.entity_type, c.entity_id, c.action) for c in changes] == [
        ("product", warehouse.widget, "upsert")
    ]


@pytest.mark.parametrize("scanned", ["012345678905", "0012345678905", "(01)00012345678905(10)LOT1"])
async def test_intake_by_scanned_barcode_finds_the_stored_one(
    client, auth_headers, warehouse, scanned
) -> None:
    headers = await auth_headers("staff")
    response = await client.post(URL, json={"barcode": scanned, "quantity": 1}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["product_id"] == warehouse.widget


async def test_intake_goes_to_the_configured_default_location(app, client, auth_headers, warehouse) -> None:
    headers = await auth_headers("staff")
    app.state.fllc.runtime.default_location_id = warehouse.back
    response = await client.post(URL, json={"product_id": warehouse.gadget, "quantity": 2}, headers=headers)
    assert response.json()["location_id"] == warehouse.back


async def test_intake_without_a_default_goes_to_the_first_location(
    app, client, auth_headers, warehouse
) -> None:
    headers = await auth_headers("staff")
    app.state.fllc.runtime.default_location_id = None
    response = await client.post(URL, json={"product_id": warehouse.gadget, "quantity": 2}, headers=headers)
    assert response.json()["location_id"] == warehouse.main


async def test_intake_with_no_location_at_all_is_a_conflict(app, client, auth_headers, warehouse) -> None:
    headers = await auth_headers("staff")
    async with app.state.fllc.db.transaction() as session:
        await session.execute(delete(Location))
    response = await client.post(URL, json={"product_id": warehouse.gadget, "quantity": 2}, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_location"


@pytest.mark.parametrize("quantity", [0, -1, 2.5, 2.0, "5", True, 1_000_001, 10**30, None])
async def test_bad_quantities_are_refused(app, client, auth_headers, warehouse, quantity) -> None:
    headers = await auth_headers("staff")
    response = await client.post(
        URL, json={"product_id": warehouse.widget, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"
    async with app.state.fllc.db.sessions() as session:
        assert (await session.scalars(select(InventoryMovement))).all() == []


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 1},
        {"product_id": 1, "sku": "WID-1", "quantity": 1},
        {"sku": "WID-1", "quantity": 1, "price": "9.99"},
        {"sku": "WID-1", "quantity": 1, "expiry": "not-a-date"},
    ],
)
async def test_malformed_bodies_are_refused(client, auth_headers, warehouse, body) -> None:
    headers = await auth_headers("staff")
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"product_id": 999999, "quantity": 1}, "product_not_found"),
        ({"sku": "NOPE", "quantity": 1}, "sku_not_found"),
        ({"barcode": "4006381333931", "quantity": 1}, "barcode_not_found"),
        ({"sku": "WID-1", "quantity": 1, "location_id": 999999}, "location_not_found"),
        ({"sku": "WID-1", "quantity": 1, "purchase_order_line_id": 999999}, "purchase_order_line_not_found"),
    ],
)
async def test_unknown_references_are_404(client, auth_headers, warehouse, body, code) -> None:
    headers = await auth_headers("staff")
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == code


async def test_an_invalid_barcode_is_400(client, auth_headers, warehouse) -> None:
    headers = await auth_headers("staff")
    response = await client.post(URL, json={"barcode": "4006381333932", "quantity": 1}, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_barcode"


async def test_a_viewer_cannot_take_in_stock(client, auth_headers, warehouse) -> None:
    headers = await auth_headers("viewer")
    response = await client.post(URL, json={"sku": "WID-1", "quantity": 1}, headers=headers)
    assert response.status_code == 403


async def test_a_retried_idempotency_key_applies_once(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = {**(await auth_headers("staff")), "Idempotency-Key": "scan-0001-aaaa"}
    body = {"sku": "WID-1", "quantity": 5}

    first = await client.post(URL, json=body, headers=headers)
    second = await client.post(URL, json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["movement"]["op_id"] == "scan-0001-aaaa"
    levels = await client.get(f"/api/v1/stock/levels?product_id={warehouse.widget}", headers=headers)
    assert levels.json()["quantity_on_hand"] == 5
    await assert_stock_invariant()


async def test_a_reused_key_with_another_body_is_a_conflict(client, auth_headers, warehouse) -> None:
    headers = {**(await auth_headers("staff")), "Idempotency-Key": "scan-0002-bbbb"}
    await client.post(URL, json={"sku": "WID-1", "quantity": 5}, headers=headers)
    response = await client.post(URL, json={"sku": "WID-1", "quantity": 6}, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
