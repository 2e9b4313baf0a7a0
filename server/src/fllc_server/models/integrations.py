"""Integrations: service accounts and their scoped API keys (stored as hashes), providers' switches
and write-only secrets, SKU mappings and the sale lines that wait for one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class ServiceAccount(IdMixin, Base):
    """The identity of one integration (a POS, a gateway). Not a user: it has no password and no
    role, so it can never sign in; it calls integration routes with its API keys."""

    __tablename__ = "service_accounts"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    integration: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ApiKey(IdMixin, Base):
    """One key of a service account: the public prefix finds it, the SHA-256 of the whole key
    proves it. The key itself is shown once, at creation, and stored nowhere."""

    __tablename__ = "api_keys"

    service_account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("service_accounts.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(CHAR(64))
    scopes: Mapped[Any] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IntegrationProvider(Base):
    """A provider's switch and its secrets. Secrets are write-only: no route ever returns them
    (their names are shown, so an admin sees which are set)."""

    __tablename__ = "integration_providers"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    secrets: Mapped[Any] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)


class SkuMapping(IdMixin, Base):
    """What a provider's SKU means here: remembered when a manager maps an unknown SKU."""

    __tablename__ = "sku_mappings"
    __table_args__ = (UniqueConstraint("source", "external_sku"),)

    source: Mapped[str] = mapped_column(String(32))
    external_sku: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)


class UnmappedLine(IdMixin, Base):
    """A sale or refund line whose SKU is not known yet: kept (never dropped) until it is mapped,
    then applied to its order (kind: sale | restock | damaged)."""

    __tablename__ = "unmapped_lines"
    __table_args__ = (Index("ix_unmapped_lines_source_sku_status", "source", "external_sku", "status"),)

    inbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("integration_inbox.id"), index=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    external_sku: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="sale")
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | applied
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(default=None)
