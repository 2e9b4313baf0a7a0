"""The desktops and tablets that sync: what each last said about itself in a sync push."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, utcnow


class SyncDevice(IdMixin, Base):
    """One row per device_id: who pushed from it last, when, which app version, and how many of its
    ops were still waiting (pending) or set aside for a person (needs attention) at that push."""

    __tablename__ = "sync_devices"

    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    app_version: Mapped[str | None] = mapped_column(String(32), default=None)
    pending: Mapped[int] = mapped_column(default=0)
    needs_attention: Mapped[int] = mapped_column(default=0)
    pushes: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_push_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
