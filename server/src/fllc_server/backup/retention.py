"""Which backups to keep: every one for a day, the last of each day for a month, the last of each week
for a year (the defaults), nothing older. A pure function of the backups' times and now.

The tiers nest, so keeping is stable as time passes: the last backup of a week is also the last of its
day, so it is still there when it moves from the daily tier to the weekly one, and a backup once let go
is never one a later call would have kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Retention:
    every_for: dt.timedelta = dt.timedelta(days=1)  # keep every backup this long
    daily_for: dt.timedelta = dt.timedelta(days=30)  # then the last of each UTC day
    weekly_for: dt.timedelta = dt.timedelta(days=365)  # then the last of each ISO week; none after

    def keep(self, taken: Iterable[dt.datetime], now: dt.datetime) -> set[dt.datetime]:
        """The times (UTC-aware) of the backups to keep; the others may be deleted. A backup from
        the future (a clock set back) is kept: nothing is deleted on a guess."""
        times = sorted(set(taken))
        kept: set[dt.datetime] = set()
        last_of_day: dict[dt.date, dt.datetime] = {}
        last_of_week: dict[tuple[int, int], dt.datetime] = {}
        for when in times:  # ascending: the last one of each period wins
            day = when.astimezone(dt.UTC).date()
            last_of_day[day] = when
            iso = day.isocalendar()
            last_of_week[(iso.year, iso.week)] = when
        for when in times:
            if self._kept(when, now - when, last_of_day, last_of_week):
                kept.add(when)
        return kept

    def _kept(
        self,
        when: dt.datetime,
        age: dt.timedelta,
        last_of_day: dict[dt.date, dt.datetime],
        last_of_week: dict[tuple[int, int], dt.datetime],
    ) -> bool:
        day = when.astimezone(dt.UTC).date()
        if age <= self.every_for:
            return True
        if age <= self.daily_for:
            return last_of_day[day] == when
        if age <= self.weekly_for:
            iso = day.isocalendar()
            return last_of_week[(iso.year, iso.week)] == when
        return False


DEFAULT = Retention()
