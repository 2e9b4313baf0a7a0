"""Customers, their orders and their reviews (written by POS and web integrations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, SmallInteger, String, Text, UniqueConstraint
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
    source: Mapped[str] = mapped_column(String(16), default="manual")
    external_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]


class Review(IdMixin, Base):
    __tablename__ = "reviews"

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"), default=None)
    rating: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
