"""Where stock is and every movement that put it there."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class StockLevel(Base):
    """Quantity of one product at one location; the sum over locations is quantity_on_hand."""

    __tablename__ = "stock_levels"

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("locations.id"), primary_key=True, index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InventoryMovement(IdMixin, Base):
    """One signed delta: intake, adjustment, count, sale or transfer."""

    __tablename__ = "inventory_log"
    __table_args__ = (
        Index("ix_inventory_log_product_created", "product_id", "created_at"),
        Index("ix_inventory_log_created", "created_at"),
    )

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("locations.id"), index=True)
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32), default=None)
    purchase_order_line_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("purchase_order_lines.id"), index=True, default=None
    )
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id"), default=None)
    op_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    lot: Mapped[str | None] = mapped_column(String(64), default=None)
    expiry: Mapped[dt.date | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StockSnapshot(Base):
    """Quantities per product and location from every movement before `taken_at` (a closing
    balance): a valuation as of a date reads the latest snapshot at or before it plus the log since,
    instead of the whole log. Taken by the `stock.snapshot` job; rows of zero are not kept."""

    __tablename__ = "stock_snapshots"

    taken_at: Mapped[dt.datetime] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(BigId, ForeignKey("locations.id"), primary_key=True)
    quantity: Mapped[int]
