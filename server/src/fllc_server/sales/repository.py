"""All queries of customers, orders and reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.changes import record_change
from fllc_server.models import (
    Address,
    Customer,
    Order,
    OrderItem,
    OrderRefund,
    OrderStatusChange,
    Product,
    Review,
    StockReservation,
)

ItemRow = tuple[OrderItem, str, str]


@dataclass(frozen=True, slots=True)
class OrderFilter:
    customer_id: int | None = None
    status: str | None = None
    source: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    product_id: int | None = None
    customer_id: int | None = None
    min_rating: int | None = None
    include_hidden: bool = False


class SalesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- customers ---------------------------------------------------------------------------

    async def customer(self, customer_id: int) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def customers(self, *, offset: int, limit: int, q: str | None) -> tuple[Sequence[Customer], int]:
        query = select(Customer)
        if q:
            like = f"%{_escape_like(q)}%"
            query = query.where(
                Customer.name.like(like, escape="\\")
                | Customer.email.like(like, escape="\\")
                | Customer.phone.like(like, escape="\\")
            )
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        query = query.order_by(Customer.name, Customer.id).offset(offset).limit(limit)
        rows = await self.session.scalars(query)
        return rows.all(), int(total or 0)

    async def addresses(self, customer_ids: Sequence[int]) -> Sequence[Address]:
        if not customer_ids:
            return []
        rows = await self.session.scalars(
            select(Address).where(Address.customer_id.in_(customer_ids)).order_by(Address.id)
        )
        return rows.all()

    # -- orders ------------------------------------------------------------------------------

    async def order(self, order_id: int) -> Order | None:
        return await self.session.get(Order, order_id)

    async def order_by_ref(self, source: str, external_ref: str, *, lock: bool = False) -> Order | None:
        """With `lock`, a locking read: it sees a row another transaction has just committed."""
        query = select(Order).where(Order.source == source, Order.external_ref == external_ref)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def orders(self, filters: OrderFilter, *, offset: int, limit: int) -> tuple[Sequence[Order], int]:
        condition = _order_condition(filters)
        total = await self.session.scalar(select(func.count()).select_from(Order).where(condition))
        rows = await self.session.scalars(
            select(Order).where(condition).order_by(Order.id.desc()).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)

    async def items(self, order_ids: Sequence[int]) -> list[ItemRow]:
        if not order_ids:
            return []
        rows = await self.session.execute(
            select(OrderItem, Product.sku, Product.name)
            .join(Product, Product.id == OrderItem.product_id)
            .where(OrderItem.order_id.in_(order_ids))
            .order_by(OrderItem.order_id, OrderItem.id)
        )
        return [(item, sku, name) for item, sku, name in rows.all()]

    async def live_products(self, product_ids: Sequence[int]) -> dict[int, Product]:
        rows = await self.session.scalars(
            select(Product).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
        )
        return {product.id: product for product in rows}

    async def customer_by_email(self, email: str) -> Customer | None:
        return await self.session.scalar(
            select(Customer).where(Customer.email == email).order_by(Customer.id).limit(1)
        )

    async def refund(self, order_id: int, external_ref: str) -> OrderRefund | None:
        return await self.session.scalar(
            select(OrderRefund).where(
                OrderRefund.order_id == order_id, OrderRefund.external_ref == external_ref
            )
        )

    # -- reservations and history ------------------------------------------------------------

    async def lock_on_hand(self, product_id: int) -> int | None:
        """Take the product row's write lock (the one every stock movement of it queues on: a
        no-op update works on every backend) and read its quantity on hand."""
        await self.session.execute(
            update(Product).where(Product.id == product_id).values(quantity_on_hand=Product.quantity_on_hand)
        )
        value = await self.session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id))
        return None if value is None else int(value)

    async def reserved(self, product_ids: Sequence[int], *, current: bool = False) -> dict[int, int]:
        """Units reserved per product. `current`: a locking read, which sees what other
        transactions committed after this one's snapshot (InnoDB's plain reads do not)."""
        if not product_ids:
            return {}
        query = (
            select(StockReservation.product_id, func.sum(StockReservation.quantity))
            .where(StockReservation.product_id.in_(product_ids))
            .group_by(StockReservation.product_id)
        )
        rows = await self.session.execute(query.with_for_update() if current else query)
        return {row[0]: int(row[1] or 0) for row in rows.all()}

    async def on_hand(self, product_ids: Sequence[int]) -> dict[int, int]:
        if not product_ids:
            return {}
        rows = await self.session.execute(
            select(Product.id, Product.quantity_on_hand).where(Product.id.in_(product_ids))
        )
        return {row[0]: int(row[1]) for row in rows.all()}

    async def reservations(self, order_id: int) -> Sequence[StockReservation]:
        rows = await self.session.scalars(
            select(StockReservation)
            .where(StockReservation.order_id == order_id)
            .order_by(StockReservation.product_id, StockReservation.id)
        )
        return rows.all()

    async def release(self, order_id: int) -> None:
        held = StockReservation.order_id == order_id
        products = list(await self.session.scalars(select(StockReservation.product_id).where(held)))
        await self.session.execute(delete(StockReservation).where(held))
        await self.reservations_changed(products)

    async def reservations_changed(self, product_ids: Collection[int]) -> None:
        """Every write of reservations ends here: the products' availability changed, so each gets
        a change (sync pull, the search index) and the catalog's cached answers are dropped."""
        for product_id in sorted(set(product_ids)):
            await record_change(self.session, entity_type="product", entity_id=product_id)

    async def history(self, order_id: int) -> Sequence[OrderStatusChange]:
        rows = await self.session.scalars(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        )
        return rows.all()

    async def order_items(self, order_id: int) -> Sequence[OrderItem]:
        rows = await self.session.scalars(
            select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.id)
        )
        return rows.all()

    async def lock_item(self, order_id: int, item_id: int) -> OrderItem | None:
        return await self.session.scalar(
            select(OrderItem).where(OrderItem.id == item_id, OrderItem.order_id == order_id).with_for_update()
        )

    async def reduce_reservation(self, item_id: int, quantity: int) -> None:
        """Hold `quantity` fewer units for the line (a short pick); the row goes at zero."""
        held = StockReservation.order_item_id == item_id
        await self.reservations_changed(
            list(await self.session.scalars(select(StockReservation.product_id).where(held)))
        )
        await self.session.execute(
            update(StockReservation)
            .where(StockReservation.order_item_id == item_id)
            .values(quantity=StockReservation.quantity - quantity)
        )
        await self.session.execute(
            delete(StockReservation).where(
                StockReservation.order_item_id == item_id, StockReservation.quantity <= 0
            )
        )

    async def pick_list(self, statuses: Sequence[str], *, limit: int) -> Sequence[Order]:
        """Orders (channel `order`) in `statuses`, oldest first."""
        rows = await self.session.scalars(
            select(Order)
            .where(Order.channel == "order", Order.status.in_(statuses))
            .order_by(Order.id)
            .limit(limit)
        )
        return rows.all()

    async def pick_items(self, order_ids: Sequence[int]) -> list[tuple[OrderItem, str, str | None, str]]:
        """The lines of orders with their product's SKU, barcode and name."""
        if not order_ids:
            return []
        rows = await self.session.execute(
            select(OrderItem, Product.sku, Product.barcode, Product.name)
            .join(Product, Product.id == OrderItem.product_id)
            .where(OrderItem.order_id.in_(order_ids))
            .order_by(OrderItem.order_id, OrderItem.id)
        )
        return [(item, sku, barcode, name) for item, sku, barcode, name in rows.all()]

    async def lock_order(self, order_id: int) -> Order | None:
        return await self.session.scalar(select(Order).where(Order.id == order_id).with_for_update())

    async def reassign_customer(self, from_ids: Sequence[int], to_id: int) -> None:
        """Orders, reviews and addresses of `from_ids` become `to_id`'s; then `from_ids` go."""
        for model in (Order, Review, Address):
            await self.session.execute(
                update(model).where(model.customer_id.in_(from_ids)).values(customer_id=to_id)
            )
        await self.session.execute(delete(Customer).where(Customer.id.in_(from_ids)))

    async def rating(self, product_id: int) -> tuple[float | None, int]:
        row = (
            await self.session.execute(
                select(func.avg(Review.rating), func.count()).where(
                    Review.product_id == product_id, Review.hidden.is_(False)
                )
            )
        ).one()
        return (None if row[0] is None else float(row[0])), int(row[1])

    async def add(self, row: Order | OrderItem | OrderRefund | OrderStatusChange | StockReservation) -> None:
        self.session.add(row)
        await self.session.flush()

    # -- reviews -----------------------------------------------------------------------------

    async def reviews(
        self, filters: ReviewFilter, *, offset: int, limit: int
    ) -> tuple[Sequence[Review], int]:
        parts: list[ColumnElement[bool]] = []
        if filters.product_id is not None:
            parts.append(Review.product_id == filters.product_id)
        if filters.customer_id is not None:
            parts.append(Review.customer_id == filters.customer_id)
        if filters.min_rating is not None:
            parts.append(Review.rating >= filters.min_rating)
        if not filters.include_hidden:
            parts.append(Review.hidden.is_(False))
        condition = and_(True, *parts)
        total = await self.session.scalar(select(func.count()).select_from(Review).where(condition))
        rows = await self.session.scalars(
            select(Review).where(condition).order_by(Review.id.desc()).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)


def _order_condition(filters: OrderFilter) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if filters.customer_id is not None:
        parts.append(Order.customer_id == filters.customer_id)
    if filters.status is not None:
        parts.append(Order.status == filters.status)
    if filters.source is not None:
        parts.append(Order.source == filters.source)
    if filters.since is not None:
        parts.append(Order.created_at >= filters.since)
    if filters.until is not None:
        parts.append(Order.created_at < filters.until)
    return and_(True, *parts)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
