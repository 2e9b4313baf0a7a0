"""The POS provider base and the commands every provider's messages become.

A provider (one class per vendor) knows how to take a delivery in — `intake()`: which messages a
request carries, each with its external id and kind — and how to read a stored message —
`translate()`: a `Sale`, `Paid` or `Refund`. Everything after that (orders, stock, unknown SKUs,
messages that arrive before the order they name) is the POS service's, the same for every vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from fllc_server.integrations.providers.base import Provider
from fllc_server.kit.errors import AppError


class BadMessage(AppError):  # noqa: N818 — what the message is
    """A stored message that cannot be read as a command (kept as failed with this reason)."""

    code = "bad_message"


@dataclass(frozen=True, slots=True)
class PosLine:
    sku: str
    quantity: int
    unit_price: Decimal
    description: str = ""


@dataclass(frozen=True, slots=True)
class PosCustomer:
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Sale:
    """A sale made at the provider: an order named `order_ref`, its lines, paid or not yet."""

    order_ref: str
    lines: tuple[PosLine, ...]
    customer: PosCustomer | None = None
    paid: bool = False


@dataclass(frozen=True, slots=True)
class Paid:
    order_ref: str
    amount: Decimal | None = None  # None: the order's total


@dataclass(frozen=True, slots=True)
class RefundLine:
    sku: str
    quantity: int
    disposition: str  # restock | damaged


@dataclass(frozen=True, slots=True)
class Refund:
    refund_ref: str
    order_ref: str
    lines: tuple[RefundLine, ...] = field(default_factory=tuple)
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message the provider sends that changes nothing here (another topic)."""

    why: str


PosCommand = Sale | Paid | Refund | Ignored


@dataclass(frozen=True, slots=True)
class Intake:
    """One message of a delivery, to be stored in the inbox."""

    external_id: str
    kind: str
    payload: Any


@dataclass(frozen=True, slots=True)
class Polled:
    """One page read from a provider's API by reconciliation: the messages, where to go on."""

    intakes: list[Intake]
    cursor: str | None
    more: bool


class PosProvider(Provider):
    kind: ClassVar[str] = "pos"

    def translate(self, kind: str, payload: Any) -> PosCommand:  # pragma: no cover - abstract
        raise NotImplementedError
