"""Background jobs: one row per job, the source of truth for its state (the queue only carries ids)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class Job(IdMixin, Base):
    """queued -> running -> succeeded | failed; a running job whose lease ran out is queued again.

    `lease_owner`/`lease_until` are the claim: only the worker holding an unexpired lease may write
    the result, so a job whose worker died runs again elsewhere and its result is written once.
    `dedupe_key` is unique: a periodic job's slot is enqueued once however many schedulers try.
    `traceparent` (tracing on): the W3C trace context of the span that sent the job; its runs continue it.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_run_after", "status", "run_after"),
        Index("ix_jobs_requested_by_created", "requested_by", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(48), index=True)
    params: Mapped[Any] = mapped_column(JSON)
    requested_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    max_attempts: Mapped[int] = mapped_column(SmallInteger, default=3)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[Any | None] = mapped_column(JSON, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    traceparent: Mapped[str | None] = mapped_column(String(55), default=None)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
