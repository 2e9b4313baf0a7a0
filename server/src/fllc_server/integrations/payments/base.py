"""The payment provider base and the command every gateway's events become.

A gateway class verifies a delivery's signature (`verify`), names the event (`intake`: its unique
id and type) and reads a stored event (`translate`: a `PaymentUpdate` or `Ignored`). Applying it
— finding the order, the payment status — is the payment service's, the same for every gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from fllc_server.integrations.providers.base import Provider
from fllc_server.integrations.providers.service import ProviderConfig


@dataclass(frozen=True, slots=True)
class OrderLocator:
    """How an event names its order: our id or number, a sale's (source, ref), or the gateway's
    payment id recorded on the order by an earlier event."""

    order_id: int | None = None
    number: str | None = None
    source: str | None = None
    external_ref: str | None = None
    payment_ref: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentUpdate:
    """What an event says; amounts are totals so far (they only grow), None where it says nothing."""

    order: OrderLocator
    payment_ref: str | None = None
    paid: Decimal | None = None
    refunded: Decimal | None = None
    disputed: bool | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    why: str


PaymentCommand = PaymentUpdate | Ignored


@dataclass(frozen=True, slots=True)
class EventIntake:
    external_id: str
    kind: str
    payload: Any


class PaymentProvider(Provider):
    kind: ClassVar[str] = "payments"

    def verify(self, headers: dict[str, str], raw: bytes, config: ProviderConfig) -> None:  # pragma: no cover
        raise NotImplementedError

    def intake(self, headers: dict[str, str], body: Any) -> EventIntake:  # pragma: no cover
        raise NotImplementedError

    def translate(self, kind: str, payload: Any) -> PaymentCommand:  # pragma: no cover
        raise NotImplementedError
