"""report schedules: a report mailed on a cron schedule, and the history of its runs

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fllc_server.models.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, fllc_server.models.base.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("cron", sa.String(120), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _when("next_run_at"),
        sa.Column("created_by", BIG_ID, nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_report_schedules_created_by_users"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_schedules_due", "report_schedules", ["enabled", "next_run_at"])
    op.create_table(
        "report_schedule_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("schedule_id", BIG_ID, nullable=False),
        sa.Column("job_id", BIG_ID, nullable=True),
        _when("scheduled_for", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(200), nullable=True),
        _when("started_at"),
        _when("finished_at"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.id"],
            name="fk_report_schedule_runs_schedule_id_report_schedules",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "scheduled_for", name="uq_report_schedule_runs_slot"),
    )


def downgrade() -> None:
    op.drop_table("report_schedule_runs")
    op.drop_table("report_schedules")
