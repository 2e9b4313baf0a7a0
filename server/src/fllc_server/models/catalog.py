"""What the warehouse stocks: categories, suppliers, locations and products."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String, Text, cast, column, func, select, table
from sqlalchemy.orm import Mapped, column_property, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, TimestampMixin


class VersionedMixin:
    """Optimistic concurrency: every edit bumps `version`; a stale base_version is a conflict."""

    version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Category(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(120), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("categories.id"), default=None)


class Supplier(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "suppliers"

    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    lead_time_days: Mapped[int] = mapped_column(default=7)


class Location(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A warehouse or a bin inside one (parent_id)."""

    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="bin")
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("locations.id"), default=None)


class Product(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_name", "name"),
        # The product list: live rows in the order of each sort, and per category/supplier by name
        # (migration 0002; on MySQL the name words are also in products_fts_terms, raw SQL).
        Index("ix_products_live_name", "deleted_at", "name"),
        Index("ix_products_live_sku", "deleted_at", "sku"),
        Index("ix_products_live_price", "deleted_at", "price"),
        Index("ix_products_live_quantity", "deleted_at", "quantity_on_hand"),
        Index("ix_products_live_updated", "deleted_at", "updated_at"),
        Index("ix_products_category_live_name", "category_id", "deleted_at", "name"),
        Index("ix_products_supplier_live_name", "supplier_id", "deleted_at", "name"),
        # ... and by each other sort (migration 0003): a filtered page is a range read in order.
        *(
            Index(f"ix_products_{owner}_live_{short}", f"{owner}_id", "deleted_at", column)
            for owner in ("category", "supplier")
            for short, column in (
                ("sku", "sku"),
                ("price", "price"),
                ("quantity", "quantity_on_hand"),
                ("updated", "updated_at"),
            )
        ),
    )

    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id"), index=True, default=None
    )
    supplier_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("suppliers.id"), index=True, default=None
    )
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    reorder_point: Mapped[int] = mapped_column(default=0)
    reorder_quantity: Mapped[int] = mapped_column(default=0)
    quantity_on_hand: Mapped[int] = mapped_column(default=0)
    if TYPE_CHECKING:
        quantity_reserved: Mapped[int]  # read-only: the units open orders hold (below)


# Units held by open orders (sales.reservations): summed from the reservations whenever a product
# is read — its rows are the truth, so nothing is kept twice. Available = on hand - reserved.
# Every reservation write bumps the catalog and logs a product change, so cached answers, the
# search index and desktops' copies follow (sales.reservations.reservations_changed).
_RESERVATIONS = table("stock_reservations", column("product_id"), column("quantity"))
Product.quantity_reserved = column_property(
    select(cast(func.coalesce(func.sum(_RESERVATIONS.c.quantity), 0), Integer))
    .where(_RESERVATIONS.c.product_id == Product.id)
    .correlate_except(_RESERVATIONS)
    .scalar_subquery()
)
