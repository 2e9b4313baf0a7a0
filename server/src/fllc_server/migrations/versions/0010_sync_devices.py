"""sync devices: what each syncing device last reported in a push

Revision ID: 0010
Revises: 0009

One row per device_id: the user who pushed from it last, when, the app version, and its pending and
needs-attention op counts at that push (the admins' Devices view).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = fllc_server.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "sync_devices",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("app_version", sa.String(length=32), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("needs_attention", sa.Integer(), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTC(), nullable=False),
        sa.Column("last_push_at", UTC(), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_devices_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", name=op.f("uq_sync_devices_device_id")),
    )
    with op.batch_alter_table("sync_devices") as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_devices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sync_devices")
