"""Shopify-compatible order and refund webhooks: `orders/create`, `orders/paid`, `refunds/create`.

A delivery is proven by `X-Shopify-Hmac-Sha256`: the base64 HMAC-SHA256 of the raw body under
the app's webhook secret, compared in constant time. `X-Shopify-Webhook-Id` names the delivery
(Shopify resends with the same id), so it is the inbox's external id. Refund lines say what
becomes of the units: `return`/`cancel`/`legacy_restock` back to stock, `no_restock` written off.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx

from fllc_server.integrations.pos.base import (
    Ignored,
    Intake,
    Paid,
    Polled,
    PosCommand,
    PosCustomer,
    PosLine,
    PosProvider,
    Refund,
    RefundLine,
    Sale,
)
from fllc_server.integrations.providers.base import hmac_sha256, same
from fllc_server.integrations.providers.service import ProviderConfig
from fllc_server.integrations.webhooks import SignatureRejected
from fllc_server.kit.errors import BadRequest

TOPICS = ("orders/create", "orders/paid", "refunds/create")
TEST_TOPIC = "fllc/test"  # "send a test event": verified and stored like any topic, then ignored
API_VERSION = "2024-01"
PAGE = 250
RESTOCKED = ("return", "cancel", "legacy_restock")


class ShopifyPos(PosProvider):
    name: ClassVar[str] = "shopify"
    title: ClassVar[str] = "Shopify"
    # webhook_secret proves deliveries; shop_url and access_token let reconciliation read the
    # Admin API (GET {shop_url}/admin/api/{API_VERSION}/orders.json)
    secret_names: ClassVar[tuple[str, ...]] = ("webhook_secret", "shop_url", "access_token")

    def verify(self, headers: dict[str, str], raw: bytes, config: ProviderConfig) -> None:
        secret = config.secret("webhook_secret")
        if secret is None:
            raise SignatureRejected(
                "No Shopify webhook secret is configured: deliveries are refused", "no_secret"
            )
        given = headers.get("x-shopify-hmac-sha256", "").strip()
        if not given:
            raise SignatureRejected("X-Shopify-Hmac-Sha256 is missing", "missing")
        if not same(base64.b64encode(hmac_sha256(secret, raw)), given):
            raise SignatureRejected("X-Shopify-Hmac-Sha256 does not match the body", "invalid")

    def test_delivery(self, secrets: Callable[[str], str | None], nonce: str) -> tuple[dict[str, str], bytes]:
        raw = json.dumps({"id": f"fllc-test-{nonce}", "test": True}).encode()
        secret = secrets("webhook_secret")
        headers = {"x-shopify-topic": TEST_TOPIC, "x-shopify-webhook-id": f"fllc-test-{nonce}"}
        if secret is not None:
            headers["x-shopify-hmac-sha256"] = base64.b64encode(hmac_sha256(secret, raw)).decode()
        return headers, raw

    def intake(self, headers: dict[str, str], body: Any) -> Intake:
        webhook_id = headers.get("x-shopify-webhook-id", "").strip()
        topic = headers.get("x-shopify-topic", "").strip()
        if not webhook_id or len(webhook_id) > 128:
            raise BadRequest("X-Shopify-Webhook-Id is missing or too long", code="validation_error")
        if not topic or len(topic) > 48:
            raise BadRequest("X-Shopify-Topic is missing or too long", code="validation_error")
        if not isinstance(body, dict) or "id" not in body:
            raise BadRequest("The body is not a Shopify order or refund", code="validation_error")
        if topic in TOPICS:
            self.translate(topic, body)  # refuse what could never apply now, not later
        return Intake(external_id=webhook_id, kind=topic, payload=body)

    def translate(self, kind: str, payload: Any) -> PosCommand:
        try:
            return self._translate(kind, payload)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise BadRequest(f"A {kind} message that cannot be read: {type(exc).__name__} {exc}") from exc

    def _translate(self, kind: str, payload: dict[str, Any]) -> PosCommand:
        if kind == "orders/create":
            return Sale(
                order_ref=_ref(payload["id"]),
                lines=tuple(_line(item) for item in payload.get("line_items") or ()),
                customer=_customer(payload.get("customer")),
                paid=payload.get("financial_status") == "paid",
            )
        if kind == "orders/paid":
            total = payload.get("total_price")
            return Paid(order_ref=_ref(payload["id"]), amount=_money(total) if total is not None else None)
        if kind == "refunds/create":
            return Refund(
                refund_ref=_ref(payload["id"]),
                order_ref=_ref(payload["order_id"]),
                lines=tuple(_refund_line(item) for item in payload.get("refund_line_items") or ()),
            )
        return Ignored(f"topic {kind} is not used here")

    async def poll(self, http: httpx.AsyncClient, config: ProviderConfig, cursor: str | None) -> Polled:
        """One page of orders updated at or after `cursor` (oldest first), each as the messages its
        webhooks would have been: orders/create, orders/paid when paid, refunds/create per refund.
        Their ids are the reconciliation's own, so a webhook that did arrive is not stored twice
        in a way that matters (the order and refund are applied once however they come)."""
        shop_url, token = config.secret("shop_url"), config.secret("access_token")
        if shop_url is None or token is None:
            raise BadRequest("Set Shopify's shop_url and access_token to reconcile", code="not_configured")
        params: dict[str, str | int] = {"status": "any", "limit": PAGE, "order": "updated_at asc"}
        if cursor:
            params["updated_at_min"] = cursor
        response = await http.get(
            f"{shop_url.rstrip('/')}/admin/api/{API_VERSION}/orders.json",
            params=params,
            headers={"X-Shopify-Access-Token": token},
        )
        response.raise_for_status()
        orders = response.json().get("orders") or []
        intakes: list[Intake] = []
        newest = cursor
        for order in orders:
            order_id = order["id"]
            intakes.append(Intake(f"reconcile:orders/create:{order_id}", "orders/create", order))
            if order.get("financial_status") in ("paid", "partially_refunded", "refunded"):
                intakes.append(Intake(f"reconcile:orders/paid:{order_id}", "orders/paid", order))
            for refund in order.get("refunds") or ():
                payload = {**refund, "order_id": refund.get("order_id", order_id)}
                intakes.append(Intake(f"reconcile:refunds/create:{refund['id']}", "refunds/create", payload))
            stamp = str(order.get("updated_at") or "")
            if stamp and (newest is None or stamp > newest):
                newest = stamp
        for intake in intakes:
            self.translate(intake.kind, intake.payload)  # a page that cannot be read stops here
        return Polled(intakes=intakes, cursor=newest, more=len(orders) >= PAGE)


def _ref(value: Any) -> str:
    text = str(value)
    if not text or len(text) > 64 or isinstance(value, bool | dict | list):
        raise ValueError(f"not an id: {value!r}")
    return text


def _money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0 or amount > Decimal("99999999.99"):
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"))


def _quantity(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 1_000_000:
        raise ValueError(f"not a quantity: {value!r}")
    return value


def _sku(item: dict[str, Any]) -> str:
    sku = str(item.get("sku") or "").strip()
    if not sku:  # a product without a SKU: its variant names it until someone maps it
        sku = f"variant:{item.get('variant_id') or item.get('id')}"
    if len(sku) > 128:
        raise ValueError("SKU too long")
    return sku


def _line(item: dict[str, Any]) -> PosLine:
    return PosLine(
        sku=_sku(item),
        quantity=_quantity(item["quantity"]),
        unit_price=_money(item.get("price", "0")),
        description=str(item.get("title") or item.get("name") or "")[:200],
    )


def _refund_line(item: dict[str, Any]) -> RefundLine:
    restock_type = str(item.get("restock_type") or "no_restock")
    return RefundLine(
        sku=_sku(item.get("line_item") or {}),
        quantity=_quantity(item["quantity"]),
        disposition="restock" if restock_type in RESTOCKED else "damaged",
    )


def _customer(value: Any) -> PosCustomer | None:
    if not isinstance(value, dict):
        return None
    name = " ".join(str(value.get(k) or "") for k in ("first_name", "last_name")).strip()
    email = value.get("email")
    email = str(email)[:254] if email else None
    return PosCustomer(name=name[:200] or (email or "Shopify customer"), email=email)


SHOPIFY = ShopifyPos()
