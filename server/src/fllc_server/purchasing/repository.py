"""All queries of purchase orders, their lines and reorder suggestions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.catalog.reorder import needs_reorder_clause
from fllc_server.models import Location, Product, PurchaseOrder, PurchaseOrderLine, Supplier
from fllc_server.purchasing.schemas import OPEN_STATUSES

LineRow = tuple[PurchaseOrderLine, str, str]


class PurchaseOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: int, *, for_update: bool = False) -> PurchaseOrder | None:
        """With `for_update`, the order's row is write-locked first, on every backend: a no-op
        UPDATE takes the row lock on MySQL and the write lock on SQLite (where FOR UPDATE is
        ignored and a read alone would not serialize two receipts of the same order)."""
        if for_update:
            await self.session.execute(
                update(PurchaseOrder)
                .where(PurchaseOrder.id == order_id)
                .values(version=PurchaseOrder.version)
                .execution_options(synchronize_session=False)
            )
        query = select(PurchaseOrder).where(PurchaseOrder.id == order_id)
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def add(self, order: PurchaseOrder) -> PurchaseOrder:
        self.session.add(order)
        await self.session.flush()
        return order

    async def add_line(self, line: PurchaseOrderLine) -> PurchaseOrderLine:
        self.session.add(line)
        await self.session.flush()
        return line

    async def delete_line(self, line: PurchaseOrderLine) -> None:
        await self.session.delete(line)
        await self.session.flush()

    async def line(self, order_id: int, line_id: int) -> PurchaseOrderLine | None:
        return await self.session.scalar(
            select(PurchaseOrderLine).where(
                PurchaseOrderLine.id == line_id, PurchaseOrderLine.purchase_order_id == order_id
            )
        )

    async def lines(self, order_ids: Sequence[int]) -> list[LineRow]:
        """Lines of the given orders with their product's sku and name, in entry order."""
        if not order_ids:
            return []
        rows = await self.session.execute(
            select(PurchaseOrderLine, Product.sku, Product.name)
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(PurchaseOrderLine.purchase_order_id.in_(order_ids))
            .order_by(PurchaseOrderLine.purchase_order_id, PurchaseOrderLine.id)
        )
        return [(line, sku, name) for line, sku, name in rows.all()]

    async def page(
        self,
        *,
        offset: int,
        limit: int,
        status: str | None,
        supplier_id: int | None,
        q: str | None,
    ) -> tuple[Sequence[PurchaseOrder], int]:
        query = select(PurchaseOrder)
        if status is not None:
            query = query.where(PurchaseOrder.status == status)
        if supplier_id is not None:
            query = query.where(PurchaseOrder.supplier_id == supplier_id)
        if q:
            query = query.where(PurchaseOrder.number.like(f"%{_escape_like(q)}%", escape="\\"))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(PurchaseOrder.id.desc()).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def product(self, product_id: int) -> Product | None:
        return await self.session.scalar(
            select(Product).where(Product.id == product_id, Product.deleted_at.is_(None))
        )

    async def supplier_exists(self, supplier_id: int) -> bool:
        found = await self.session.scalar(
            select(Supplier.id).where(Supplier.id == supplier_id, Supplier.deleted_at.is_(None))
        )
        return found is not None

    async def location_exists(self, location_id: int) -> bool:
        found = await self.session.scalar(
            select(Location.id).where(Location.id == location_id, Location.deleted_at.is_(None))
        )
        return found is not None

    async def below_reorder_point(self, supplier_id: int | None) -> Sequence[Product]:
        """Live products at or below their reorder point that have a reorder policy."""
        query = select(Product).where(Product.deleted_at.is_(None), needs_reorder_clause(Product))
        if supplier_id is not None:
            query = query.where(Product.supplier_id == supplier_id)
        rows = await self.session.scalars(query.order_by(Product.supplier_id, Product.sku))
        return rows.all()

    async def on_order(self, product_ids: Sequence[int]) -> dict[int, int]:
        """Units still to arrive per product on open orders (draft, submitted, partially received)."""
        if not product_ids:
            return {}
        outstanding = func.sum(PurchaseOrderLine.ordered_quantity - PurchaseOrderLine.received_quantity)
        rows = await self.session.execute(
            select(PurchaseOrderLine.product_id, outstanding)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrder.status.in_([s.value for s in OPEN_STATUSES]),
                PurchaseOrderLine.product_id.in_(product_ids),
                PurchaseOrderLine.ordered_quantity > PurchaseOrderLine.received_quantity,
            )
            .group_by(PurchaseOrderLine.product_id)
        )
        return {product_id: int(quantity or 0) for product_id, quantity in rows.all()}

    async def supplier_names(self, supplier_ids: Sequence[int]) -> dict[int, str]:
        if not supplier_ids:
            return {}
        rows = await self.session.execute(
            select(Supplier.id, Supplier.name).where(Supplier.id.in_(supplier_ids))
        )
        return {supplier_id: name for supplier_id, name in rows.all()}  # noqa: C416 (Row → tuple)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
