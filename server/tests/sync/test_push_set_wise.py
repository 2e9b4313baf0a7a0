"""Runs of stock ops are applied set-wise (sync.bulk / stock.bulk): the same answers, rows and
guarantees as applying them one at a time — shapes, refusals, order across kinds, exactly once
under concurrency, a movement, an audit row and a change per movement, events after commit."""

from __future__ import annotations

import asyncio
import json

import pytest
from fllc_server.models import AppliedOp, AuditEntry, Change, InventoryMovement, Product
from fllc_server.stock.schemas import StockChangeOut, TransferOut
from fllc_server.sync.repository import AppliedOpRepository
from fllc_server.sync.service import _lost_a_lock_race
from sqlalchemy import func, select

INTAKE_URL = "/api/v1/stock/intake"


def _statuses(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


async def _count(app, model, *where) -> int:
    async with app.state.fllc.db.sessions() as session:
        query = select(func.count()).select_from(model)
        return int(await session.scalar(query.where(*where) if where else query) or 0)


@pytest.fixture
async def scanned(app) -> int:
    """A product with a barcode (UPC-A 012345678905, stored as 13 digits)."""
    async with app.state.fllc.db.transaction() as session:
        product = Product(sku="SCAN-1", barcode="0012345678905", name="Scanned")
        session.add(product)
        await session.flush()
        return product.id


# -- answers ----------------------------------------------------------------------------------


async def test_set_wise_results_have_the_rest_shapes(client, push, ops, auth_headers, warehouse) -> None:
    manager = await auth_headers("manager")
    intake = {
        "product_id": warehouse.widget,
        "quantity": 9,
        "location_id": warehouse.main,
        "lot": "L-1",
        "expiry": "2031-02-28",
        "note": "first pallet",
    }
    transfer = {
        "product_id": warehouse.widget,
        "from_location_id": warehouse.main,
        "to_location_id": warehouse.back,
        "quantity": 4,
    }
    adjust = {
        "product_id": warehouse.widget,
        "delta": -1,
        "reason_code": "damaged",
        "location_id": warehouse.back,
    }

    synced = (
        await push(
            manager,
            ops.make("stock.intake", intake),
            ops.make("stock.transfer", transfer),
            ops.make("stock.adjust", adjust),
        )
    ).json()["results"]
    rest = [
        (await client.post(INTAKE_URL, json=intake, headers=manager)).json(),
        (await client.post("/api/v1/stock/transfers", json=transfer, headers=manager)).json(),
        (await client.post("/api/v1/stock/adjustments", json=adjust, headers=manager)).json(),
    ]

    results = [r["result"] for r in synced]
    assert [r["status"] for r in synced] == ["applied"] * 3
    for model, result in zip((StockChangeOut, TransferOut, StockChangeOut), results, strict=True):
        assert model.model_validate(result).model_dump(mode="json") == result
    for result, answer in zip(results, rest, strict=True):
        assert result.keys() == answer.keys()
    assert results[0]["movement"].keys() == rest[0]["movement"].keys()
    movement = results[0]["movement"]
    assert (movement["lot"], movement["expiry"], movement["note"]) == ("L-1", "2031-02-28", "first pallet")
    assert movement["op_id"] == synced[0]["op_id"]
    assert [m["reason_code"] for m in results[1]["movements"]] == ["out", "in"]
    assert (results[1]["from_quantity"], results[1]["to_quantity"], results[1]["quantity_on_hand"]) == (
        5,
        4,
        9,
    )
    assert (results[2]["location_quantity"], results[2]["quantity_on_hand"]) == (3, 8)
    # The REST writes ran on top: the same steps again from 8.
    assert (rest[0]["quantity_on_hand"], rest[2]["quantity_on_hand"]) == (17, 16)


async def test_a_mixed_batch_applies_in_order_across_kinds(
    push, ops, auth_headers, warehouse, on_hand, assert_stock_invariant
) -> None:
    manager = await auth_headers("manager")
    batch = [
        ops.make(
            "stock.intake", {"product_id": warehouse.widget, "quantity": 10, "location_id": warehouse.main}
        ),
        ops.make(
            "stock.count",
            {
                "location_id": warehouse.main,
                "apply": True,
                "lines": [{"product_id": warehouse.widget, "counted_quantity": 7}],
            },
        ),
        ops.make(
            "stock.intake", {"product_id": warehouse.widget, "quantity": 1, "location_id": warehouse.main}
        ),
        ops.make(
            "stock.transfer",
            {
                "product_id": warehouse.widget,
                "from_location_id": warehouse.main,
                "to_location_id": warehouse.back,
                "quantity": 3,
            },
        ),
        ops.make(
            "product.update",
            {"product_id": warehouse.widget, "version": 1, "name": "Widget v2"},
            base_version=1,
        ),
        ops.make(
            "stock.adjust",
            {
                "product_id": warehouse.widget,
                "delta": -2,
                "reason_code": "damaged",
                "location_id": warehouse.back,
            },
        ),
    ]

    response = await push(manager, *batch)

    assert _statuses(response) == ["applied"] * 6
    results = [r["result"] for r in response.json()["results"]]
    assert results[0]["quantity_on_hand"] == 10
    assert results[1]["lines"][0]["difference"] == -3
    assert results[2]["quantity_on_hand"] == 8
    assert (results[3]["from_quantity"], results[3]["to_quantity"]) == (5, 3)
    assert results[4]["name"] == "Widget v2"
    assert (results[5]["quantity_on_hand"], results[5]["location_quantity"]) == (6, 1)
    assert await on_hand(manager, warehouse.widget) == 6
    await assert_stock_invariant()


async def test_every_movement_leaves_its_log_audit_and_change_rows(
    app, push, ops, auth_headers, warehouse
) -> None:
    manager = await auth_headers("manager")
    intakes = [ops.intake(warehouse.widget if n % 2 else warehouse.gadget, n + 1) for n in range(4)]
    transfer = ops.make(
        "stock.transfer",
        {
            "product_id": warehouse.gadget,
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.back,
            "quantity": 2,
        },
    )

    response = await push(manager, *intakes, transfer)

    assert _statuses(response) == ["applied"] * 5
    results = [r["result"] for r in response.json()["results"]]
    answered = [r["movement"]["id"] for r in results[:4]] + [m["id"] for m in results[4]["movements"]]

    async with app.state.fllc.db.sessions() as session:
        movements = (await session.scalars(select(InventoryMovement).order_by(InventoryMovement.id))).all()
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action.like("stock.%")))).all()
        changes = (await session.scalars(select(Change).order_by(Change.seq))).all()
    op_ids = [op["op_id"] for op in intakes] + [transfer["op_id"]] * 2
    assert [m.op_id for m in movements] == op_ids
    assert answered == [m.id for m in movements]
    assert [m.delta for m in movements] == [1, 2, 3, 4, -2, 2]
    assert [(a.action, a.after["movement_id"]) for a in audit] == [
        ("stock.intake", m.id) for m in movements[:4]
    ] + [("stock.transfer", m.id) for m in movements[4:]]
    assert audit[-1].before == {"quantity_on_hand": 2, "location_quantity": 0}
    assert audit[-1].after["location_quantity"] == 2
    assert [c.entity_id for c in changes] == [m.product_id for m in movements]


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"sku": "NOPE-1", "quantity": 1},
        {"sku": "wid-1", "quantity": 1},  # whatever the database's collation says, both agree
        {"barcode": "4006381333931", "quantity": 1},
        {"barcode": "12345", "quantity": 1},
        {"product_id": 999999, "quantity": 1},
        {"product_id": "WIDGET", "quantity": 1, "location_id": 999999},
    ],
)
async def test_a_set_wise_refusal_is_the_rest_refusal(
    client, push, ops, auth_headers, warehouse, payload
) -> None:
    staff = await auth_headers("staff")
    if payload.get("product_id") == "WIDGET":
        payload = {**payload, "product_id": warehouse.widget}

    rest = await client.post(INTAKE_URL, json=payload, headers=staff)
    synced = (await push(staff, ops.make("stock.intake", payload))).json()["results"][0]

    if rest.status_code == 201:
        assert synced["status"] == "applied"
        assert synced["result"]["product_id"] == rest.json()["product_id"]
    else:
        assert synced["status"] == "rejected"
        assert synced["error"]["code"] == rest.json()["error"]["code"]
        assert synced["error"]["message"] == rest.json()["error"]["message"]


