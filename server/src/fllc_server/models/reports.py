"""Scheduled reports: a report sent by mail on a cron schedule, and the history of its runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class ReportSchedule(IdMixin, Base):
    """ "Low stock every Monday 07:00 as XLSX to these addresses": `kind`, `params` and `format` as a
    report request (params kept as given, so a default like "the last 30 days" moves with each run),
    `cron` (five fields) read in `timezone`, and `next_run_at`, the instant the scheduler sends it next."""

    __tablename__ = "report_schedules"
    __table_args__ = (Index("ix_report_schedules_due", "enabled", "next_run_at"),)

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[Any] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    cron: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    recipients: Mapped[Any] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportScheduleRun(IdMixin, Base):
    """One run of a schedule: its delivery job, and what became of it (queued -> sending ->
    delivered, or retrying with the last error, or failed with the reason)."""

    __tablename__ = "report_schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "scheduled_for", name="uq_report_schedule_runs_slot"),)

    schedule_id: Mapped[int] = mapped_column(BigId, ForeignKey("report_schedules.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(BigId, default=None)
    scheduled_for: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    filename: Mapped[str | None] = mapped_column(String(200), default=None)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
