"""Closing balances: once a day the stock per product and location at a cut (midnight UTC, an hour
after it has passed, so that no transaction still open can add a movement before it) is stored, and
a valuation as of any later date reads that snapshot plus the movements since it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.reports.repository import ReportRepository

SETTLE = dt.timedelta(hours=1)  # movements are stamped when written: older than this, none is still open


def snapshot_cut(now: dt.datetime) -> dt.datetime:
    """The latest midnight (UTC) that lies at least SETTLE in the past."""
    settled = (now - SETTLE).astimezone(dt.UTC)
    return dt.datetime.combine(settled.date(), dt.time(), dt.UTC)


async def take_snapshot(session: AsyncSession, cut: dt.datetime) -> int | None:
    """Store the balances before `cut` (from the previous snapshot and the log since); the number of
    rows stored, or None when a snapshot at `cut` exists already."""
    repo = ReportRepository(session)
    if await repo.latest_snapshot(cut) == cut:
        return None
    levels = await repo.levels_before(cut)
    await repo.add_snapshot(cut, levels)
    return len(levels)
