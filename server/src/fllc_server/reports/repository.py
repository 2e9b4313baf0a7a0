"""All queries the reports make. They run on the read replica's session when one is configured, so
they only read; aggregation that must be exact and portable (SQLite and MySQL alike) is done by the
database where it is a plain SUM/GROUP BY and in Python where it needs dates or rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import (
    AuditEntry,
    Category,
    EdiOrder,
    InventoryMovement,
    Location,
    Order,
    OrderItem,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockSnapshot,
    Supplier,
    User,
)

COUNT_ACTIONS = ("stock.count.applied", "stock.count.submitted")


class ProductInfo(NamedTuple):
    id: int
    sku: str
    name: str
    category_id: int | None
    supplier_id: int | None
    unit_cost: Decimal
    quantity_on_hand: int
    reorder_point: int
    reorder_quantity: int
    deleted: bool


class EdiInvoiceRow(NamedTuple):
    order_id: int
    number: str
    supplier_id: int
    invoice: Any  # the 810 as stored (integrations.edi.documents)
    invoiced_at: dt.datetime


class OrderLineSku(NamedTuple):
    line_id: int
    sku: str
    ordered: int
    received: int
    unit_cost: Decimal


class Level(NamedTuple):
    product_id: int
    location_id: int
    quantity: int


class MovementRow(NamedTuple):
    id: int
    product_id: int
    location_id: int
    delta: int
    reason: str
    reason_code: str | None
    user_id: int | None
    note: str | None
    created_at: dt.datetime


class Receipt(NamedTuple):
    product_id: int
    quantity: int
    created_at: dt.datetime


class SaleLine(NamedTuple):
    order_id: int
    product_id: int
    quantity: int
    unit_price: Decimal
    created_at: dt.datetime


class OrderLineRow(NamedTuple):
    order_id: int
    number: str
    supplier_id: int
    status: str
    submitted_at: dt.datetime | None
    expected_at: dt.date | None
    created_at: dt.datetime
    line_id: int
    product_id: int
    ordered: int
    received: int
    unit_cost: Decimal


class CountEntry(NamedTuple):
    id: int
    location_id: int
    applied: bool
    lines: list[dict[str, Any]]
    actor_id: int | None
    created_at: dt.datetime


class ProductFilter(NamedTuple):
    category_id: int | None = None
    supplier_id: int | None = None


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- reference data ------------------------------------------------------------------------------

    async def products(self, scope: ProductFilter = ProductFilter()) -> dict[int, ProductInfo]:
        """Every product in scope, deleted ones included (they may have had stock on a past date)."""
        query = select(
            Product.id,
            Product.sku,
            Product.name,
            Product.category_id,
            Product.supplier_id,
            Product.unit_cost,
            Product.quantity_on_hand,
            Product.reorder_point,
            Product.reorder_quantity,
            Product.deleted_at.is_not(None),
        )
        rows = await self.session.execute(query.where(*_conditions(scope)))
        return {row[0]: ProductInfo._make(row) for row in rows.all()}

    async def names(self, model: type[Category | Supplier | Location]) -> dict[int, str]:
        column = Location.code if model is Location else model.name
        rows = await self.session.execute(select(model.id, column))
        return {row[0]: row[1] for row in rows.all()}

    async def user_names(self) -> dict[int, str]:
        rows = await self.session.execute(select(User.id, User.username))
        return {row[0]: row[1] for row in rows.all()}

    # -- levels --------------------------------------------------------------------------------------

    async def levels_now(self) -> list[Level]:
        rows = await self.session.execute(
            select(StockLevel.product_id, StockLevel.location_id, StockLevel.quantity).where(
                StockLevel.quantity != 0
            )
        )
        return [Level(*row) for row in rows.all()]

    async def levels_before(self, end: dt.datetime) -> list[Level]:
        """Quantities per product and location from every movement before `end`: the latest
        snapshot at or before `end` plus the movements since it (or the whole log replayed)."""
        taken_at = await self.latest_snapshot(end)
        if taken_at is None:
            return await self.movement_sums(None, end)
        totals: dict[tuple[int, int], int] = {
            (level.product_id, level.location_id): level.quantity for level in await self.snapshot(taken_at)
        }
        for level in await self.movement_sums(taken_at, end):
            key = (level.product_id, level.location_id)
            totals[key] = totals.get(key, 0) + level.quantity
        return [
            Level(product, location, quantity) for (product, location), quantity in totals.items() if quantity
        ]

    async def movement_sums(self, start: dt.datetime | None, end: dt.datetime) -> list[Level]:
        """The movements in [start, end) summed per product and location (start None: from the first)."""
        total = func.sum(InventoryMovement.delta)
        query = select(InventoryMovement.product_id, InventoryMovement.location_id, total).where(
            InventoryMovement.created_at < end
        )
        if start is not None:
            query = query.where(InventoryMovement.created_at >= start)
        rows = await self.session.execute(
            query.group_by(InventoryMovement.product_id, InventoryMovement.location_id).having(total != 0)
        )
        return [Level(row[0], row[1], int(row[2])) for row in rows.all()]

    # -- snapshots -----------------------------------------------------------------------------------

    async def latest_snapshot(self, end: dt.datetime) -> dt.datetime | None:
        taken: dt.datetime | None = await self.session.scalar(
            select(func.max(StockSnapshot.taken_at)).where(StockSnapshot.taken_at <= end)
        )
        return _aware(taken) if taken is not None else None

    async def snapshot(self, taken_at: dt.datetime) -> list[Level]:
        rows = await self.session.execute(
            select(StockSnapshot.product_id, StockSnapshot.location_id, StockSnapshot.quantity).where(
                StockSnapshot.taken_at == taken_at
            )
        )
        return [Level(*row) for row in rows.all()]

    async def add_snapshot(self, taken_at: dt.datetime, levels: Sequence[Level]) -> None:
        rows = [
            {
                "taken_at": taken_at,
                "product_id": lv.product_id,
                "location_id": lv.location_id,
                "quantity": lv.quantity,
            }
            for lv in levels
        ]
        for start in range(0, len(rows), 5000):
            await self.session.execute(insert(StockSnapshot), rows[start : start + 5000])

    async def balances_before(
        self, end: dt.datetime, *, product_id: int | None, location_id: int | None
    ) -> dict[tuple[int, int | None], int]:
        """Opening balances per (product, location or None for all locations). For every product
        they come from the latest snapshot before `end` and the log since it (levels_before); for
        one product, from its own movements (its index: one product's history stays quick)."""
        if product_id is None:
            opening: dict[tuple[int, int | None], int] = defaultdict(int)
            for level in await self.levels_before(end):
                if location_id is None:
                    opening[(level.product_id, None)] += level.quantity
                elif level.location_id == location_id:
                    opening[(level.product_id, level.location_id)] += level.quantity
            return dict(opening)
        columns: list[Any] = [InventoryMovement.product_id]
        if location_id is not None:
            columns.append(InventoryMovement.location_id)
        query = select(*columns, func.sum(InventoryMovement.delta)).where(InventoryMovement.created_at < end)
        if product_id is not None:
            query = query.where(InventoryMovement.product_id == product_id)
        if location_id is not None:
            query = query.where(InventoryMovement.location_id == location_id)
        rows = await self.session.execute(query.group_by(*columns))
        if location_id is None:
            return {(row[0], None): int(row[1] or 0) for row in rows.all()}
        return {(row[0], row[1]): int(row[2] or 0) for row in rows.all()}

    # -- movements -----------------------------------------------------------------------------------

    async def movements(
        self, start: dt.datetime, end: dt.datetime, *, product_id: int | None, location_id: int | None
    ) -> AsyncIterator[MovementRow]:
        """Movements in [start, end) in product, time order, streamed."""
        log = InventoryMovement
        query = select(
            log.id,
            log.product_id,
            log.location_id,
            log.delta,
            log.reason,
            log.reason_code,
            log.user_id,
            log.note,
            log.created_at,
        ).where(log.created_at >= start, log.created_at < end)
        if product_id is not None:
            query = query.where(log.product_id == product_id)
        if location_id is not None:
            query = query.where(log.location_id == location_id)
        result = await self.session.stream(query.order_by(log.product_id, log.created_at, log.id))
        async for row in result:
            yield MovementRow(*row)

    async def receipts_newest_first(self, product_ids: Sequence[int]) -> AsyncIterator[Receipt]:
        """Stock coming in (every positive movement but transfers), per product newest first: what
        first-in-first-out leaves on the shelf is the newest receipts."""
        log = InventoryMovement
        for chunk in _chunks(product_ids):
            query = (
                select(log.product_id, log.delta, log.created_at)
                .where(log.product_id.in_(chunk), log.delta > 0, log.reason != "transfer")
                .order_by(log.product_id, log.created_at.desc(), log.id.desc())
            )
            result = await self.session.stream(query)
            async for row in result:
                yield Receipt(*row)

    async def last_movements(self, product_ids: Sequence[int]) -> dict[int, dt.datetime]:
        found: dict[int, dt.datetime] = {}
        log = InventoryMovement
        for chunk in _chunks(product_ids):
            rows = await self.session.execute(
                select(log.product_id, func.max(log.created_at))
                .where(log.product_id.in_(chunk))
                .group_by(log.product_id)
            )
            found.update({row[0]: _aware(row[1]) for row in rows.all()})
        return found

    async def consumption(self, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
        """Units sold per product in [start, end): the negative 'sale' movements."""
        log = InventoryMovement
        rows = await self.session.execute(
            select(log.product_id, func.sum(-log.delta))
            .where(log.reason == "sale", log.created_at >= start, log.created_at < end)
            .group_by(log.product_id)
        )
        return {row[0]: int(row[1] or 0) for row in rows.all()}

    # -- purchasing ----------------------------------------------------------------------------------

    async def order_lines(
        self, *, statuses: Sequence[str] | None, supplier_id: int | None
    ) -> list[OrderLineRow]:
        po, line = PurchaseOrder, PurchaseOrderLine
        query = select(
            po.id,
            po.number,
            po.supplier_id,
            po.status,
            po.submitted_at,
            po.expected_at,
            po.created_at,
            line.id,
            line.product_id,
            line.ordered_quantity,
            line.received_quantity,
            line.unit_cost,
        ).join(line, line.purchase_order_id == po.id)
        if statuses is not None:
            query = query.where(po.status.in_(statuses))
        if supplier_id is not None:
            query = query.where(po.supplier_id == supplier_id)
        rows = await self.session.execute(query.order_by(po.number, line.id))
        return [OrderLineRow._make(row) for row in rows.all()]

    async def edi_invoices(self, supplier_id: int | None) -> list[EdiInvoiceRow]:
        """Every purchase order a supplier invoiced by EDI (810), latest invoice first."""
        po, edi = PurchaseOrder, EdiOrder
        query = (
            select(po.id, po.number, po.supplier_id, edi.invoice, edi.invoiced_at)
            .join(edi, edi.purchase_order_id == po.id)
            .where(edi.invoice.is_not(None), edi.invoiced_at.is_not(None))
        )
        if supplier_id is not None:
            query = query.where(po.supplier_id == supplier_id)
        rows = await self.session.execute(query.order_by(edi.invoiced_at.desc(), po.id))
        return [EdiInvoiceRow._make(row) for row in rows.all()]

    async def order_lines_with_skus(self, order_ids: Sequence[int]) -> dict[int, list[OrderLineSku]]:
        """The orders' lines in line order, each with its product's SKU."""
        found: dict[int, list[OrderLineSku]] = {}
        line = PurchaseOrderLine
        for chunk in _chunks(order_ids):
            rows = await self.session.execute(
                select(
                    line.purchase_order_id,
                    line.id,
                    Product.sku,
                    line.ordered_quantity,
                    line.received_quantity,
                    line.unit_cost,
                )
                .join(Product, Product.id == line.product_id)
                .where(line.purchase_order_id.in_(chunk))
                .order_by(line.purchase_order_id, line.id)
            )
            for row in rows.all():
                found.setdefault(row[0], []).append(OrderLineSku._make(row[1:]))
        return found

    async def first_receipts(self, order_ids: Sequence[int]) -> dict[int, dt.datetime]:
        """When each order's first goods arrived (its first intake movement)."""
        found: dict[int, dt.datetime] = {}
        log, line = InventoryMovement, PurchaseOrderLine
        for chunk in _chunks(order_ids):
            rows = await self.session.execute(
                select(line.purchase_order_id, func.min(log.created_at))
                .join(line, line.id == log.purchase_order_line_id)
                .where(line.purchase_order_id.in_(chunk), log.delta > 0)
                .group_by(line.purchase_order_id)
            )
            found.update({row[0]: _aware(row[1]) for row in rows.all()})
        return found

    async def lead_times(self) -> dict[int, int]:
        rows = await self.session.execute(select(Supplier.id, Supplier.lead_time_days))
        return {row[0]: int(row[1]) for row in rows.all()}

    # -- sales and counts ----------------------------------------------------------------------------

    async def sale_lines(self, start: dt.datetime, end: dt.datetime) -> AsyncIterator[SaleLine]:
        query = (
            select(Order.id, OrderItem.product_id, OrderItem.quantity, OrderItem.unit_price, Order.created_at)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(and_(Order.created_at >= start, Order.created_at < end, Order.status != "cancelled"))
            .order_by(Order.created_at, Order.id)
        )
        result = await self.session.stream(query)
        async for row in result:
            yield SaleLine(*row)

    async def counts(self, start: dt.datetime, end: dt.datetime, location_id: int | None) -> list[CountEntry]:
        query = select(
            AuditEntry.id,
            AuditEntry.entity_id,
            AuditEntry.action,
            AuditEntry.after,
            AuditEntry.actor_id,
            AuditEntry.created_at,
        ).where(
            AuditEntry.action.in_(COUNT_ACTIONS),
            AuditEntry.entity_type == "location",
            AuditEntry.created_at >= start,
            AuditEntry.created_at < end,
        )
        if location_id is not None:
            query = query.where(AuditEntry.entity_id == str(location_id))
        rows = await self.session.execute(query.order_by(AuditEntry.created_at, AuditEntry.id))
        return [
            CountEntry(
                id=row[0],
                location_id=int(row[1]),
                applied=row[2] == "stock.count.applied",
                lines=list((row[3] or {}).get("lines", [])),
                actor_id=row[4],
                created_at=row[5],
            )
            for row in rows.all()
        ]


def _conditions(scope: ProductFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if scope.category_id is not None:
        conditions.append(Product.category_id == scope.category_id)
    if scope.supplier_id is not None:
        conditions.append(Product.supplier_id == scope.supplier_id)
    return conditions


def _chunks(ids: Sequence[int], size: int = 1000) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _aware(value: dt.datetime) -> dt.datetime:
    """func.max/min bypass the column type: MySQL and SQLite hand back naive UTC (or, SQLite, text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
