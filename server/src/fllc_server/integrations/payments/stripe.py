"""Stripe-compatible webhooks.

`Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]` — each v1 is the hex HMAC-SHA256 of
"{t}.{raw body}" under the endpoint's signing secret; a delivery passes when any v1 matches
(constant-time) and t is within `TOLERANCE` seconds of now. No secret configured: every delivery
is refused (fail closed). Events are stored by their unique `id`.

Events used: payment_intent.succeeded, charge.succeeded (paid), charge.refunded (the refunded
total), charge.dispute.created / charge.dispute.closed (lost stays disputed). The order is named by
the object's metadata (`order_id`, `order_number`, or `order_source` + `order_ref`), or — for a
dispute, which carries no metadata — by the payment intent an earlier event recorded on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from fllc_server.integrations.payments.base import (
    EventIntake,
    Ignored,
    OrderLocator,
    PaymentCommand,
    PaymentProvider,
    PaymentUpdate,
)
from fllc_server.integrations.providers.service import ProviderConfig
from fllc_server.integrations.webhooks import SignatureRejected
from fllc_server.kit.errors import BadRequest

TOLERANCE = 300  # seconds
TEST_TYPE = "fllc.test"  # "send a test event": verified and stored like any event, then ignored
CENTS = Decimal("100")


def sign(secret: str, raw: bytes, timestamp: int) -> str:
    """The v1 signature of a body at a time (what Stripe sends; tests and 'send a test event')."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def verify_signature(header: str, raw: bytes, secret: str, *, now: float, tolerance: int = TOLERANCE) -> None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureRejected("Stripe-Signature has a bad timestamp", "malformed") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureRejected("Stripe-Signature needs t= and at least one v1=", "malformed")
    expected = sign(secret, raw, timestamp).encode()
    matched = False
    for candidate in signatures:  # every one compared, in constant time each
        matched |= hmac.compare_digest(expected, candidate.encode())
    if not matched:
        raise SignatureRejected("No v1 signature of Stripe-Signature matches the body", "invalid")
    if abs(now - timestamp) > tolerance:
        raise SignatureRejected("The Stripe-Signature timestamp is outside the tolerance", "expired")


class StripePayments(PaymentProvider):
    name: ClassVar[str] = "stripe"
    title: ClassVar[str] = "Stripe"
    secret_names: ClassVar[tuple[str, ...]] = ("signing_secret",)
    clock: Callable[[], float] = staticmethod(time.time)

    def verify(self, headers: dict[str, str], raw: bytes, config: ProviderConfig) -> None:
        secret = config.secret("signing_secret")
        if secret is None:
            raise SignatureRejected("No Stripe signing secret is configured: events are refused", "no_secret")
        header = headers.get("stripe-signature", "")
        if not header:
            raise SignatureRejected("Stripe-Signature is missing", "missing")
        verify_signature(header, raw, secret, now=self.clock())

    def test_delivery(self, secrets: Callable[[str], str | None], nonce: str) -> tuple[dict[str, str], bytes]:
        event = {"id": f"evt_fllc_test_{nonce}", "type": TEST_TYPE, "data": {"object": {}}}
        raw = json.dumps(event).encode()
        secret = secrets("signing_secret")
        if secret is None:
            return {}, raw
        timestamp = int(self.clock())
        return {"stripe-signature": f"t={timestamp},v1={sign(secret, raw, timestamp)}"}, raw

    def intake(self, headers: dict[str, str], body: Any) -> EventIntake:
        if not isinstance(body, dict):
            raise BadRequest("The body is not a Stripe event", code="validation_error")
        event_id, kind = body.get("id"), body.get("type")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 128:
            raise BadRequest("The event has no id", code="validation_error")
        if not isinstance(kind, str) or not 0 < len(kind) <= 48:
            raise BadRequest("The event has no type", code="validation_error")
        if not isinstance(body.get("data"), dict) or not isinstance(body["data"].get("object"), dict):
            raise BadRequest("The event has no data.object", code="validation_error")
        self.translate(kind, body)  # refuse what could never apply now, not later
        return EventIntake(external_id=event_id, kind=kind, payload=body)

    def translate(self, kind: str, payload: Any) -> PaymentCommand:
        try:
            return self._translate(kind, payload["data"]["object"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest(f"A {kind} event that cannot be read: {type(exc).__name__} {exc}") from exc

    @staticmethod
    def _translate(kind: str, obj: dict[str, Any]) -> PaymentCommand:
        if kind == "payment_intent.succeeded":
            intent = _id(obj.get("id"))
            received = obj.get("amount_received", obj.get("amount"))
            return PaymentUpdate(_locator(obj, intent), payment_ref=intent, paid=_amount(received))
        if kind == "charge.succeeded":
            intent = _id(obj.get("payment_intent") or obj.get("id"))
            return PaymentUpdate(
                _locator(obj, intent),
                payment_ref=intent,
                paid=_amount(obj.get("amount_captured", obj.get("amount"))),
            )
        if kind == "charge.refunded":
            intent = _id(obj.get("payment_intent") or obj.get("id"))
            return PaymentUpdate(
                _locator(obj, intent),
                payment_ref=intent,
                paid=_amount(obj.get("amount_captured", obj.get("amount"))),
                refunded=_amount(obj.get("amount_refunded")),
            )
        if kind in ("charge.dispute.created", "charge.dispute.closed"):
            intent = _id(obj.get("payment_intent") or obj.get("charge"))
            disputed = kind == "charge.dispute.created" or obj.get("status") != "won"
            return PaymentUpdate(_locator(obj, intent), disputed=disputed)
        return Ignored(f"event type {kind} is not used here")


def _id(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise ValueError(f"not an id: {value!r}")
    return value


def _amount(value: Any) -> Decimal:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**12:
        raise ValueError(f"not an amount in minor units: {value!r}")
    return Decimal(value) / CENTS


def _locator(obj: dict[str, Any], intent: str) -> OrderLocator:
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not an object")
    order_id = metadata.get("order_id")
    return OrderLocator(
        order_id=int(order_id) if order_id not in (None, "") else None,
        number=str(metadata["order_number"])[:32] if metadata.get("order_number") else None,
        source=str(metadata["order_source"])[:16] if metadata.get("order_source") else None,
        external_ref=str(metadata["order_ref"])[:64] if metadata.get("order_ref") else None,
        payment_ref=intent,
    )


STRIPE = StripePayments()
