"""Customers, their orders and their reviews (written by POS and web integrations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class Customer(IdMixin, Base):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True, default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Address(IdMixin, Base):
    __tablename__ = "addresses"

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="shipping")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")


class Order(IdMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("source", "external_ref"),)

    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id"), index=True, default=None
    )
    status: Mapped[str] = mapped_column(String(24), default="placed")
    # counter: stock left at the sale; order: reserved at placement, taken out when shipped
    channel: Mapped[str] = mapped_column(String(16), default="counter")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    external_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # unpaid | paid | partially_refunded | refunded | disputed, derived from the amounts below
    payment_status: Mapped[str] = mapped_column(String(24), default="unpaid")
    amount_paid: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    amount_refunded: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    disputed: Mapped[bool] = mapped_column(default=False)
    payment_ref: Mapped[str | None] = mapped_column(String(64), index=True, default=None)  # gateway's id


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"
    # the back-orders waiting for a product, found without reading its other lines (sales.backorders)
    __table_args__ = (Index("ix_order_items_backordered", "product_id", "backordered_quantity"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    # picking by scan (sales.picking): units picked, units short with the picker's reason
    picked_quantity: Mapped[int] = mapped_column(default=0)
    short_quantity: Mapped[int] = mapped_column(default=0)
    short_reason: Mapped[str] = mapped_column(String(200), default="")
    # units not reserved yet: waiting for stock, allocated oldest order first (sales.backorders)
    backordered_quantity: Mapped[int] = mapped_column(default=0)


class OrderStatusChange(IdMixin, Base):
    """An order's history: every status it went through, who moved it and when."""

    __tablename__ = "order_status_history"

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), default=None)
    to_status: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StockReservation(IdMixin, Base):
    """Units an order holds until it ships (or is cancelled): available = on hand - reserved."""

    __tablename__ = "stock_reservations"

    order_item_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("order_items.id", ondelete="CASCADE"), unique=True
    )
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OrderRefund(IdMixin, Base):
    """A refund applied to an order, once per (order, external_ref): a replay restocks nothing."""

    __tablename__ = "order_refunds"
    __table_args__ = (UniqueConstraint("order_id", "external_ref"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    external_ref: Mapped[str] = mapped_column(String(64))
    lines: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Review(IdMixin, Base):
    __tablename__ = "reviews"

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"), default=None)
    rating: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)
