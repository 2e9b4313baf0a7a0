"""Supplier EDI: trading partners (one per supplier), the interchanges exchanged with them (control
numbers never reused; an inbound ISA13 seen twice is a duplicate), each purchase order's EDI state,
and the cartons (SSCC-18) an 856 announces."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, TimestampMixin, utcnow


class EdiPartner(IdMixin, TimestampMixin, Base):
    """How we exchange X12 with one supplier. `sftp_private_key` is a secret: write-only, never
    returned by a route (its presence is). `last_control_number` is the last ISA13/GS06 we used."""

    __tablename__ = "edi_partners"

    supplier_id: Mapped[int] = mapped_column(BigId, ForeignKey("suppliers.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    our_qualifier: Mapped[str] = mapped_column(String(2))
    our_id: Mapped[str] = mapped_column(String(15))
    their_qualifier: Mapped[str] = mapped_column(String(2))
    their_id: Mapped[str] = mapped_column(String(15))
    our_gs_id: Mapped[str] = mapped_column(String(15))
    their_gs_id: Mapped[str] = mapped_column(String(15))
    version: Mapped[str] = mapped_column(String(5), default="00401")
    element_separator: Mapped[str] = mapped_column(String(1), default="*")
    component_separator: Mapped[str] = mapped_column(String(1), default=">")
    segment_terminator: Mapped[str] = mapped_column(String(1), default="~")
    repetition_separator: Mapped[str] = mapped_column(String(1), default="^")
    usage: Mapped[str] = mapped_column(String(1), default="P")
    sets: Mapped[Any] = mapped_column(JSON)
    transport: Mapped[str] = mapped_column(String(8), default="folder")
    drop_path: Mapped[str] = mapped_column(String(500))
    pickup_path: Mapped[str] = mapped_column(String(500))
    sftp_host: Mapped[str | None] = mapped_column(String(255), default=None)
    sftp_port: Mapped[int] = mapped_column(default=22)
    sftp_user: Mapped[str | None] = mapped_column(String(64), default=None)
    sftp_private_key: Mapped[str | None] = mapped_column(Text, default=None)
    sftp_host_key: Mapped[str | None] = mapped_column(Text, default=None)
    last_control_number: Mapped[int] = mapped_column(default=0)


class EdiInterchange(IdMixin, Base):
    """One interchange sent or received. Unique per (partner, direction, ISA13): an outbound number
    is never used twice, an inbound one seen again is a duplicate. Outbound files are kept (`data`)
    so a retried send puts the very same bytes."""

    __tablename__ = "edi_interchanges"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "control_number"),
        Index("ix_edi_interchanges_status_id", "status", "id"),
    )

    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("edi_partners.id"))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    control_number: Mapped[int]
    set_ids: Mapped[str] = mapped_column(String(64), default="")  # "850", "997", "855,856"
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    inbox_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("integration_inbox.id"), default=None)
    answer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("edi_interchanges.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # out: pending | sent; in: applied
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class EdiOrder(Base):
    """A purchase order's EDI state: its 850, the 997's verdict, the 855's proposed changes (kept
    beside the order until a manager confirms them), the 856's arrival and the 810 as invoiced."""

    __tablename__ = "edi_orders"

    purchase_order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("purchase_orders.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("edi_partners.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="queued")
    interchange_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("edi_interchanges.id"), default=None)
    group_control_number: Mapped[int | None] = mapped_column(default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    ack_status: Mapped[str | None] = mapped_column(String(24), default=None)  # the 997's AK9
    ack_reasons: Mapped[Any] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    ack_type: Mapped[str | None] = mapped_column(String(2), default=None)  # the 855's BAK02
    seller_order_number: Mapped[str | None] = mapped_column(String(30), default=None)
    changes: Mapped[Any] = mapped_column(JSON, default=list)
    changes_status: Mapped[str | None] = mapped_column(String(16), default=None)  # pending|confirmed|declined
    changes_decided_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    changes_decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    asn_received_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    invoice: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    invoiced_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EdiCarton(IdMixin, Base):
    """One carton of an 856: its SSCC-18 and what it holds, per purchase order line
    (`contents`: [{line_id, product_id, quantity}]). Received whole by one scan."""

    __tablename__ = "edi_cartons"
    __table_args__ = (UniqueConstraint("purchase_order_id", "sscc"),)

    purchase_order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    shipment_id: Mapped[str] = mapped_column(String(30))
    sscc: Mapped[str] = mapped_column(String(18), index=True)
    contents: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
