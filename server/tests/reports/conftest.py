"""The golden data set: a few products whose every figure was worked out by hand (see the tests).

Stock is booked through StockService.move, the one primitive the API uses, then each movement is
dated back to its day, so levels, quantities on hand and the log agree as they do in production.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.models import (
    AuditEntry,
    Category,
    InventoryMovement,
    Location,
    Order,
    OrderItem,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from fllc_server.reports.service import build
from fllc_server.reports.table import Report
from fllc_server.state import AppState
from fllc_server.stock.schemas import StockCountIn
from fllc_server.stock.service import StockService
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


@dataclass
class Golden:
    state: AppState
    ids: dict[str, int] = field(default_factory=dict)

    async def report(
        self, kind: str, params: Any, now: dt.datetime = NOW
    ) -> tuple[Report, list[tuple[Any, ...]]]:
        from fllc_server.reports.schemas import PARAMS, ReportKind

        model = PARAMS[ReportKind(kind)]
        parsed = params if isinstance(params, model) else model.model_validate(params)
        async with self.state.db.replica_sessions() as session, session.begin():
            report = await build(session, ReportKind(kind), parsed, now)
            rows = [tuple(row) async for row in report.rows]
        return report, rows


async def book(
    state: AppState,
    product_id: int,
    location_id: int,
    delta: int,
    reason: str,
    when: dt.datetime,
    line_id: int | None = None,
) -> None:
    async with state.db.transaction() as session:
        change = await StockService(session, state, actor_id=None).move(
            product_id,
            location_id,
            delta,
            reason,
            allow_negative=reason == "sale",
            purchase_order_line_id=line_id,
        )
        await session.execute(
            update(InventoryMovement)
            .where(InventoryMovement.id == change.movement.id)
            .values(created_at=when)
        )


async def make_golden(state: AppState) -> Golden:
    golden = Golden(state)
    ids = golden.ids
    async with state.db.transaction() as session:
        rows: dict[str, Any] = {
            "tools": Category(name="Tools"),
            "paint": Category(name="Paint"),
            "acme": Supplier(name="Acme", lead_time_days=7),
            "brush_co": Supplier(name="Brush Co", lead_time_days=10),
            "main": Location(code="MAIN", name="Main floor"),
            "back": Location(code="BACK", name="Back store"),
        }
        session.add_all(rows.values())
        await session.flush()
        ids.update({name: row.id for name, row in rows.items()})
        products = {
            "hammer": Product(
                sku="HAM-1",
                name="Claw hammer",
                category_id=ids["tools"],
                supplier_id=ids["acme"],
                unit_cost=Decimal("10.00"),
                price=Decimal("19.00"),
                reorder_point=5,
                reorder_quantity=20,
            ),
            "saw": Product(
                sku="SAW-1",
                name="Hand saw",
                category_id=ids["tools"],
                supplier_id=ids["acme"],
                unit_cost=Decimal("25.50"),
                price=Decimal("40.00"),
                reorder_point=2,
                reorder_quantity=4,
            ),
            "paint": Product(
                sku="PNT-1",
                name="White paint 1L",
                category_id=ids["paint"],
                supplier_id=ids["brush_co"],
                unit_cost=Decimal("4.25"),
                price=Decimal("9.00"),
                reorder_point=60,
                reorder_quantity=100,
            ),
            "brush": Product(sku="BRU-1", name="Brush <b>&amp;</b> roller", unit_cost=Decimal("1.10")),
        }
        session.add_all(products.values())
        await session.flush()
        ids.update({name: row.id for name, row in products.items()})
        await _orders(session, ids)
    main, back = ids["main"], ids["back"]
    for product, location, delta, reason, day, line in [
        ("hammer", main, 10, "intake", "2026-01-10", None),
        ("hammer", main, 5, "intake", "2026-03-01", None),
        ("hammer", main, 8, "intake", "2026-05-20", ids["po1_hammer"]),
        ("hammer", main, -6, "sale", "2026-06-10", None),
        ("hammer", main, -4, "transfer", "2026-06-15", None),
        ("hammer", back, 4, "transfer", "2026-06-15", None),
        ("saw", main, 3, "intake", "2026-02-01", None),
        ("saw", main, -1, "sale", "2026-06-20", None),
        ("paint", back, 100, "intake", "2026-04-15", ids["po2_paint"]),
        ("paint", back, -40, "sale", "2026-06-01", None),
        ("paint", back, -2, "adjustment", "2026-06-25", None),
        ("brush", main, 50, "intake", "2025-11-01", None),
    ]:
        await book(state, ids[product], location, delta, reason, at(day), line)
    async with state.db.transaction() as session:
        count = StockCountIn.model_validate(
            {
                "location_id": main,
                "apply": False,
                "lines": [
                    {"product_id": ids["hammer"], "counted_quantity": 12},
                    {"product_id": ids["saw"], "counted_quantity": 2},
                    {"product_id": ids["brush"], "counted_quantity": 53},
                ],
            }
        )
        await StockService(session, state, actor_id=None).count(count, may_apply=False)
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.action == "stock.count.submitted")
            .values(created_at=at("2026-06-28"))
        )
    return golden


async def _orders(session: AsyncSession, ids: dict[str, int]) -> None:
    """PO-1 (Acme, submitted 05-01, expected 05-08): hammer 10 @ 9.50 (8 arrived 05-20), saw 4 @ 24.00;
    PO-2 (Brush Co, submitted 04-01, expected 04-20): paint 100 @ 4.00, all arrived 04-15; PO-3 a
    draft (Acme): saw 2. Sales orders: paint 40 @ 9.00 on 06-01, hammer 6 @ 19.00 on 06-10, saw 1 @
    40.00 on 06-20, and a cancelled one on 06-20 (hammer 99 @ 1.00)."""
    orders = {
        "po1": PurchaseOrder(
            number="PO-1",
            supplier_id=ids["acme"],
            status="partially_received",
            submitted_at=at("2026-05-01"),
            expected_at=dt.date(2026, 5, 8),
        ),
        "po2": PurchaseOrder(
            number="PO-2",
            supplier_id=ids["brush_co"],
            status="received",
            submitted_at=at("2026-04-01"),
            expected_at=dt.date(2026, 4, 20),
        ),
        "po3": PurchaseOrder(number="PO-3", supplier_id=ids["acme"], status="draft"),
    }
    session.add_all(orders.values())
    await session.flush()
    lines = {
        "po1_hammer": PurchaseOrderLine(
            purchase_order_id=orders["po1"].id,
            product_id=ids["hammer"],
            ordered_quantity=10,
            received_quantity=8,
            unit_cost=Decimal("9.50"),
        ),
        "po1_saw": PurchaseOrderLine(
            purchase_order_id=orders["po1"].id,
            product_id=ids["saw"],
            ordered_quantity=4,
            unit_cost=Decimal("24.00"),
        ),
        "po2_paint": PurchaseOrderLine(
            purchase_order_id=orders["po2"].id,
            product_id=ids["paint"],
            ordered_quantity=100,
            received_quantity=100,
            unit_cost=Decimal("4.00"),
        ),
        "po3_saw": PurchaseOrderLine(
            purchase_order_id=orders["po3"].id,
            product_id=ids["saw"],
            ordered_quantity=2,
            unit_cost=Decimal("24.00"),
        ),
    }
    session.add_all(lines.values())
    await session.flush()
    ids.update({name: line.id for name, line in lines.items()})
    for number, day, product, quantity, price, status in [
        ("SO-1", "2026-06-01", "paint", 40, "9.00", "placed"),
        ("SO-2", "2026-06-10", "hammer", 6, "19.00", "placed"),
        ("SO-3", "2026-06-20", "saw", 1, "40.00", "placed"),
        ("SO-4", "2026-06-20", "hammer", 99, "1.00", "cancelled"),
    ]:
        order = Order(number=number, status=status, created_at=at(day), total=Decimal(price) * quantity)
        session.add(order)
        await session.flush()
        session.add(
            OrderItem(
                order_id=order.id, product_id=ids[product], quantity=quantity, unit_price=Decimal(price)
            )
        )


@pytest.fixture
async def golden(app: FastAPI) -> Golden:
    return await make_golden(app.state.fllc)
