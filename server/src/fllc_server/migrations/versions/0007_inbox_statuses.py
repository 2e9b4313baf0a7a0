"""inbox statuses, providers, SKU mappings, refunds, payment status

Revision ID: 0007
Revises: 0006

The inbox gets a status (received | handled | failed | parked | needs_mapping), an attempt count
and what a parked message waits for; rows handled before are marked handled. Providers' switches
and write-only secrets; SKU mappings and the sale lines waiting for one; refunds applied to
orders (once per refund); an order's payment status with the amounts it is derived from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integration_providers',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('secrets', sa.JSON(), nullable=False),
    sa.Column('updated_at', fllc_server.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_integration_providers_updated_by_users')),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('order_refunds',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('created_at', fllc_server.models.base.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_refunds_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'external_ref', name=op.f('uq_order_refunds_order_id_external_ref'))
    )
    op.create_table('sku_mappings',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('external_sku', sa.String(length=128), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', fllc_server.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_sku_mappings_created_by_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sku_mappings_product_id_products')),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_sku', name=op.f('uq_sku_mappings_source_external_sku'))
    )
    with op.batch_alter_table('sku_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sku_mappings_product_id'), ['product_id'], unique=False)

    op.create_table('unmapped_lines',
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('external_sku', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', fllc_server.models.base.UTCDateTime(), nullable=False),
    sa.Column('applied_at', fllc_server.models.base.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['inbox_id'], ['integration_inbox.id'], name=op.f('fk_unmapped_lines_inbox_id_integration_inbox')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_unmapped_lines_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_unmapped_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unmapped_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unmapped_lines_inbox_id'), ['inbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmapped_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_unmapped_lines_source_sku_status', ['source', 'external_sku', 'status'], unique=False)

    with op.batch_alter_table('integration_inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='received'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('waits_for', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('updated_at', fllc_server.models.base.UTCDateTime(), nullable=False, server_default='2000-01-01 00:00:00'))
        batch_op.create_index('ix_integration_inbox_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_integration_inbox_waits_for', ['waits_for'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_status', sa.String(length=24), nullable=False, server_default='unpaid'))
        batch_op.add_column(sa.Column('amount_paid', sa.Numeric(precision=12, scale=2), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('amount_refunded', sa.Numeric(precision=12, scale=2), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('disputed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('payment_ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_payment_ref'), ['payment_ref'], unique=False)

    op.execute("UPDATE integration_inbox SET status = 'handled' WHERE handled_at IS NOT NULL")
    op.execute("UPDATE integration_inbox SET status = 'failed' WHERE handled_at IS NULL AND error IS NOT NULL")


def downgrade() -> None:
    # dropping a table drops its indexes (MySQL refuses to drop one a foreign key needs first)
    op.drop_table('unmapped_lines')
    op.drop_table('sku_mappings')
    op.drop_table('order_refunds')
    op.drop_table('integration_providers')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_payment_ref'))
        batch_op.drop_column('payment_ref')
        batch_op.drop_column('disputed')
        batch_op.drop_column('amount_refunded')
        batch_op.drop_column('amount_paid')
        batch_op.drop_column('payment_status')

    with op.batch_alter_table('integration_inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_integration_inbox_waits_for')
        batch_op.drop_index('ix_integration_inbox_status_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('waits_for')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
