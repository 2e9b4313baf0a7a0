"""POST /api/v1/sync/push: each op exactly once, in order, authorized with its author's current role."""

from __future__ import annotations

from fllc_server.models import AppliedOp, InventoryMovement
from sqlalchemy import func, select


async def _movement_count(app) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InventoryMovement)) or 0)


async def test_a_batch_pushed_twice_applies_once(push, ops, auth_headers, warehouse, on_hand) -> None:
    staff = await auth_headers("staff")
    batch = [
        ops.intake(warehouse.widget, 5),
        ops.intake(warehouse.gadget, 2),
        ops.intake(warehouse.widget, 1),
    ]

    first = await push(staff, *batch)
    second = await push(staff, *batch)

    assert first.status_code == second.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["applied"] * 3
    assert [r["status"] for r in second.json()["results"]] == ["duplicate"] * 3
    assert [r["result"] for r in second.json()["results"]] == [r["result"] for r in first.json()["results"]]
    assert [r["op_id"] for r in second.json()["results"]] == [op["op_id"] for op in batch]
    assert await on_hand(staff, warehouse.widget) == 6
    assert await on_hand(staff, warehouse.gadget) == 2


async def test_ops_apply_in_order_and_report_the_running_quantity(push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    response = await push(staff, *(ops.intake(warehouse.widget, n) for n in (1, 2, 3)))
    assert [r["result"]["quantity_on_hand"] for r in response.json()["results"]] == [1, 3, 6]
    assert "error" not in response.json()["results"][0]


async def test_duplicates_within_a_batch_and_reordering_across_batches(
    app, push, ops, auth_headers, warehouse, on_hand
) -> None:
    staff = await auth_headers("staff")
    a, b, c = (
        ops.intake(warehouse.widget, 1),
        ops.intake(warehouse.widget, 10),
        ops.intake(warehouse.widget, 100),
    )

    first = await push(staff, a, b, a)
    second = await push(staff, b, c, a, c)

    assert [r["status"] for r in first.json()["results"]] == ["applied", "applied", "duplicate"]
    assert [r["status"] for r in second.json()["results"]] == [
        "duplicate",
        "applied",
        "duplicate",
        "duplicate",
    ]
    assert await on_hand(staff, warehouse.widget) == 111
    assert await _movement_count(app) == 3


async def test_a_rest_write_and_a_synced_op_with_the_same_id_apply_once(
    client, push, ops, auth_headers, warehouse, on_hand
) -> None:
    staff = await auth_headers("staff")
    op = ops.intake(warehouse.widget, 4)
    rest = await client.post(
        "/api/v1/stock/intake", json=op["payload"], headers={**staff, "Idempotency-Key": op["op_id"]}
    )

    synced = await push(staff, op)

    assert rest.status_code == 201
    assert synced.json()["results"][0]["status"] == "duplicate"
    assert synced.json()["results"][0]["result"] == rest.json()
    assert await on_hand(staff, warehouse.widget) == 4


async def test_pushing_another_users_op_is_rejected(
    push, ops, make_user, login, auth_headers, warehouse, on_hand
) -> None:
    alice = await auth_headers("staff")
    bob_user = await make_user("staff")
    bob = {"Authorization": f"Bearer {(await login(bob_user['username']))['access_token']}"}
    op = ops.intake(warehouse.widget, 3)
    await push(alice, op)

    response = await push(bob, op, ops.intake(warehouse.gadget, 1))

    results = response.json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "op_owner_mismatch"
    assert "result" not in results[0]
    assert results[1]["status"] == "applied"
    assert await on_hand(alice, warehouse.widget) == 3


async def test_a_kind_the_role_lacks_is_rejected_and_the_others_stand(
    app, push, ops, auth_headers, warehouse, on_hand
) -> None:
    staff = await auth_headers("staff")
    adjust = ops.make("stock.adjust", {"product_id": warehouse.widget, "delta": 5, "reason_code": "found"})

    response = await push(staff, ops.intake(warehouse.widget, 1), adjust, ops.intake(warehouse.widget, 2))

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"]["code"] == "permission_denied"
    assert await on_hand(staff, warehouse.widget) == 3
    async with app.state.fllc.db.sessions() as session:
        assert await session.get(AppliedOp, adjust["op_id"]) is None  # may be pushed again later


async def test_a_role_lost_while_offline_rejects_the_ops(
    client, push, ops, make_user, login, auth_headers, warehouse, on_hand
) -> None:
    admin = await auth_headers("admin")
    clerk = await make_user("staff")
    token = (await login(clerk["username"]))["access_token"]
    outbox = [ops.intake(warehouse.widget, 7)]  # made while the tablet was offline

    demoted = await client.put(f"/api/v1/users/{clerk['id']}/role", json={"role": "viewer"}, headers=admin)
    assert demoted.status_code == 200, demoted.text
    token = (await login(clerk["username"]))["access_token"]
    response = await push({"Authorization": f"Bearer {token}"}, *outbox)

    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "rejected"
    assert response.json()["results"][0]["error"]["code"] == "permission_denied"
    assert await on_hand(admin, warehouse.widget) == 0


async def test_a_refused_op_rolls_back_alone(push, ops, auth_headers, warehouse, on_hand) -> None:
    manager = await auth_headers("manager")
    overdraw = ops.make(
        "stock.transfer",
        {
            "product_id": warehouse.widget,
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.back,
            "quantity": 50,
        },
    )
    unknown = ops.make("stock.intake", {"product_id": 999999, "quantity": 1})

    response = await push(
        manager, ops.intake(warehouse.widget, 5), overdraw, unknown, ops.intake(warehouse.widget, 1)
    )

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["error"]["code"] == "insufficient_stock"
    assert results[2]["error"]["code"] == "product_not_found"
    assert await on_hand(manager, warehouse.widget) == 6


async def test_a_stale_product_update_is_a_conflict_with_the_current_product(
    push, ops, auth_headers, warehouse
) -> None:
    manager = await auth_headers("manager")
    first = ops.make(
        "product.update", {"product_id": warehouse.widget, "version": 1, "name": "Widget Pro"}, base_version=1
    )
    stale = ops.make(
        "product.update", {"product_id": warehouse.widget, "version": 1, "price": "9.99"}, base_version=1
    )

    response = await push(manager, first, stale)

    applied, conflict = response.json()["results"]
    assert applied["status"] == "applied"
    assert applied["result"]["name"] == "Widget Pro"
    assert applied["result"]["version"] == 2
    assert conflict["status"] == "conflict"
    assert conflict["error"]["code"] == "version_conflict"
    assert conflict["current"]["name"] == "Widget Pro"
    assert conflict["current"]["version"] == 2
    assert conflict["current"]["price"] == "0.00"


async def test_staff_cannot_update_products_by_sync(push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    op = ops.make(
        "product.update", {"product_id": warehouse.widget, "version": 1, "name": "X"}, base_version=1
    )
    response = await push(staff, op)
    assert response.json()["results"][0]["error"]["code"] == "permission_denied"


# -- whole-batch refusals -----------------------------------------------------------------------


async def test_an_unknown_kind_refuses_the_whole_batch(app, push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    response = await push(staff, ops.intake(warehouse.widget, 1), ops.make("stock.teleport", {"x": 1}))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "ops.1.kind"
    assert await _movement_count(app) == 0


async def test_a_bad_payload_refuses_the_whole_batch(app, push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    bad = ops.make("stock.intake", {"product_id": warehouse.widget, "quantity": 1.5})

    response = await push(staff, ops.intake(warehouse.widget, 1), bad)

    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "ops.1.payload.quantity"
    assert await _movement_count(app) == 0


async def test_a_malformed_envelope_is_400(push, ops, client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    no_device = await client.post("/api/v1/sync/push", json={"ops": []}, headers=staff)
    bad_op_id = await push(staff, ops.intake(warehouse.widget, 1, op_id="short"))
    extra_field = await push(staff, {**ops.intake(warehouse.widget, 1), "priority": 1})
    assert (no_device.status_code, bad_op_id.status_code, extra_field.status_code) == (400, 400, 400)


async def test_an_oversized_batch_is_413_and_applies_nothing(app, push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    app.state.fllc.settings.max_sync_batch = 3

    response = await push(staff, *(ops.intake(warehouse.widget, 1) for _ in range(4)))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert await _movement_count(app) == 0


async def test_push_needs_a_signed_in_user(push, ops, warehouse) -> None:
    response = await push({}, ops.intake(warehouse.widget, 1))
    assert response.status_code == 401
