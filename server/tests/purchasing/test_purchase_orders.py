"""Purchase orders: create, edit, lines while draft, the status machine, permissions, bad input."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.models import AuditEntry, Change
from sqlalchemy import func, select

PO = "/api/v1/purchase-orders"


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


@pytest.fixture
async def draft(client: httpx.AsyncClient, manager, make_supplier, make_product) -> dict:
    supplier = await make_supplier()
    first = await make_product(supplier_id=supplier, unit_cost="2.50")
    second = await make_product(supplier_id=supplier, unit_cost="10.00")
    body = {
        "supplier_id": supplier,
        "notes": "weekly",
        "lines": [
            {"product_id": first, "ordered_quantity": 4},
            {"product_id": second, "ordered_quantity": 3, "unit_cost": "9.99"},
        ],
    }
    response = await client.post(PO, json=body, headers=manager)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_answers_the_wire_shape(draft: dict) -> None:
    assert draft["status"] == "draft"
    assert draft["number"] == f"PO-{draft['created_at'][:4]}-{draft['id']:06d}"
    assert draft["version"] == 1
    assert draft["submitted_at"] is None
    assert set(draft) == {
        "id",
        "number",
        "supplier_id",
        "status",
        "location_id",
        "notes",
        "expected_at",
        "submitted_at",
        "created_by",
        "version",
        "created_at",
        "updated_at",
        "lines",
        "total",
        "edi_status",  # None: the supplier is not an EDI partner
        "edi_match",
        "cartons",
    }
    assert (draft["edi_status"], draft["edi_match"], draft["cartons"]) == (None, None, [])
    first, second = draft["lines"]
    assert set(first) == {
        "id",
        "product_id",
        "sku",
        "name",
        "ordered_quantity",
        "received_quantity",
        "unit_cost",
    }
    assert first["unit_cost"] == "2.50"  # the product's cost by default
    assert second["unit_cost"] == "9.99"
    assert first["received_quantity"] == 0
    assert draft["total"] == "39.97"  # 4 x 2.50 + 3 x 9.99


async def test_create_accepts_the_desktop_quantity_name(client, manager, make_supplier, make_product) -> None:
    supplier = await make_supplier()
    product = await make_product(supplier_id=supplier)
    body = {"supplier_id": supplier, "lines": [{"product_id": product, "quantity": 7, "unit_cost": "1.00"}]}
    response = await client.post(PO, json=body, headers=manager)
    assert response.status_code == 201, response.text
    assert response.json()["lines"][0]["ordered_quantity"] == 7


async def test_get_and_list_with_filters(client, manager, draft, make_supplier) -> None:
    other = await client.post(PO, json={"supplier_id": await make_supplier()}, headers=manager)
    assert other.status_code == 201
    got = await client.get(f"{PO}/{draft['id']}", headers=manager)
    assert got.json() == draft
    listed = (await client.get(PO, params={"supplier_id": draft["supplier_id"]}, headers=manager)).json()
    assert [po["id"] for po in listed["data"]] == [draft["id"]]
    assert listed["meta"]["total"] == 1
    by_number = (await client.get(PO, params={"q": draft["number"][-6:]}, headers=manager)).json()
    assert [po["id"] for po in by_number["data"]] == [draft["id"]]
    assert (await client.get(PO, params={"status": "submitted"}, headers=manager)).json()["data"] == []
    everything = (await client.get(PO, headers=manager)).json()
    assert everything["meta"]["total"] == 2


async def test_submit_then_cancel(client, manager, draft) -> None:
    submitted = await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"] is not None
    assert submitted.json()["version"] == 2
    cancelled = await client.post(f"{PO}/{draft['id']}/cancel", headers=manager)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


async def test_cancel_a_draft(client, manager, draft) -> None:
    response = await client.post(f"{PO}/{draft['id']}/cancel", headers=manager)
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize("action", ["submit", "cancel"])
async def test_a_cancelled_order_moves_no_further(client, manager, draft, action) -> None:
    await client.post(f"{PO}/{draft['id']}/cancel", headers=manager)
    response = await client.post(f"{PO}/{draft['id']}/{action}", headers=manager)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_po_status"
    assert response.json()["error"]["details"][0]["status"] == "cancelled"


async def test_submit_twice_is_409(client, manager, draft) -> None:
    await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    response = await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_po_status"


async def test_an_empty_order_cannot_be_submitted(client, manager, make_supplier) -> None:
    created = (await client.post(PO, json={"supplier_id": await make_supplier()}, headers=manager)).json()
    response = await client.post(f"{PO}/{created['id']}/submit", headers=manager)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "po_empty"


async def test_lines_add_update_remove_while_draft(client, manager, draft, make_product) -> None:
    product = await make_product(supplier_id=draft["supplier_id"], unit_cost="1.00")
    line_body = {"product_id": product, "ordered_quantity": 5}
    added = await client.post(f"{PO}/{draft['id']}/lines", json=line_body, headers=manager)
    assert added.status_code == 201, added.text
    body = added.json()
    assert len(body["lines"]) == 3
    assert body["total"] == "44.97"
    line = body["lines"][-1]
    updated = await client.patch(
        f"{PO}/{draft['id']}/lines/{line['id']}",
        json={"ordered_quantity": 6, "unit_cost": "1.50"},
        headers=manager,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["lines"][-1]["ordered_quantity"] == 6
    assert updated.json()["total"] == "48.97"
    removed = await client.delete(f"{PO}/{draft['id']}/lines/{line['id']}", headers=manager)
    assert removed.status_code == 200
    assert [ln["id"] for ln in removed.json()["lines"]] == [ln["id"] for ln in draft["lines"]]
    assert removed.json()["version"] == 4


async def test_lines_are_frozen_once_submitted(client, manager, draft, make_product) -> None:
    await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    line_id = draft["lines"][0]["id"]
    product = await make_product()
    attempts = [
        client.post(
            f"{PO}/{draft['id']}/lines", json={"product_id": product, "ordered_quantity": 1}, headers=manager
        ),
        client.patch(f"{PO}/{draft['id']}/lines/{line_id}", json={"ordered_quantity": 1}, headers=manager),
        client.delete(f"{PO}/{draft['id']}/lines/{line_id}", headers=manager),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "invalid_po_status"


async def test_header_edit_and_stale_version(client, manager, draft, make_location) -> None:
    location = await make_location()
    edited = await client.patch(
        f"{PO}/{draft['id']}",
        json={"version": 1, "notes": "call first", "location_id": location, "expected_at": "2026-03-01"},
        headers=manager,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["notes"] == "call first"
    assert edited.json()["location_id"] == location
    assert edited.json()["expected_at"] == "2026-03-01"
    assert edited.json()["version"] == 2
    stale = await client.patch(f"{PO}/{draft['id']}", json={"version": 1, "notes": "lost"}, headers=manager)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"][0]["current"]["notes"] == "call first"


async def test_supplier_changes_only_while_draft(client, manager, draft, make_supplier) -> None:
    other = await make_supplier()
    await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    response = await client.patch(f"{PO}/{draft['id']}", json={"supplier_id": other}, headers=manager)
    assert response.status_code == 409
    notes = await client.patch(f"{PO}/{draft['id']}", json={"notes": "late"}, headers=manager)
    assert notes.status_code == 200


async def test_every_change_is_audited_and_logged(app: FastAPI, client, manager, draft) -> None:
    await client.post(f"{PO}/{draft['id']}/submit", headers=manager)
    async with app.state.fllc.db.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == "purchase_order", AuditEntry.entity_id == str(draft["id"]))
                .order_by(AuditEntry.id)
            )
        ).all()
        changes = await session.scalar(
            select(func.count())
            .select_from(Change)
            .where(Change.entity_type == "purchase_order", Change.entity_id == draft["id"])
        )
    assert actions == ["purchase_order.create", "purchase_order.submit"]
    assert changes == 2


async def test_create_with_the_same_idempotency_key_makes_one_order(client, manager, make_supplier) -> None:
    body = {"supplier_id": await make_supplier()}
    headers = {**manager, "Idempotency-Key": "po-create-0001"}
    first = await client.post(PO, json=body, headers=headers)
    second = await client.post(PO, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert (await client.get(PO, headers=manager)).json()["meta"]["total"] == 1


# ---------------------------------------------------------------- bad input


async def test_unknown_ids_are_404(client, manager, draft, make_supplier) -> None:
    cases = [
        (client.get(f"{PO}/999999", headers=manager), "purchase_order_not_found"),
        (client.post(f"{PO}/999999/submit", headers=manager), "purchase_order_not_found"),
        (client.post(PO, json={"supplier_id": 999999}, headers=manager), "supplier_not_found"),
        (
            client.post(
                PO, json={"supplier_id": await make_supplier(), "location_id": 999999}, headers=manager
            ),
            "location_not_found",
        ),
        (
            client.post(
                f"{PO}/{draft['id']}/lines",
                json={"product_id": 999999, "ordered_quantity": 1},
                headers=manager,
            ),
            "product_not_found",
        ),
        (client.delete(f"{PO}/{draft['id']}/lines/999999", headers=manager), "purchase_order_line_not_found"),
    ]
    for call, code in cases:
        response = await call
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == code


async def test_a_deleted_product_cannot_be_ordered(client, manager, draft, make_product) -> None:
    gone = await make_product(deleted=True)
    line_body = {"product_id": gone, "ordered_quantity": 1}
    response = await client.post(f"{PO}/{draft['id']}/lines", json=line_body, headers=manager)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "line",
    [
        {"ordered_quantity": 0},
        {"ordered_quantity": -3},
        {"ordered_quantity": 1.5},
        {"ordered_quantity": "4"},
        {"ordered_quantity": 10_000_000},
        {"ordered_quantity": 2, "unit_cost": "-1.00"},
        {"ordered_quantity": 2, "unit_cost": "1.234"},
        {"ordered_quantity": 2, "discount": "1.00"},
    ],
)
async def test_bad_lines_are_400(client, manager, make_supplier, make_product, line) -> None:
    body = {"supplier_id": await make_supplier(), "lines": [{"product_id": await make_product(), **line}]}
    response = await client.post(PO, json=body, headers=manager)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "body", [{}, {"supplier_id": "abc"}, {"supplier_id": 1, "status": "received"}, {"supplier_id": 0}]
)
async def test_bad_headers_are_400(client, manager, body) -> None:
    response = await client.post(PO, json=body, headers=manager)
    assert response.status_code == 400


async def test_bad_status_filter_is_400(client, manager) -> None:
    response = await client.get(PO, params={"status": "lost"}, headers=manager)
    assert response.status_code == 400


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("staff", 200), ("viewer", 403)]
)
async def test_reads_need_purchasing_or_intake(client, auth_headers, draft, role, expected) -> None:
    headers = await auth_headers(role)
    assert (await client.get(PO, headers=headers)).status_code == expected
    assert (await client.get(f"{PO}/{draft['id']}", headers=headers)).status_code == expected


@pytest.mark.parametrize("role", ["staff", "viewer"])
async def test_writes_need_purchase_orders_create(client, auth_headers, draft, role) -> None:
    headers = await auth_headers(role)
    line_id = draft["lines"][0]["id"]
    calls = [
        client.post(PO, json={"supplier_id": draft["supplier_id"]}, headers=headers),
        client.patch(f"{PO}/{draft['id']}", json={"notes": "x"}, headers=headers),
        client.post(f"{PO}/{draft['id']}/submit", headers=headers),
        client.post(f"{PO}/{draft['id']}/cancel", headers=headers),
        client.post(
            f"{PO}/{draft['id']}/lines", json={"product_id": 1, "ordered_quantity": 1}, headers=headers
        ),
        client.patch(f"{PO}/{draft['id']}/lines/{line_id}", json={"ordered_quantity": 1}, headers=headers),
        client.delete(f"{PO}/{draft['id']}/lines/{line_id}", headers=headers),
        client.get(f"{PO}/suggestions", headers=headers),
        client.post(f"{PO}/suggestions/accept", json={}, headers=headers),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "permission_denied"


async def test_anonymous_is_401(client) -> None:
    assert (await client.get(PO)).status_code == 401
