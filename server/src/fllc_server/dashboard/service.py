"""Working out the dashboard: every figure from the database in one read transaction.

The answer is cached (endpoints + catalog.cache): it is computed once per catalog generation
(every committed write of products, stock or purchase orders replaces the generation) and per UTC
day (receipts today and late orders depend on the date), so refreshing costs the database nothing
until something changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.dashboard.repository import DashboardRepository, ValueRow
from fllc_server.dashboard.schemas import (
    CategoryValue,
    DashboardOut,
    LateOrder,
    LowStock,
    LowStockItem,
    MovementDay,
    Mover,
    PurchaseOrders,
    ReasonFigures,
    Receipts,
    ReceiptsSummary,
    Stockout,
    Stockouts,
    StockTotals,
)
from fllc_server.models import utcnow
from fllc_server.purchasing.schemas import OPEN_STATUSES
from fllc_server.purchasing.suggestions import suggested_for

DAYS = 30
TOP_MOVERS = 10
LOW_STOCK_ITEMS = 50
STOCKOUT_ITEMS = 50
LATE_ORDERS = 20
UNCATEGORISED = "Uncategorised"


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


class DashboardService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DashboardRepository(session)

    async def compute(self, now: dt.datetime | None = None) -> DashboardOut:
        now = now or utcnow()
        today = now.astimezone(dt.UTC).date()
        values = await self.repo.value_by_category()
        low_stock = await self._low_stock()
        reasons, per_day, movers = await self._movements(today)
        return DashboardOut(
            generated_at=now,
            today=today,
            stock=StockTotals(
                value=sum((row.value for row in values), Decimal("0.00")),
                units=sum(row.units for row in values),
                skus=sum(row.skus for row in values),
            ),
            value_by_category=self._by_top_category(values, await self.repo.categories()),
            low_stock=low_stock,
            purchase_orders=await self._purchase_orders(today),
            receipts=await self._receipts(today),
            reasons=reasons,
            movements_per_day=per_day,
            top_movers=movers,
            stockouts=await self._stockouts(),
        )

    @staticmethod
    def _by_top_category(
        values: list[ValueRow], categories: dict[int, tuple[str, int | None]]
    ) -> list[CategoryValue]:
        def root(category_id: int | None) -> int | None:
            seen: set[int] = set()
            while category_id is not None and category_id in categories and category_id not in seen:
                seen.add(category_id)
                parent = categories[category_id][1]
                if parent is None or parent not in categories:
                    return category_id
                category_id = parent
            return category_id

        totals: dict[int | None, list[int | Decimal]] = defaultdict(lambda: [Decimal("0.00"), 0, 0])
        for row in values:
            total = totals[root(row.category_id)]
            total[0] += row.value
            total[1] += row.units
            total[2] += row.skus
        out = [
            CategoryValue(
                category_id=category_id,
                name=categories[category_id][0] if category_id in categories else UNCATEGORISED,
                value=Decimal(value),
                units=int(units),
                skus=int(skus),
            )
            for category_id, (value, units, skus) in totals.items()
        ]
        return sorted(out, key=lambda c: (-c.value, c.name, c.category_id or 0))

    async def _low_stock(self) -> LowStock:
        """The suggestions' products (at or below the reorder point) with what open orders bring."""
        count, on_order, rows = await self.repo.low_stock(LOW_STOCK_ITEMS)
        items = [
            LowStockItem(
                product_id=row.product_id,
                sku=row.sku,
                name=row.name,
                supplier_id=row.supplier_id,
                supplier_name=row.supplier_name,
                quantity_on_hand=row.quantity_on_hand,
                reorder_point=row.reorder_point,
                reorder_quantity=row.reorder_quantity,
                on_order=int(row.on_order),
                suggested_quantity=max(
                    0,
                    suggested_for(
                        row.reorder_point, row.reorder_quantity, row.quantity_on_hand, int(row.on_order)
                    ),
                ),
            )
            for row in rows
        ]
        return LowStock(count=count, on_order_units=on_order, limit=LOW_STOCK_ITEMS, items=items)

    async def _purchase_orders(self, today: dt.date) -> PurchaseOrders:
        by_status = {status.value: 0 for status in OPEN_STATUSES}
        by_status.update(await self.repo.open_orders_by_status())
        late, rows = await self.repo.late_orders(today, LATE_ORDERS)
        return PurchaseOrders(
            open=sum(by_status.values()),
            by_status=by_status,
            value=await self.repo.open_orders_value(),
            late=late,
            late_orders=[
                LateOrder(
                    id=order_id,
                    number=number,
                    supplier_id=supplier_id,
                    supplier_name=supplier_name,
                    status=status,
                    expected_at=expected_at,
                    outstanding_units=int(outstanding or 0),
                )
                for order_id, number, supplier_id, supplier_name, status, expected_at, outstanding in rows
            ],
        )

    async def _receipts(self, today: dt.date) -> ReceiptsSummary:
        monday = today - dt.timedelta(days=today.weekday())
        row = await self.repo.receipts(day_start(today), day_start(monday))
        return ReceiptsSummary(
            today=Receipts(movements=row.movements_today, units=row.units_today),
            this_week=Receipts(movements=row.movements_week, units=row.units_week),
        )

    async def _movements(self, today: dt.date) -> tuple[list[str], list[MovementDay], list[Mover]]:
        first = today - dt.timedelta(days=DAYS - 1)
        since = day_start(first)
        rows = await self.repo.movements_per_day(since)
        reasons = sorted({reason for _, reason, _, _ in rows})
        figures: dict[dt.date, dict[str, ReasonFigures]] = defaultdict(dict)
        for day, reason, count, units in rows:
            figures[day][reason] = ReasonFigures(movements=count, units=units)
        days = [first + dt.timedelta(days=n) for n in range(DAYS)]
        empty = ReasonFigures(movements=0, units=0)
        movers = await self.repo.top_movers(since, TOP_MOVERS)
        return (
            reasons,
            [
                MovementDay(date=day, by_reason={r: figures[day].get(r, empty) for r in reasons})
                for day in days
            ],
            [
                Mover(product_id=pid, sku=sku, name=name, movements=int(count), units=int(units or 0))
                for pid, sku, name, count, units in movers
            ],
        )

    async def _stockouts(self) -> Stockouts:
        count, rows = await self.repo.stockouts(STOCKOUT_ITEMS)
        return Stockouts(
            count=count,
            limit=STOCKOUT_ITEMS,
            items=[
                Stockout(
                    product_id=row.product_id,
                    sku=row.sku,
                    name=row.name,
                    quantity_on_hand=row.quantity_on_hand,
                    reorder_point=row.reorder_point,
                    on_order=int(row.on_order),
                )
                for row in rows
            ],
        )
