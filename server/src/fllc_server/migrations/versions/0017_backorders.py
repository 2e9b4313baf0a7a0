"""back-orders: the units of an order line waiting for stock

Revision ID: 0017
Revises: 0016

An order line that cannot be fully reserved when back-orders are allowed keeps the reservable part
reserved and the rest back-ordered (sales.backorders); arrivals allocate them oldest order first.
The index finds a product's waiting lines without reading its other lines. Lines recorded before
were reserved in full or refused: zero.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('backordered_quantity', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_index(
            'ix_order_items_backordered', ['product_id', 'backordered_quantity'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_index('ix_order_items_backordered')
        batch_op.drop_column('backordered_quantity')
