"""The site's rule for goods past their expiry date, on every path that books received stock
(scan intake and receipts against a purchase order, over REST and synced alike).

With the setting `refuse_expired_goods` a receipt of goods whose expiry date (the body's `expiry`,
else the GS1 barcode's AI 17) has passed is refused with 409 `expired_goods` — a synced op comes
back `rejected` with that code and waits on its tablet for a person. Without the setting, and for
goods within the near-expiry window (`near_expiry_days`), the receipt is booked: those are the
scan screens' warnings, not refusals.

When goods count as expired:
- judged on the day they were received: a synced op's `created_at` (a scan made offline while the
  goods were still good stays good when it arrives days later), never later than now; a REST
  write's: now;
- an expiry date is the last good day wherever the warehouse is. The server knows no time zone, so
  a date has passed once it has ended everywhere on Earth (UTC-12): the server never refuses what
  a tablet's local calendar still allowed (the tablet refuses by its own date, sooner).

`receipt_made_at` carries an op's time to the code that books it:

    with receipt_made_at(op.created_at):
        batch.book(op_id, payload)      # -> refuse_expired(...) judges by that day
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from fllc_server.catalog.barcodes import scanned_expiry
from fllc_server.kit.errors import Conflict

if TYPE_CHECKING:
    from fllc_server.state import RuntimeSettings

EARLIEST_CALENDAR = dt.timedelta(hours=12)  # UTC-12: the last place where a day ends
SETTING = "refuse_expired_goods"

_made_at: ContextVar[dt.datetime | None] = ContextVar("receipt_made_at", default=None)


@contextmanager
def receipt_made_at(moment: dt.datetime | None) -> Iterator[None]:
    """Judge the receipts booked inside by the day of `moment` (an op's created_at)."""
    token = _made_at.set(moment)
    try:
        yield
    finally:
        _made_at.reset(token)


def receipt_day(now: dt.datetime | None = None) -> dt.date:
    """The day a receipt being booked now was made, on the Earth's latest calendar (UTC-12)."""
    now = now or dt.datetime.now(dt.UTC)
    made = _made_at.get()
    moment = now if made is None else min(_aware(made), now)
    return (moment - EARLIEST_CALENDAR).date()


def refuse_expired(
    runtime: RuntimeSettings,
    expiry: dt.date | None,
    *,
    barcode: str | None = None,
    product: str | None = None,
) -> None:
    """Raise 409 `expired_goods` when the setting refuses expired goods and these are past their
    date (`expiry`, else the AI 17 of a GS1 `barcode`); otherwise nothing."""
    if not runtime.refuse_expired_goods:
        return
    if expiry is None and barcode is not None:
        expiry = scanned_expiry(barcode)
    if expiry is None:
        return
    day = receipt_day()
    if expiry >= day:
        return
    what = product or "These goods"
    raise Conflict(
        f"{what} expired on {expiry.isoformat()}: expired goods are not received (setting {SETTING})",
        code="expired_goods",
        details=[{"expiry": expiry.isoformat(), "receipt_day": day.isoformat(), "setting": SETTING}],
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
