"""All queries of customers, orders and reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import Address, Customer, Order, OrderItem, Product, Review

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
                Customer.name.like(like, escape="\\") | Customer.email.like(like, escape="\\")
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

    async def add(self, row: Order | OrderItem) -> None:
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
