"""order picking: picked and short units per order line

Revision ID: 0013
Revises: 0012

Picking by scan counts the units picked per line, and the units short with the picker's reason
(sales.picking). Lines recorded before were never picked: zero.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picked_quantity', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('short_quantity', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('short_reason', sa.String(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_column('short_reason')
        batch_op.drop_column('short_quantity')
        batch_op.drop_column('picked_quantity')
