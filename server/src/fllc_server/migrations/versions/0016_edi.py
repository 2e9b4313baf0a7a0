"""edi: trading partners, interchanges (control numbers per partner), purchase orders' EDI state,
ASN cartons

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, fllc_server.models.base.UTCDateTime(), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "edi_partners",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("supplier_id", BIG_ID, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _text("our_qualifier", 2),
        _text("our_id", 15),
        _text("their_qualifier", 2),
        _text("their_id", 15),
        _text("our_gs_id", 15),
        _text("their_gs_id", 15),
        _text("version", 5),
        _text("element_separator", 1),
        _text("component_separator", 1),
        _text("segment_terminator", 1),
        _text("repetition_separator", 1),
        _text("usage", 1),
        sa.Column("sets", sa.JSON(), nullable=False),
        _text("transport", 8),
        _text("drop_path", 500),
        _text("pickup_path", 500),
        _text("sftp_host", 255, nullable=True),
        sa.Column("sftp_port", sa.Integer(), nullable=False),
        _text("sftp_user", 64, nullable=True),
        sa.Column("sftp_private_key", sa.Text(), nullable=True),
        sa.Column("sftp_host_key", sa.Text(), nullable=True),
        sa.Column("last_control_number", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], name="fk_edi_partners_supplier_id_suppliers"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", name="uq_edi_partners_supplier_id"),
    )
    op.create_table(
        "edi_interchanges",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", BIG_ID, nullable=False),
        _text("direction", 3),
        sa.Column("control_number", sa.Integer(), nullable=False),
        _text("set_ids", 64),
        _text("filename", 255),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("inbox_id", BIG_ID, nullable=True),
        sa.Column("answer_id", BIG_ID, nullable=True),
        _text("status", 16),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at", nullable=False),
        _when("sent_at"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["edi_partners.id"], name="fk_edi_interchanges_partner_id_edi_partners"
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["integration_inbox.id"], name="fk_edi_interchanges_inbox_id_integration_inbox"
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["edi_interchanges.id"], name="fk_edi_interchanges_answer_id_edi_interchanges"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "partner_id",
            "direction",
            "control_number",
            name="uq_edi_interchanges_partner_id_direction_control_number",
        ),
    )
    op.create_index("ix_edi_interchanges_status_id", "edi_interchanges", ["status", "id"])
    op.create_table(
        "edi_orders",
        sa.Column("purchase_order_id", BIG_ID, nullable=False),
        sa.Column("partner_id", BIG_ID, nullable=False),
        _text("status", 32),
        sa.Column("interchange_id", BIG_ID, nullable=True),
        sa.Column("group_control_number", sa.Integer(), nullable=True),
        _when("sent_at"),
        _text("ack_status", 24, nullable=True),
        sa.Column("ack_reasons", sa.JSON(), nullable=False),
        _when("acknowledged_at"),
        _text("ack_type", 2, nullable=True),
        _text("seller_order_number", 30, nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        _text("changes_status", 16, nullable=True),
        sa.Column("changes_decided_by", BIG_ID, nullable=True),
        _when("changes_decided_at"),
        _when("asn_received_at"),
        sa.Column("invoice", sa.JSON(), nullable=True),
        _when("invoiced_at"),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name="fk_edi_orders_purchase_order_id_purchase_orders",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["partner_id"], ["edi_partners.id"], name="fk_edi_orders_partner_id_edi_partners"),
        sa.ForeignKeyConstraint(
            ["interchange_id"], ["edi_interchanges.id"], name="fk_edi_orders_interchange_id_edi_interchanges"
        ),
        sa.ForeignKeyConstraint(["changes_decided_by"], ["users.id"], name="fk_edi_orders_changes_decided_by_users"),
        sa.PrimaryKeyConstraint("purchase_order_id"),
    )
    op.create_index("ix_edi_orders_partner_id", "edi_orders", ["partner_id"])
    op.create_table(
        "edi_cartons",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", BIG_ID, nullable=False),
        _text("shipment_id", 30),
        _text("sscc", 18),
        sa.Column("contents", sa.JSON(), nullable=False),
        _when("received_at"),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name="fk_edi_cartons_purchase_order_id_purchase_orders",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purchase_order_id", "sscc", name="uq_edi_cartons_purchase_order_id_sscc"),
    )
    op.create_index("ix_edi_cartons_purchase_order_id", "edi_cartons", ["purchase_order_id"])
    op.create_index("ix_edi_cartons_sscc", "edi_cartons", ["sscc"])


def downgrade() -> None:
    op.drop_table("edi_cartons")
    op.drop_table("edi_orders")
    op.drop_table("edi_interchanges")
    op.drop_table("edi_partners")
