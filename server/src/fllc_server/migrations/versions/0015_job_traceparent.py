"""jobs.traceparent: the W3C trace context of whoever sent the job

Revision ID: 0015
Revises: 0014

With tracing on (FLLC_OTLP_ENDPOINT), a job's row keeps the `traceparent` of the span that sent it,
so the worker's run - on another process, after a retry or a rescue - continues the sender's trace.
Jobs sent before: none (their runs start traces of their own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