async def test_an_overdraw_is_refused_with_what_is_there(push, ops, auth_headers, warehouse) -> None:
    manager = await auth_headers("manager")
    response = await push(
        manager,
        ops.make(
            "stock.intake", {"product_id": warehouse.widget, "quantity": 2, "location_id": warehouse.back}
        ),
        ops.make(
            "stock.adjust",
            {
                "product_id": warehouse.widget,
                "delta": -3,
                "reason_code": "lost",
                "location_id": warehouse.back,
            },
        ),
        ops.make(
            "stock.adjust",
            {
                "product_id": warehouse.widget,
                "delta": -2,
                "reason_code": "lost",
                "location_id": warehouse.back,
            },
        ),
    )

    assert _statuses(response) == ["applied", "rejected", "applied"]
    error = response.json()["results"][1]["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"] == [
        {"product_id": warehouse.widget, "location_id": warehouse.back, "available": 2, "requested": 3}
    ]
    assert response.json()["results"][2]["result"]["location_quantity"] == 0


async def test_without_any_location_an_intake_is_refused(app, push, ops, auth_headers) -> None:
    staff = await auth_headers("staff")
    async with app.state.fllc.db.transaction() as session:
        product = Product(sku="LONE-1", name="Lonely")
        session.add(product)
        await session.flush()
        product_id = product.id

    response = await push(staff, ops.intake(product_id, 1))

    assert response.json()["results"][0]["error"]["code"] == "no_location"


