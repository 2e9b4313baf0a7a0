"""Backup retention (a pure function): every backup for a day, the last of each day for 30 days, the
last of each ISO week for a year, nothing older; stable as time passes."""

from __future__ import annotations

import datetime as dt

from fllc_server.backup.retention import DEFAULT, Retention

NOW = dt.datetime(2026, 12, 3, 14, 7, tzinfo=dt.UTC)  # a Thursday
QUARTER = dt.timedelta(minutes=15)


def _every_quarter(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    first = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    times = []
    when = first
    while when <= end:
        times.append(when)
        when += QUARTER
    return times


def test_every_backup_of_the_last_day_is_kept() -> None:
    times = _every_quarter(NOW - dt.timedelta(hours=24) + QUARTER, NOW)
    assert DEFAULT.keep(times, NOW) == set(times)
    assert len(times) == 96


def test_past_a_day_the_last_of_each_utc_day_is_kept_for_thirty_days() -> None:
    day = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)  # 13 days back
    times = _every_quarter(day, day + dt.timedelta(hours=23, minutes=45))
    assert DEFAULT.keep(times, NOW) == {dt.datetime(2026, 11, 20, 23, 45, tzinfo=dt.UTC)}
    older = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # 31 days back: the weekly tier
    assert DEFAULT.keep([older, older + QUARTER], NOW) == {older + QUARTER}


def test_past_thirty_days_the_last_of_each_iso_week_is_kept_for_a_year_then_none() -> None:
    monday = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)  # ISO week 23 of 2026
    week = [monday + dt.timedelta(days=d) for d in range(7)]  # one a day, Monday to Sunday
    assert DEFAULT.keep(week, NOW) == {week[-1]}
    next_monday = monday + dt.timedelta(days=7)
    assert DEFAULT.keep([*week, next_monday], NOW) == {week[-1], next_monday}
    year_and_a_day = NOW - dt.timedelta(days=366)
    assert DEFAULT.keep([year_and_a_day], NOW) == set()


def test_a_backup_from_the_future_is_kept() -> None:
    ahead = NOW + dt.timedelta(hours=2)  # the clock was set back
    assert DEFAULT.keep([ahead], NOW) == {ahead}


def test_the_tiers_can_be_changed() -> None:
    short = Retention(
        every_for=dt.timedelta(hours=1), daily_for=dt.timedelta(days=2), weekly_for=dt.timedelta(days=14)
    )
    times = _every_quarter(NOW - dt.timedelta(hours=3), NOW)  # 11:00 to 14:00
    at = [NOW.replace(hour=13, minute=m, second=0) for m in (15, 30, 45)]
    # The last hour's, and of the rest of today only its last (14:00, in the last hour too).
    assert short.keep(times, NOW) == {*at, NOW.replace(minute=0, second=0)}


def test_a_year_of_backups_every_fifteen_minutes_pruned_as_they_come() -> None:
    """The scheduler's view: a backup every 15 minutes for 400 days, the retention applied after each
    day. What is left is each tier's share, and nothing let go was wanted later (stability)."""
    start = dt.datetime(2025, 10, 29, tzinfo=dt.UTC)
    kept: set[dt.datetime] = set()
    deleted: set[dt.datetime] = set()
    when = start
    end = start + dt.timedelta(days=400)
    while when < end:
        kept.add(when)
        when += QUARTER
        if when.hour == 0 and when.minute == 0:
            now = when
            still = DEFAULT.keep(kept, now)
            deleted |= kept - still
            kept = still
    now = when
    kept = DEFAULT.keep(kept, now)
    every = {t for t in kept if now - t <= dt.timedelta(days=1)}
    daily = {t for t in kept if dt.timedelta(days=1) < now - t <= dt.timedelta(days=30)}
    weekly = {t for t in kept if dt.timedelta(days=30) < now - t}
    assert len(every) == 96
    assert len(daily) == 29  # one per day between a day and 30 days old
    assert 47 <= len(weekly) <= 49  # one per ISO week for the rest of the year
    assert all(now - t <= dt.timedelta(days=365) for t in kept)
    assert all(t.hour == 23 and t.minute == 45 for t in daily)  # the last of each day
    assert all(t.weekday() == 6 and (t.hour, t.minute) == (23, 45) for t in weekly)  # of each week
    # Stability: had every backup been kept, the final call would want none of those deleted.
    everything = kept | deleted
    assert DEFAULT.keep(everything, now) == kept
