"""GET /api/v1/dashboard: every figure checked against a small catalog worked out by hand, who may
read it, and the cache: a refresh runs no SQL, and each kind of write shows on the next read."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.dashboard.service import DashboardService
from fllc_server.models import (
    Category,
    InventoryMovement,
    Location,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from sqlalchemy import event

DASHBOARD = "/api/v1/dashboard"
# A Thursday: the week began on Monday 2026-11-30; the 30 days are 2026-11-04 .. 2026-12-03.
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}+00:00")


async def seed(app: FastAPI, today: dt.date) -> dict[str, int]:
    """The catalog the figures below are worked out from (purchase orders dated around `today`)."""
    async with app.state.fllc.db.transaction() as session:

        async def add(row: Any) -> int:
            session.add(row)
            await session.flush()
            return int(row.id)

        tools = await add(Category(name="Tools"))
        hand = await add(Category(name="Hand tools", parent_id=tools))
        garden = await add(Category(name="Garden"))
        acme = await add(Supplier(name="Acme"))
        zen = await add(Supplier(name="Zen"))
        dock = await add(Location(code="DOCK", name="Dock"))

        def product(sku: str, **fields: Any) -> Product:
            return Product(sku=sku, name=sku.title(), **fields)

        ids = {
            "tools": tools,
            "garden": garden,
            "acme": acme,
            "zen": zen,
            "dock": dock,
            # value 10 x 2.50 = 25.00; above its point
            "hammer": await add(
                product(
                    "hammer",
                    category_id=hand,
                    unit_cost=Decimal("2.50"),
                    quantity_on_hand=10,
                    reorder_point=5,
                    reorder_quantity=10,
                )
            ),
            # value 2 x 10.00 = 20.00; low: 4 on order (PO-1), suggested max(8, 5-2+1) - 4 = 4
            "saw": await add(
                product(
                    "saw",
                    category_id=tools,
                    supplier_id=acme,
                    unit_cost=Decimal("10.00"),
                    quantity_on_hand=2,
                    reorder_point=5,
                    reorder_quantity=8,
                )
            ),
            # value 0; low and out: 5 on order (PO-3), suggested max(6, 3-0+1) - 5 = 1
            "rake": await add(
                product(
                    "rake",
                    category_id=garden,
                    supplier_id=zen,
                    unit_cost=Decimal("4.00"),
                    quantity_on_hand=0,
                    reorder_point=3,
                    reorder_quantity=6,
                )
            ),
            # no category, negative on hand: no value, no units; no policy: neither low nor out
            "hose": await add(product("hose", unit_cost=Decimal("1.25"), quantity_on_hand=-2)),
            # value 3 x 0.35 = 1.05
            "seed": await add(
                product("seed", category_id=garden, unit_cost=Decimal("0.35"), quantity_on_hand=3)
            ),
        }
        gone = product("gone", unit_cost=Decimal("100.00"), quantity_on_hand=50, reorder_point=99)
        gone.deleted_at = NOW
        await add(gone)

        async def order(
            number: str,
            supplier: int,
            status: str,
            expected: dt.date | None,
            lines: list[tuple[int, int, int, str]],
        ) -> int:
            order_id = await add(
                PurchaseOrder(number=number, supplier_id=supplier, status=status, expected_at=expected)
            )
            for product_id, ordered, received, cost in lines:
                await add(
                    PurchaseOrderLine(
                        purchase_order_id=order_id,
                        product_id=product_id,
                        ordered_quantity=ordered,
                        received_quantity=received,
                        unit_cost=Decimal(cost),
                    )
                )
            return order_id

        day = dt.timedelta(days=1)
        # sent and overdue: 4 x 9.00 = 36.00 still to come
        ids["po1"] = await order("PO-1", acme, "submitted", today - day, [(ids["saw"], 6, 2, "9.00")])
        # a draft is open (its units are on order) but never late: 3 x 2.00 = 6.00
        ids["po2"] = await order("PO-2", acme, "draft", today - 30 * day, [(ids["hammer"], 3, 0, "2.00")])
        # due tomorrow; one line complete (nothing to come), one with 5 x 3.50 = 17.50
        ids["po3"] = await order(
            "PO-3",
            zen,
            "partially_received",
            today + day,
            [(ids["seed"], 10, 10, "1.00"), (ids["rake"], 5, 0, "3.50")],
        )
        # closed orders count nowhere
        await order("PO-4", acme, "received", today - 9 * day, [(ids["hammer"], 5, 5, "2.00")])
        await order("PO-5", zen, "cancelled", today - 9 * day, [(ids["rake"], 8, 0, "3.00")])

        def move(
            product_id: int, delta: int, reason: str, when: dt.datetime, code: str | None = None
        ) -> None:
            session.add(
                InventoryMovement(
                    product_id=product_id,
                    location_id=dock,
                    delta=delta,
                    reason=reason,
                    reason_code=code,
                    created_at=when,
                )
            )

        move(ids["hammer"], 10, "intake", at("2026-12-03", "09:00"))  # today, this week
        move(ids["hammer"], -3, "sale", at("2026-12-03", "09:30"))
        move(ids["saw"], 4, "intake", at("2026-11-30", "08:00"))  # this week, not today
        move(ids["hammer"], 7, "intake", at("2026-11-29", "23:59"))  # last week
        move(ids["hammer"], -1, "adjustment", at("2026-11-20"), "damaged")
        move(ids["seed"], -2, "transfer", at("2026-11-25"), "out")  # transfers: no mover
        move(ids["seed"], 2, "transfer", at("2026-11-25"), "in")
        move(ids["rake"], -2, "sale", at("2026-11-04", "00:00"))  # the first of the 30 days
        move(ids["rake"], -5, "sale", at("2026-11-03", "23:59"))  # a day too old
        move(ids["hose"], -1, "intake", at("2026-12-03", "08:00"))  # a correction: no receipt
        await session.flush()
    return ids


async def test_every_figure_worked_out_by_hand(app: FastAPI) -> None:
    ids = await seed(app, NOW.date())
    async with app.state.fllc.db.transaction() as session:
        out = (await DashboardService(session).compute(NOW)).model_dump(mode="json")

    assert out["today"] == "2026-12-03"
    assert out["stock"] == {"value": "46.05", "units": 15, "skus": 5}
    assert out["value_by_category"] == [
        {"category_id": ids["tools"], "name": "Tools", "value": "45.00", "units": 12, "skus": 2},
        {"category_id": ids["garden"], "name": "Garden", "value": "1.05", "units": 3, "skus": 2},
        {"category_id": None, "name": "Uncategorised", "value": "0.00", "units": 0, "skus": 1},
    ]

    low = out["low_stock"]
    assert (low["count"], low["on_order_units"]) == (2, 9)
    # shortfall after what is on order: saw 5-2-4 = -1, rake 3-0-5 = -2
    assert [
        (i["sku"], i["supplier_name"], i["quantity_on_hand"], i["on_order"], i["suggested_quantity"])
        for i in low["items"]
    ] == [("saw", "Acme", 2, 4, 4), ("rake", "Zen", 0, 5, 1)]

    orders = out["purchase_orders"]
    assert orders["open"] == 3
    assert orders["by_status"] == {"draft": 1, "submitted": 1, "partially_received": 1}
    assert orders["value"] == "59.50"  # 36.00 + 6.00 + 17.50
    assert orders["late"] == 1
    assert [
        (o["number"], o["supplier_name"], o["expected_at"], o["outstanding_units"])
        for o in orders["late_orders"]
    ] == [("PO-1", "Acme", "2026-12-02", 4)]

    assert out["receipts"] == {
        "today": {"movements": 1, "units": 10},
        "this_week": {"movements": 2, "units": 14},
    }

    assert out["reasons"] == ["adjustment", "intake", "sale", "transfer"]
    days = out["movements_per_day"]
    assert len(days) == 30
    assert (days[0]["date"], days[-1]["date"]) == ("2026-11-04", "2026-12-03")
    busy = {
        d["date"]: {r: (f["movements"], f["units"]) for r, f in d["by_reason"].items() if f["movements"]}
        for d in days
        if any(f["movements"] for f in d["by_reason"].values())
    }
    assert busy == {
        "2026-11-04": {"sale": (1, 2)},
        "2026-11-20": {"adjustment": (1, 1)},
        "2026-11-25": {"transfer": (2, 4)},
        "2026-11-29": {"intake": (1, 7)},
        "2026-11-30": {"intake": (1, 4)},
        "2026-12-03": {"intake": (2, 11), "sale": (1, 3)},
    }
    assert set(days[5]["by_reason"]) == set(out["reasons"])  # every reason on every day, zeros too

    # hammer 10 + 3 + 7 + 1 = 21 units in 4 movements; hose's correction: 1; seed only moved bins
    assert [(m["sku"], m["movements"], m["units"]) for m in out["top_movers"]] == [
        ("hammer", 4, 21),
        ("saw", 1, 4),
        ("rake", 1, 2),
        ("hose", 1, 1),
    ]

    assert out["stockouts"]["count"] == 1
    assert [(s["sku"], s["quantity_on_hand"], s["on_order"]) for s in out["stockouts"]["items"]] == [
        ("rake", 0, 5)
    ]


async def test_managers_and_admins_only(client: httpx.AsyncClient, auth_headers) -> None:
    for role in ("manager", "admin"):
        response = await client.get(DASHBOARD, headers=await auth_headers(role))
        assert response.status_code == 200, (role, response.text)
    for role in ("staff", "viewer"):
        response = await client.get(DASHBOARD, headers=await auth_headers(role))
        assert response.status_code == 403, role
        assert response.json()["error"]["details"] == [{"permission": "reports.generate"}]
    assert (await client.get(DASHBOARD)).status_code == 401


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile."""
    seen: list[str] = []
    engine = app.state.fllc.db.engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