async def test_a_barcode_intake_in_a_run_finds_the_product(
    push, ops, auth_headers, warehouse, scanned
) -> None:
    staff = await auth_headers("staff")
    response = await push(
        staff,
        ops.make("stock.intake", {"barcode": "012345678905", "quantity": 2}),
        ops.make("stock.intake", {"barcode": "(01)00012345678905", "quantity": 3}),
        ops.make("stock.intake", {"sku": "SCAN-1", "quantity": 4}),
    )
    assert _statuses(response) == ["applied"] * 3
    assert [r["result"]["quantity_on_hand"] for r in response.json()["results"]] == [2, 5, 9]


async def test_a_refused_op_may_apply_later_in_the_same_batch(
    app, push, ops, auth_headers, warehouse, on_hand
) -> None:
    manager = await auth_headers("manager")
    move = ops.make(
        "stock.transfer",
        {
            "product_id": warehouse.widget,
            "from_location_id": warehouse.main,
            "to_location_id": warehouse.back,
            "quantity": 4,
        },
    )
    fill = ops.make(
        "stock.intake", {"product_id": warehouse.widget, "quantity": 5, "location_id": warehouse.main}
    )

    response = await push(manager, move, fill, move, move)

    assert _statuses(response) == ["rejected", "applied", "applied", "duplicate"]
    results = response.json()["results"]
    assert results[3]["result"] == results[2]["result"]
    async with app.state.fllc.db.sessions() as session:
        record = await session.get(AppliedOp, move["op_id"])
    assert record is not None
    assert record.result == results[2]["result"]
    assert await on_hand(manager, warehouse.widget) == 5


async def test_an_op_id_refused_then_applied_with_another_payload_records_the_applied_one(
    push, ops, auth_headers, warehouse, on_hand
) -> None:
    manager = await auth_headers("manager")
    refused = ops.make(
        "stock.transfer",
        {"product_id": warehouse.widget, "from_location_id": warehouse.main,
         "to_location_id": warehouse.back, "quantity": 4},
    )  # fmt: skip
    applied = {**ops.intake(warehouse.widget, 5), "op_id": refused["op_id"]}

    first = await push(manager, refused, applied)
    again = await push(manager, applied, refused)

    assert _statuses(first) == ["rejected", "applied"]
    assert _statuses(again) == ["duplicate", "rejected"]
    assert again.json()["results"][0]["result"] == first.json()["results"][1]["result"]
    assert again.json()["results"][1]["error"]["code"] == "idempotency_key_reused"
    assert await on_hand(manager, warehouse.widget) == 5


async def test_one_op_id_with_two_payloads_in_a_batch_applies_the_first(
    push, ops, auth_headers, warehouse, on_hand
) -> None:
    staff = await auth_headers("staff")
    first = ops.intake(warehouse.widget, 1)
    other = {**ops.intake(warehouse.widget, 50), "op_id": first["op_id"]}

    response = await push(staff, first, other)

    assert _statuses(response) == ["applied", "rejected"]
    assert response.json()["results"][1]["error"]["code"] == "idempotency_key_reused"
    assert await on_hand(staff, warehouse.widget) == 1


