"""Reorder suggestions: who to order from and how much, less what is already on order."""

from __future__ import annotations

import httpx
import pytest

PO = "/api/v1/purchase-orders"
SUGGESTIONS = f"{PO}/suggestions"


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


async def _order(client: httpx.AsyncClient, headers, supplier: int, product: int, quantity: int) -> dict:
    body = {"supplier_id": supplier, "lines": [{"product_id": product, "ordered_quantity": quantity}]}
    response = await client.post(PO, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def catalog(client, manager, make_supplier, make_product, make_location) -> dict[str, int]:
    """Two suppliers and products at, above and below their reorder points."""
    await make_location("DOCK")
    acme = await make_supplier("Acme")
    zenith = await make_supplier("Zenith")
    return {
        "acme": acme,
        "zenith": zenith,
        # max(10, 5 - 2 + 1) = 10
        "low": await make_product(
            supplier_id=acme, quantity_on_hand=2, reorder_point=5, reorder_quantity=10, unit_cost="1.50"
        ),
        # max(5, 20 - 0 + 1) = 21: the reorder quantity would not get back above the point
        "empty": await make_product(
            supplier_id=acme, quantity_on_hand=0, reorder_point=20, reorder_quantity=5, unit_cost="2.00"
        ),
        "at_point": await make_product(
            supplier_id=zenith, quantity_on_hand=3, reorder_point=3, reorder_quantity=4, unit_cost="3.00"
        ),
        "above": await make_product(
            supplier_id=acme, quantity_on_hand=6, reorder_point=5, reorder_quantity=10
        ),
        "deleted": await make_product(supplier_id=acme, reorder_point=5, reorder_quantity=10, deleted=True),
        "no_policy": await make_product(supplier_id=acme),
        "orphan": await make_product(quantity_on_hand=0, reorder_point=1, unit_cost="4.00"),
    }


async def test_grouped_by_supplier_with_the_math(client, manager, catalog) -> None:
    response = await client.get(SUGGESTIONS, headers=manager)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["total"] == 3
    acme, zenith, orphans = body["data"]
    assert (acme["supplier_id"], acme["supplier_name"]) == (catalog["acme"], "Acme")
    assert [(ln["product_id"], ln["suggested_quantity"], ln["on_order"]) for ln in acme["lines"]] == [
        (catalog["low"], 10, 0),
        (catalog["empty"], 21, 0),
    ]
    assert acme["lines"][0]["line_total"] == "15.00"
    assert acme["total"] == "57.00"  # 10 x 1.50 + 21 x 2.00
    assert zenith["supplier_name"] == "Zenith"
    assert [(ln["product_id"], ln["suggested_quantity"]) for ln in zenith["lines"]] == [
        (catalog["at_point"], 4)
    ]
    assert orphans["supplier_id"] is None
    assert [(ln["product_id"], ln["suggested_quantity"]) for ln in orphans["lines"]] == [
        (catalog["orphan"], 2)
    ]
    assert set(acme["lines"][0]) == {
        "product_id",
        "sku",
        "name",
        "quantity_on_hand",
        "reorder_point",
        "reorder_quantity",
        "on_order",
        "suggested_quantity",
        "unit_cost",
        "line_total",
    }


async def test_open_orders_reduce_the_suggestion(client, manager, catalog) -> None:
    await _order(client, manager, catalog["acme"], catalog["low"], 4)  # a draft counts as on order
    submitted = await _order(client, manager, catalog["acme"], catalog["empty"], 30)
    await client.post(f"{PO}/{submitted['id']}/submit", headers=manager)
    cancelled = await _order(client, manager, catalog["zenith"], catalog["at_point"], 4)
    await client.post(f"{PO}/{cancelled['id']}/cancel", headers=manager)

    groups = (await client.get(SUGGESTIONS, headers=manager)).json()["data"]
    acme, zenith, _orphans = groups
    # low: 10 - 4 on order; empty: 21 - 30 < 0 drops out; the cancelled order does not count.
    assert [(ln["product_id"], ln["suggested_quantity"], ln["on_order"]) for ln in acme["lines"]] == [
        (catalog["low"], 6, 4)
    ]
    assert zenith["lines"][0]["suggested_quantity"] == 4


async def test_a_partly_received_order_counts_what_is_still_to_come(client, manager, catalog) -> None:
    order = await _order(client, manager, catalog["zenith"], catalog["at_point"], 3)
    await client.post(f"{PO}/{order['id']}/submit", headers=manager)
    body = {"lines": [{"line_id": order["lines"][0]["id"], "quantity": 2}]}
    assert (await client.post(f"{PO}/{order['id']}/receive", json=body, headers=manager)).status_code == 200
    # on hand is now 5 (above the point of 3): no longer suggested at all
    groups = (
        await client.get(SUGGESTIONS, params={"supplier_id": catalog["zenith"]}, headers=manager)
    ).json()
    assert groups["data"] == []


async def test_filter_by_supplier(client, manager, catalog) -> None:
    body = (await client.get(SUGGESTIONS, params={"supplier_id": catalog["zenith"]}, headers=manager)).json()
    assert [g["supplier_id"] for g in body["data"]] == [catalog["zenith"]]


async def test_accept_makes_one_draft_per_supplier(client, manager, catalog) -> None:
    response = await client.post(f"{SUGGESTIONS}/accept", json={}, headers=manager)
    assert response.status_code == 201, response.text
    created = response.json()
    assert [(po["supplier_id"], po["status"]) for po in created] == [
        (catalog["acme"], "draft"),
        (catalog["zenith"], "draft"),
    ]
    assert [(ln["product_id"], ln["ordered_quantity"], ln["unit_cost"]) for ln in created[0]["lines"]] == [
        (catalog["low"], 10, "1.50"),
        (catalog["empty"], 21, "2.00"),
    ]
    assert created[0]["total"] == "57.00"
    # What is now on order no longer shows; the supplier-less product still does.
    left = (await client.get(SUGGESTIONS, headers=manager)).json()["data"]
    assert [g["supplier_id"] for g in left] == [None]


async def test_accept_for_chosen_suppliers(client, manager, catalog, make_location) -> None:
    bay = await make_location("BAY")
    response = await client.post(
        f"{SUGGESTIONS}/accept",
        json={"supplier_ids": [catalog["zenith"]], "location_id": bay},
        headers=manager,
    )
    assert response.status_code == 201
    (created,) = response.json()
    assert created["supplier_id"] == catalog["zenith"]
    assert created["location_id"] == bay


@pytest.mark.parametrize("body", [{"supplier_ids": []}, {"supplier_ids": ["x"]}, {"all": True}])
async def test_bad_accept_is_400(client, manager, body) -> None:
    assert (await client.post(f"{SUGGESTIONS}/accept", json=body, headers=manager)).status_code == 400


async def test_staff_cannot_see_suggestions(client, auth_headers) -> None:
    response = await client.get(SUGGESTIONS, headers=await auth_headers("staff"))
    assert response.status_code == 403
