"""Purchase orders to suppliers and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, TimestampMixin


class PurchaseOrder(IdMixin, TimestampMixin, Base):
    """draft -> submitted -> partially_received -> received, or cancelled."""

    __tablename__ = "purchase_orders"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(BigId, ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True, default="draft")
    location_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("locations.id"), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    expected_at: Mapped[dt.date | None] = mapped_column(default=None)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)


class PurchaseOrderLine(IdMixin, Base):
    __tablename__ = "purchase_order_lines"

    purchase_order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    ordered_quantity: Mapped[int]
    received_quantity: Mapped[int] = mapped_column(default=0)
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