async def test_refused_ops_leave_no_record_and_no_change(app, push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    refused = [ops.intake(999999, 1), ops.make("stock.intake", {"sku": "NOPE", "quantity": 1})]

    response = await push(staff, *refused)

    assert _statuses(response) == ["rejected", "rejected"]
    assert await _count(app, AppliedOp) == 0
    assert await _count(app, Change) == 0
    assert await _count(app, InventoryMovement) == 0


# -- exactly once under concurrency -----------------------------------------------------------


async def test_two_concurrent_pushes_of_one_batch_apply_each_op_once(
    app, push, ops, auth_headers, warehouse, on_hand, assert_stock_invariant
) -> None:
    staff = await auth_headers("staff")
    batch = [ops.intake(warehouse.widget if n % 3 else warehouse.gadget, n + 1) for n in range(30)]

    first, second = await asyncio.gather(push(staff, *batch), push(staff, *batch))

    pairs = list(zip(first.json()["results"], second.json()["results"], strict=True))
    for a, b in pairs:
        assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"], (a, b)
        assert a["result"] == b["result"]
    assert await _count(app, InventoryMovement) == 30
    assert await _count(app, AppliedOp) == 30
    expected_widget = sum(n + 1 for n in range(30) if n % 3)
    assert await on_hand(staff, warehouse.widget) == expected_widget
    await assert_stock_invariant()


async def _push_until_taken(push, headers, *ops_):
    """As a device does: a push refused whole (409, nothing applied) is pushed again."""
    for _ in range(5):
        response = await push(headers, *ops_)
        if response.status_code != 409:
            return response
        assert response.json()["error"]["code"] == "operation_in_progress"
    raise AssertionError("the push kept being refused")


async def test_overlapping_concurrent_pushes_and_a_rest_write_apply_each_op_once(
    app, client, push, ops, auth_headers, warehouse, on_hand, assert_stock_invariant
) -> None:
    staff = await auth_headers("staff")
    batch = [ops.intake(warehouse.widget, 1) for _ in range(24)]
    rest_op = batch[5]

    responses = await asyncio.gather(
        _push_until_taken(push, staff, *batch[:16]),
        _push_until_taken(push, staff, *reversed(batch[8:])),
        _push_until_taken(push, staff, *batch[4:20]),
        client.post(
            INTAKE_URL, json=rest_op["payload"], headers={**staff, "Idempotency-Key": rest_op["op_id"]}
        ),
    )

    applied = [
        r["op_id"] for resp in responses[:3] for r in resp.json()["results"] if r["status"] == "applied"
    ]
    applied += [rest_op["op_id"]] if responses[3].headers.get("Idempotent-Replayed") != "true" else []
    assert sorted(applied) == sorted(op["op_id"] for op in batch)
    assert all(
        r["status"] in ("applied", "duplicate") for resp in responses[:3] for r in resp.json()["results"]
    )
    assert await on_hand(staff, warehouse.widget) == 24
    assert await _count(app, InventoryMovement) == 24
    await assert_stock_invariant()


async def test_pushes_of_two_users_and_rest_intakes_on_the_same_products_lose_no_update(
    app, client, push, ops, auth_headers, make_user, login, warehouse, on_hand, assert_stock_invariant
) -> None:
    alice = await auth_headers("staff")
    bob_user = await make_user("manager")
    bob = {"Authorization": f"Bearer {(await login(bob_user['username']))['access_token']}"}
    products = [warehouse.widget, warehouse.gadget]
    alices = [ops.intake(products[n % 2], 1) for n in range(40)]
    bobs = [
        ops.make("stock.adjust", {"product_id": products[n % 2], "delta": 2, "reason_code": "found"})
        for n in range(40)
    ]
    rest = [{"product_id": products[n % 2], "quantity": 3} for n in range(10)]

    responses = await asyncio.gather(
        _push_until_taken(push, alice, *alices),
        _push_until_taken(push, bob, *bobs),
        *(client.post(INTAKE_URL, json=body, headers=alice) for body in rest),
    )

    assert _statuses(responses[0]) == ["applied"] * 40
    assert _statuses(responses[1]) == ["applied"] * 40
    assert [r.status_code for r in responses[2:]] == [201] * 10
    assert await on_hand(alice, warehouse.widget) == 20 + 40 + 15
    assert await on_hand(alice, warehouse.gadget) == 20 + 40 + 15
    await assert_stock_invariant()


def test_a_deadlock_anywhere_in_the_chain_is_a_lost_race() -> None:
    class DriverError(Exception):
        pass

    class WrappedError(Exception):
        def __init__(self, code: int) -> None:
            super().__init__(code)
            self.orig = DriverError(code, "message")

    surfaced = WrappedError(1305)  # ROLLBACK TO SAVEPOINT failed: the deadlock ended the transaction
    surfaced.__cause__ = WrappedError(1213)

    assert _lost_a_lock_race(surfaced)
    assert _lost_a_lock_race(WrappedError(1205))
    assert not _lost_a_lock_race(WrappedError(1062))
    assert not _lost_a_lock_race(ValueError("no database here"))


async def test_an_op_committed_after_the_runs_first_read_replays(
    app, push, ops, auth_headers, warehouse, on_hand, monkeypatch
) -> None:
    """The reservation finds a key that another transaction committed after this run looked
    (the race between two pushes, made deterministic): the run starts again and replays it."""
    staff = await auth_headers("staff")
    taken, fresh = ops.intake(warehouse.widget, 5), ops.intake(warehouse.widget, 7)
    first = await push(staff, taken)
    looked = AppliedOpRepository.existing
    calls = []

    async def stale_first_look(self, op_ids):
        calls.append(set(op_ids))
        return {} if len(calls) == 1 else await looked(self, op_ids)

    monkeypatch.setattr(AppliedOpRepository, "existing", stale_first_look)
    response = await push(staff, taken, fresh)

    assert _statuses(response) == ["duplicate", "applied"]
    assert response.json()["results"][0]["result"] == first.json()["results"][0]["result"]
    assert len(calls) == 2  # the stale look; then the push again, in a new transaction
    assert await on_hand(staff, warehouse.widget) == 12
    assert await _count(app, InventoryMovement) == 2


async def test_a_run_that_keeps_losing_the_race_refuses_the_push_whole(
    app, push, ops, auth_headers, warehouse, on_hand, monkeypatch
) -> None:
    staff = await auth_headers("staff")
    taken = ops.intake(warehouse.widget, 5)
    await push(staff, taken)

    async def always_stale(self, op_ids):
        return {}

    monkeypatch.setattr(AppliedOpRepository, "existing", always_stale)
    response = await push(staff, ops.intake(warehouse.gadget, 1), taken)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "operation_in_progress"
    assert await _count(app, InventoryMovement) == 1
    assert await on_hand(staff, warehouse.gadget) == 0


# -- events -----------------------------------------------------------------------------------


async def test_a_run_announces_each_product_once_with_its_final_quantity(
    app, push, ops, auth_headers, warehouse
) -> None:
    staff = await auth_headers("staff")
    async with app.state.fllc.events.live() as queue:
        response = await push(
            staff,
            ops.intake(warehouse.widget, 1),
            ops.intake(warehouse.gadget, 2),
            ops.intake(warehouse.widget, 3),
        )
        assert _statuses(response) == ["applied"] * 3
        async with app.state.fllc.db.sessions() as session:
            newest = await session.scalar(
                select(func.max(Change.seq)).where(Change.entity_id == warehouse.widget)
            )
        # A marker push after it: its event comes after any the first push could still send.
        assert _statuses(await push(staff, ops.intake(warehouse.widget, 1))) == ["applied"]
        events = await _stock_events_before(queue, marker=(warehouse.widget, 5))

    assert len(events) == 2  # one per product, not one per movement
    by_product = {e["data"]["product_id"]: e for e in events}
    assert by_product[warehouse.widget]["data"]["quantity_on_hand"] == 4
    assert by_product[warehouse.widget]["data"]["delta"] == 4
    assert by_product[warehouse.gadget]["data"]["quantity_on_hand"] == 2
    assert by_product[warehouse.widget]["seq"] == newest


async def _stock_events_before(queue: asyncio.Queue[str], marker: tuple[int, int]) -> list[dict]:
    """The stock.changed events that arrive before the marker's (product id, quantity on hand)."""
    events: list[dict] = []
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await queue.get())
            if message.get("type") != "stock.changed":
                continue
            data = message["data"]
            if (data["product_id"], data["quantity_on_hand"]) == marker:
                return events
            events.append(message)
