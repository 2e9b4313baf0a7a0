"""All queries of customers, orders and reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, exists, func, select, update
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

    async def release(self, order_id: int) -> list[int]:
        """The order holds nothing any more; the products it held units of."""
        held = StockReservation.order_id == order_id
        products = list(await self.session.scalars(select(StockReservation.product_id).where(held)))
        await self.session.execute(delete(StockReservation).where(held))
        await self.reservations_changed(products)
        return sorted(set(products))

    async def reservations_changed(self, product_ids: Collection[int]) -> None:
        """Every write of reservations ends here: the products' availability changed, so each gets
        a change (sync pull, the search index) and the catalog's cached answers are dropped."""
        for product_id in sorted(set(product_ids)):
            await record_change(self.session, entity_type="product", entity_id=product_id)

    # -- back-orders (sales.backorders) ------------------------------------------------------

    async def backordered(self, product_ids: Sequence[int], *, current: bool = False) -> dict[int, int]:
        """Units back-ordered per product. `current`: a locking read (as `reserved`)."""
        if not product_ids:
            return {}
        query = (
            select(OrderItem.product_id, func.sum(OrderItem.backordered_quantity))
            .where(OrderItem.product_id.in_(product_ids), OrderItem.backordered_quantity > 0)
            .group_by(OrderItem.product_id)
        )
        rows = await self.session.execute(query.with_for_update() if current else query)
        return {row[0]: int(row[1] or 0) for row in rows.all()}

    async def backordered_products(
        self, product_ids: Collection[int] | None = None, *, limit: int
    ) -> list[int]:
        """Products (of `product_ids`, or any) that orders wait for, in id order."""
        query = select(OrderItem.product_id).where(OrderItem.backordered_quantity > 0)
        if product_ids is not None:
            if not product_ids:
                return []
            query = query.where(OrderItem.product_id.in_(sorted(set(product_ids))))
        rows = await self.session.scalars(query.distinct().order_by(OrderItem.product_id).limit(limit))
        return [int(product_id) for product_id in rows.all()]

    async def waiting_orders(self, product_ids: Collection[int], *, limit: int) -> list[int]:
        """The oldest `limit` orders with lines back-ordered for `product_ids` (a plain read: the
        allocation locks them and reads their lines again)."""
        rows = await self.session.scalars(
            select(OrderItem.order_id)
            .where(OrderItem.product_id.in_(sorted(set(product_ids))), OrderItem.backordered_quantity > 0)
            .distinct()
            .order_by(OrderItem.order_id)
            .limit(limit)
        )
        return [int(order_id) for order_id in rows.all()]

    async def lock_orders(self, order_ids: Sequence[int]) -> list[Order]:
        """The orders' rows, locked in id order."""
        if not order_ids:
            return []
        rows = await self.session.scalars(
            select(Order).where(Order.id.in_(order_ids)).order_by(Order.id).with_for_update()
        )
        return list(rows.all())

    async def lock_waiting_items(self, product_id: int, order_ids: Sequence[int]) -> list[OrderItem]:
        """The back-ordered lines of `product_id` in these orders, locked, oldest order first."""
        if not order_ids:
            return []
        rows = await self.session.scalars(
            select(OrderItem)
            .where(
                OrderItem.product_id == product_id,
                OrderItem.order_id.in_(order_ids),
                OrderItem.backordered_quantity > 0,
            )
            .order_by(OrderItem.order_id, OrderItem.id)
            .with_for_update()
        )
        return list(rows.all())

    async def add_to_reservation(self, item: OrderItem, quantity: int) -> None:
        """Hold `quantity` more units for the line (a row of its own if it held none)."""
        held = await self.session.scalar(
            select(StockReservation).where(StockReservation.order_item_id == item.id).with_for_update()
        )
        if held is None:
            self.session.add(
                StockReservation(
                    order_item_id=item.id,
                    order_id=item.order_id,
                    product_id=item.product_id,
                    quantity=quantity,
                )
            )
        else:
            held.quantity += quantity
        await self.session.flush()

    async def clear_backorders(self, order_id: int) -> list[int]:
        """The order waits for nothing any more (cancelled); the products it waited for."""
        waiting = and_(OrderItem.order_id == order_id, OrderItem.backordered_quantity > 0)
        products = list(await self.session.scalars(select(OrderItem.product_id).where(waiting)))
        if products:
            await self.session.execute(update(OrderItem).where(waiting).values(backordered_quantity=0))
        return sorted(set(products))

    async def backordered_by_order(self, order_ids: Sequence[int]) -> dict[int, int]:
        if not order_ids:
            return {}
        rows = await self.session.execute(
            select(OrderItem.order_id, func.sum(OrderItem.backordered_quantity))
            .where(OrderItem.order_id.in_(order_ids))
            .group_by(OrderItem.order_id)
        )
        return {row[0]: int(row[1] or 0) for row in rows.all()}

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
        waiting = exists().where(OrderItem.order_id == Order.id, OrderItem.backordered_quantity > 0)
        rows = await self.session.scalars(
            select(Order)
            .where(Order.channel == "order", Order.status.in_(statuses), ~waiting)
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
