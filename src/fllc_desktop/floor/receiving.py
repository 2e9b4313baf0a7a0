"""What Receive's lot and expiry fields mean, and what an expiry date allows. No Qt in here.

The lot and expiry fields are **for the next scan**. A person may type them before scanning the
product they belong to; the next product scan takes them. After that they stay bound to that
product: scanning it again books the same batch, scanning another product clears them first
(unless the person typed new values since, which are again for the next scan). A GS1 barcode that
carries its own lot (AI 10) or expiry (AI 17) wins for that scan and binds its values the same way.
A scan that books nothing (an unknown or unreadable code, a refusal) clears both, so no stale lot
or expiry travels with the next scan.

:class:`ExpiryPolicy` is the site's rule for dates (from the server's settings): goods past their
expiry are a warning, or refused when ``refuse_expired``; goods expiring within ``near_days`` days
are a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the barcode parser loads on first scan, not with the tablet
    from fllc_desktop.domain.barcodes import ScanResult

FIELDS_CAPTION = "Lot and expiry go with the next scan, and stay for more scans of that product"


@dataclass(frozen=True, slots=True)
class BatchValues:
    """The lot and expiry one op is booked with."""

    lot: str | None
    expiry: dt.date | None

    @property
    def text(self) -> str:
        parts = [f"lot {self.lot}"] if self.lot else []
        if self.expiry is not None:
            parts.append(f"expiry {self.expiry.isoformat()}")
        return " · ".join(parts)


class BadExpiryError(ValueError):
    """The expiry field holds something that is not a date."""


class BatchFields:
    def __init__(self) -> None:
        self.lot = ""
        self.expiry = ""
        self.bound_to: int | None = None
        """The product these values were last booked with; None while they wait for a scan."""
        self._typed = False

    def edit(self, lot: str, expiry: str) -> None:
        """The person typed into a field: the values are for the next scan, whatever it is."""
        self.lot, self.expiry = lot, expiry
        self._typed = True

    def for_scan(self, product_id: int, decoded: ScanResult | None = None) -> BatchValues:
        """The values a scan of ``product_id`` is booked with (the fields follow: read ``lot`` and
        ``expiry`` afterwards). Raises :class:`BadExpiryError` for an unreadable typed date."""
        if not self._typed and self.bound_to is not None and self.bound_to != product_id:
            self.lot = self.expiry = ""  # another product: the last one's batch does not go with it
        if decoded is not None and decoded.lot:
            self.lot = decoded.lot
        if decoded is not None and decoded.expiry is not None:
            self.expiry = decoded.expiry.isoformat()
        return BatchValues(self.lot.strip() or None, parse_expiry(self.expiry))

    def booked(self, product_id: int) -> None:
        """An op was committed with the values ``for_scan`` gave."""
        self.bound_to = product_id
        self._typed = False

    def clear(self) -> None:
        """A scan booked nothing: forget the values so the next scan starts clean."""
        self.lot = self.expiry = ""
        self.bound_to = None
        self._typed = False


def parse_expiry(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadExpiryError(
            f"The expiry {text!r} is not a date: write it as YYYY-MM-DD or clear it."
        ) from None


class ExpiryState(StrEnum):
    FRESH = "fresh"
    NEAR = "near"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ExpiryCheck:
    state: ExpiryState
    refused: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    refuse_expired: bool = False
    near_days: int = 30

    @classmethod
    def from_settings(cls, values: dict[str, object]) -> ExpiryPolicy:
        refuse = values.get("refuse_expired_goods")
        days = values.get("near_expiry_days")
        return cls(
            refuse_expired=refuse is True,
            near_days=days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 else 30,
        )

    def check(self, expiry: dt.date | None, today: dt.date) -> ExpiryCheck:
        if expiry is None:
            return ExpiryCheck(ExpiryState.FRESH)
        if expiry < today:
            days = (today - expiry).days
            when = f"EXPIRED on {expiry.isoformat()} ({days} day{'s' if days != 1 else ''} ago)"
            if self.refuse_expired:
                return ExpiryCheck(
                    ExpiryState.EXPIRED, refused=True, message=f"{when}: expired goods are not received."
                )
            return ExpiryCheck(ExpiryState.EXPIRED, message=f"{when}: set it aside for a manager.")
        left = (expiry - today).days
        if left <= self.near_days:
            return ExpiryCheck(
                ExpiryState.NEAR,
                message=f"Expires soon: {expiry.isoformat()} (in {left} day{'s' if left != 1 else ''}).",
            )
        return ExpiryCheck(ExpiryState.FRESH)
