"""stock snapshots: closing balances per product and location at a moment

Revision ID: 0008
Revises: 0007

A valuation as of a date reads the latest snapshot at or before it plus the movements since,
instead of replaying the whole inventory_log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = fllc_server.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "stock_snapshots",
        sa.Column("taken_at", UTC(), nullable=False),
        sa.Column("product_id", BigId, nullable=False),
        sa.Column("location_id", BigId, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_snapshots_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_snapshots_product_id_products")),
        sa.PrimaryKeyConstraint("taken_at", "product_id", "location_id"),
    )


def downgrade() -> None:
    op.drop_table("stock_snapshots")
