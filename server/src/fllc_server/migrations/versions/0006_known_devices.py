"""known devices: the sign-in token a client keeps per user

Revision ID: 0006
Revises: 0005

A device that signed in successfully gets an opaque token (stored as its SHA-256): sending it with a
sign-in lets its owner past the account-wide failure throttle, and, once trusted after a second
factor, past the second factor until `mfa_trusted_until`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = fllc_server.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "known_devices",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("token_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("last_used_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("mfa_trusted_until", UTC(), nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_known_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_known_devices_token_hash")),
    )
    with op.batch_alter_table("known_devices") as batch_op:
        batch_op.create_index(batch_op.f("ix_known_devices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("known_devices")
