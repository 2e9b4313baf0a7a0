"""Adjustments, counts, transfers, the movement list and levels per location."""

from __future__ import annotations

import pytest


async def _stock(client, headers, product_id: int, location_id: int, quantity: int) -> None:
    response = await client.post(
        "/api/v1/stock/intake",
        json={"product_id": product_id, "location_id": location_id, "quantity": quantity},
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def _levels(client, headers, product_id: int) -> dict[str, object]:
    response = await client.get(f"/api/v1/stock/levels?product_id={product_id}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {
        "on_hand": body["quantity_on_hand"],
        **{lvl["location_code"]: lvl["quantity"] for lvl in body["levels"]},
    }


# -- adjustments --------------------------------------------------------------------------------


async def test_a_manager_writes_off_damaged_stock(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = await auth_headers("manager")
    await _stock(client, headers, warehouse.widget, warehouse.main, 10)

    response = await client.post(
        "/api/v1/stock/adjustments",
        json={
            "product_id": warehouse.widget,
            "location_id": warehouse.main,
            "delta": -3,
            "reason_code": "damaged",
            "note": "forklift",
        },
        headers=headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["movement"]["reason"] == "adjustment"
    assert response.json()["movement"]["reason_code"] == "damaged"
    assert await _levels(client, headers, warehouse.widget) == {"on_hand": 7, "MAIN": 7}
    await assert_stock_invariant()


@pytest.mark.parametrize(
    ("delta", "reason"), [(3, "damaged"), (2, "lost"), (-2, "found"), (0, "correction"), (1, "stolen")]
)
async def test_adjustment_sign_must_fit_the_reason(client, auth_headers, warehouse, delta, reason) -> None:
    headers = await auth_headers("manager")
    response = await client.post(
        "/api/v1/stock/adjustments",
        json={"product_id": warehouse.widget, "delta": delta, "reason_code": reason},
        headers=headers,
    )
    assert response.status_code == 400


async def test_an_adjustment_cannot_take_a_location_below_zero(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    headers = await auth_headers("manager")
    await _stock(client, headers, warehouse.widget, warehouse.main, 2)

    response = await client.post(
        "/api/v1/stock/adjustments",
        json={
            "product_id": warehouse.widget,
            "location_id": warehouse.main,
            "delta": -3,
            "reason_code": "lost",
        },
        headers=headers,
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"][0]["available"] == 2
    assert await _levels(client, headers, warehouse.widget) == {"on_hand": 2, "MAIN": 2}
    await assert_stock_invariant()


async def test_staff_cannot_adjust(client, auth_headers, warehouse) -> None:
    headers = await auth_headers("staff")
    response = await client.post(
        "/api/v1/stock/adjustments",
        json={"product_id": warehouse.widget, "delta": 1, "reason_code": "found"},
        headers=headers,
    )
    assert response.status_code == 403


# -- counts -------------------------------------------------------------------------------------


async def test_a_submitted_count_reports_differences_and_changes_nothing(
    client, auth_headers, warehouse
) -> None:
    staff = await auth_headers("staff")
    await _stock(client, staff, warehouse.widget, warehouse.main, 10)

    response = await client.post(
        "/api/v1/stock/counts",
        json={
            "location_id": warehouse.main,
            "lines": [
                {"product_id": warehouse.widget, "counted_quantity": 8},
                {"product_id": warehouse.gadget, "counted_quantity": 1},
            ],
        },
        headers=staff,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["applied"] is False
    assert body["movements"] == []
    assert body["lines"] == [
        {"product_id": warehouse.widget, "expected_quantity": 10, "counted_quantity": 8, "difference": -2},
        {"product_id": warehouse.gadget, "expected_quantity": 0, "counted_quantity": 1, "difference": 1},
    ]
    assert await _levels(client, staff, warehouse.widget) == {"on_hand": 10, "MAIN": 10}


async def test_staff_cannot_apply_a_count(client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    response = await client.post(
        "/api/v1/stock/counts",
        json={"lines": [{"product_id": warehouse.widget, "counted_quantity": 8}], "apply": True},
        headers=staff,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


async def test_an_applied_count_books_the_differences(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    manager = await auth_headers("manager")
    await _stock(client, manager, warehouse.widget, warehouse.main, 10)
    await _stock(client, manager, warehouse.widget, warehouse.back, 4)

    response = await client.post(
        "/api/v1/stock/counts",
        json={
            "location_id": warehouse.main,
            "apply": True,
            "lines": [
                {"product_id": warehouse.widget, "counted_quantity": 7},
                {"product_id": warehouse.gadget, "counted_quantity": 0},
            ],
        },
        headers=manager,
    )

    assert response.status_code == 201, response.text
    movements = response.json()["movements"]
    assert [(m["product_id"], m["delta"], m["reason"]) for m in movements] == [
        (warehouse.widget, -3, "count")
    ]
    assert await _levels(client, manager, warehouse.widget) == {"on_hand": 11, "MAIN": 7, "BACK": 4}
    await assert_stock_invariant()


@pytest.mark.parametrize(
    "lines",
    [[], [{"product_id": 1, "counted_quantity": -1}], [{"product_id": 1, "counted_quantity": 1}] * 2],
)
async def test_bad_counts_are_refused(client, auth_headers, warehouse, lines) -> None:
    staff = await auth_headers("staff")
    response = await client.post("/api/v1/stock/counts", json={"lines": lines}, headers=staff)
    assert response.status_code == 400


async def test_a_count_of_an_unknown_product_is_404(client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    response = await client.post(
        "/api/v1/stock/counts", json={"lines": [{"product_id": 999999, "counted_quantity": 1}]}, headers=staff
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"


# -- transfers ----------------------------------------------------------------------------------


async def test_a_transfer_moves_stock_between_locations(
    client, auth_headers, warehouse, assert_stock_invariant
) -> None:
    staff = await auth_headers("staff")
    await _stock(client, staff, warehouse.widget, warehouse.main, 10)

    response = await client.post(
        "/api/v1/stock/transfers",
        json={
            "sku": "WID-1",
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.back,
            "quantity": 4,
        },
        headers=staff,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["from_quantity"], body["to_quantity"], body["quantity_on_hand"]) == (6, 4, 10)
    assert [m["delta"] for m in body["movements"]] == [-4, 4]
    assert await _levels(client, staff, warehouse.widget) == {"on_hand": 10, "MAIN": 6, "BACK": 4}
    await assert_stock_invariant()


async def test_a_transfer_of_more_than_is_there_is_a_conflict(client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    await _stock(client, staff, warehouse.widget, warehouse.main, 3)
    response = await client.post(
        "/api/v1/stock/transfers",
        json={
            "product_id": warehouse.widget,
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.back,
            "quantity": 4,
        },
        headers=staff,
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert await _levels(client, staff, warehouse.widget) == {"on_hand": 3, "MAIN": 3}


async def test_a_transfer_needs_two_different_locations(client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    response = await client.post(
        "/api/v1/stock/transfers",
        json={
            "product_id": warehouse.widget,
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.main,
            "quantity": 1,
        },
        headers=staff,
    )
    assert response.status_code == 400


# -- reads --------------------------------------------------------------------------------------


async def test_movements_filter_and_paginate(client, auth_headers, warehouse) -> None:
    manager = await auth_headers("manager")
    for _ in range(3):
        await _stock(client, manager, warehouse.widget, warehouse.main, 1)
    await _stock(client, manager, warehouse.gadget, warehouse.back, 1)
    await client.post(
        "/api/v1/stock/adjustments",
        json={
            "product_id": warehouse.widget,
            "location_id": warehouse.main,
            "delta": -1,
            "reason_code": "lost",
        },
        headers=manager,
    )
    viewer = await auth_headers("viewer")

    page = await client.get(
        f"/api/v1/stock/movements?product_id={warehouse.widget}&per_page=2", headers=viewer
    )
    by_reason = await client.get("/api/v1/stock/movements?reason=adjustment", headers=viewer)
    by_location = await client.get(f"/api/v1/stock/movements?location_id={warehouse.back}", headers=viewer)
    future = await client.get("/api/v1/stock/movements?since=2999-01-01T00:00:00Z", headers=viewer)

    assert page.status_code == 200
    assert page.json()["meta"] == {"page": 1, "per_page": 2, "total": 4, "pages": 2}
    assert [m["delta"] for m in page.json()["data"]] == [-1, 1]  # newest first
    assert [m["reason_code"] for m in by_reason.json()["data"]] == ["lost"]
    assert [m["product_id"] for m in by_location.json()["data"]] == [warehouse.gadget]
    assert future.json()["data"] == []


async def test_levels_of_an_unknown_product_are_404(client, auth_headers, warehouse) -> None:
    viewer = await auth_headers("viewer")
    response = await client.get("/api/v1/stock/levels?product_id=999999", headers=viewer)
    assert response.status_code == 404