async def manager(auth_headers) -> dict[str, str]:
    return await auth_headers("manager")


async def _read(client: httpx.AsyncClient, headers: dict[str, str], cache: str) -> dict[str, Any]:
    response = await client.get(DASHBOARD, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["x-cache"] == cache
    body: dict[str, Any] = response.json()
    return body


async def test_a_refresh_is_answered_from_the_cache_without_sql(app, client, manager) -> None:
    await seed(app, dt.datetime.now(dt.UTC).date())
    first = await _read(client, manager, "miss")
    with statements(app) as ran:
        again = await client.get(DASHBOARD, headers=manager)
    assert again.headers["x-cache"] == "hit"
    assert again.json() == first
    assert [s for s in ran if "products" in s or "inventory_log" in s or "purchase_orders" in s] == []


async def test_each_kind_of_write_shows_on_the_next_read(app, client, manager) -> None:
    ids = await seed(app, dt.datetime.now(dt.UTC).date())
    before = await _read(client, manager, "miss")
    await _read(client, manager, "hit")

    # stock: 5 hammers received today
    intake = {"product_id": ids["hammer"], "quantity": 5, "location_id": ids["dock"]}
    response = await client.post("/api/v1/stock/intake", json=intake, headers=manager)
    assert response.status_code == 201, response.text
    after = await _read(client, manager, "miss")
    assert after["stock"] == {"value": "58.55", "units": 20, "skus": 5}  # + 5 x 2.50
    assert after["receipts"]["today"]["units"] == before["receipts"]["today"]["units"] + 5
    assert after["top_movers"][0]["sku"] == "hammer"

    # catalog: the saw's reorder point drops below its stock: no longer low
    saw = (await client.get(f"/api/v1/products/{ids['saw']}", headers=manager)).json()
    response = await client.patch(
        f"/api/v1/products/{ids['saw']}",
        json={"reorder_point": 1, "version": saw["version"]},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    after = await _read(client, manager, "miss")
    assert [i["sku"] for i in after["low_stock"]["items"]] == ["rake"]

    # purchasing: a new draft for 2 rakes at 4.00
    order = {
        "supplier_id": ids["zen"],
        "lines": [{"product_id": ids["rake"], "ordered_quantity": 2, "unit_cost": "4.00"}],
    }
    response = await client.post("/api/v1/purchase-orders", json=order, headers=manager)
    assert response.status_code == 201, response.text
    after = await _read(client, manager, "miss")
    assert after["purchase_orders"]["open"] == 4
    assert after["purchase_orders"]["by_status"]["draft"] == 2
    assert after["purchase_orders"]["value"] == "67.50"  # 59.50 + 8.00
    assert after["low_stock"]["items"][0]["on_order"] == 7
    await _read(client, manager, "hit")


async def test_a_burst_of_refreshes_after_a_write_computes_once(app, client, manager) -> None:
    ids = await seed(app, dt.datetime.now(dt.UTC).date())
    await _read(client, manager, "miss")
    intake = {"product_id": ids["saw"], "quantity": 1, "location_id": ids["dock"]}
    assert (await client.post("/api/v1/stock/intake", json=intake, headers=manager)).status_code == 201
    with statements(app) as ran:
        answers = await asyncio.gather(*(client.get(DASHBOARD, headers=manager) for _ in range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert sorted(a.headers["x-cache"] for a in answers) == ["hit"] * 7 + ["miss"]
    value_queries = [s for s in ran if "sum(CASE WHEN" in s and "unit_cost" in s]
    assert len(value_queries) == 1, value_queries
