"""Shopify-compatible webhooks: HMAC of the raw body, de-duplicated on X-Shopify-Webhook-Id,
orders/create, orders/paid (also before its order), refunds/create with restock types."""

from __future__ import annotations

import json

import httpx
import pytest

from ..conftest import shopify_headers

WEBHOOK = "/api/v1/integrations/pos/shopify/webhook"


def order(order_id: int, lines: list[tuple[str, int, str]], financial_status: str = "pending") -> dict:
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "financial_status": financial_status,
        "total_price": f"{sum(q * float(p) for _, q, p in lines):.2f}",
        "customer": {"email": "ana@example.com", "first_name": "Ana", "last_name": "Lima"},
        "line_items": [
            {"id": 100 + n, "sku": s, "quantity": q, "price": p, "title": f"Thing {s}"}
            for n, (s, q, p) in enumerate(lines)
        ],
    }


async def test_the_same_webhook_five_times_is_one_order(client, pos, product, shopify_on) -> None:
    mug = await product("MUG", stock=10)
    for _ in range(5):
        response = await pos.shopify("orders/create", order(5001, [("MUG", 2, "4.00")]), "wh-1")
        assert response.status_code == 200, response.text
    # Shopify's own retry of a lost delivery comes with a new webhook id: still one order
    await pos.shopify("orders/create", order(5001, [("MUG", 2, "4.00")]), "wh-1-retry")
    await pos.drained()
    [made] = await pos.orders("shopify")
    assert made.external_ref == "5001"
    assert await pos.movements(made.id) == [(mug, -2, "sale")]
    assert await pos.on_hand(mug) == 8
    assert len(await pos.inbox("shopify")) == 2


async def test_paid_before_created_is_held_until_the_order_exists(client, pos, product, shopify_on) -> None:
    await product("MUG", stock=10)
    await pos.shopify("orders/paid", order(7001, [("MUG", 1, "4.00")], "paid"), "wh-paid")
    await pos.drained()
    [parked] = await pos.inbox("shopify")
    assert parked.status == "parked"
    assert await pos.orders("shopify") == []

    await pos.shopify("orders/create", order(7001, [("MUG", 1, "4.00")]), "wh-create")
    await pos.drained()
    assert {m.kind: m.status for m in await pos.inbox("shopify")} == {
        "orders/paid": "handled",
        "orders/create": "handled",
    }
    [made] = await pos.orders("shopify")
    assert (made.status, made.payment_status) == ("paid", "paid")
    assert made.customer_id is not None


async def test_refunds_restock_or_write_off_per_line_once(client, pos, product, shopify_on) -> None:
    mug = await product("MUG", stock=10)
    cap = await product("CAP", stock=10)
    await pos.shopify("orders/create", order(8001, [("MUG", 2, "4.00"), ("CAP", 2, "3.00")], "paid"), "wh-o")
    refund = {
        "id": 9001,
        "order_id": 8001,
        "refund_line_items": [
            {"line_item_id": 100, "quantity": 2, "restock_type": "return", "line_item": {"sku": "MUG"}},
            {"line_item_id": 101, "quantity": 1, "restock_type": "no_restock", "line_item": {"sku": "CAP"}},
        ],
    }
    await pos.shopify("refunds/create", refund, "wh-r")
    await pos.shopify("refunds/create", refund, "wh-r")
    await pos.shopify("refunds/create", refund, "wh-r2")
    await pos.drained()
    assert await pos.on_hand(mug) == 10
    assert await pos.on_hand(cap) == 8
    [made] = await pos.orders("shopify")
    assert sorted(await pos.movements(made.id)) == sorted(
        [(mug, -2, "sale"), (cap, -2, "sale"), (mug, 2, "return"), (cap, 1, "return"), (cap, -1, "write_off")]
    )


async def _metric(client: httpx.AsyncClient, reason: str) -> float:
    text = (await client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("fllc_webhooks_rejected_total{") and f'reason="{reason}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize(
    ("reason", "change"),
    [
        ("missing", lambda h: h.pop("X-Shopify-Hmac-Sha256")),
        ("invalid", lambda h: h.update({"X-Shopify-Hmac-Sha256": "AAAA" + h["X-Shopify-Hmac-Sha256"][4:]})),
    ],
)
async def test_a_bad_signature_is_401_nothing_stored_and_counted(
    client, pos, shopify_on, reason, change
) -> None:
    body = json.dumps(order(1, [("MUG", 1, "1.00")])).encode()
    headers = shopify_headers(body, "orders/create", "wh-bad")
    change(headers)
    before = await _metric(client, reason)
    response = await client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert await pos.inbox_count() == 0
    assert await _metric(client, reason) == before + 1


async def test_a_body_signed_with_another_secret_or_changed_after_signing_is_refused(
    client, pos, shopify_on
) -> None:
    body = json.dumps(order(1, [("MUG", 1, "1.00")])).encode()
    wrong = shopify_headers(body, "orders/create", "wh-x", secret="someone-else")
    assert (await client.post(WEBHOOK, content=body, headers=wrong)).status_code == 401
    signed = shopify_headers(body, "orders/create", "wh-y")
    tampered = body.replace(b'"quantity": 1', b'"quantity": 9')
    assert (await client.post(WEBHOOK, content=tampered, headers=signed)).status_code == 401
    assert await pos.inbox_count() == 0


async def test_no_secret_configured_fails_closed(client, pos) -> None:
    body = json.dumps(order(1, [("MUG", 1, "1.00")])).encode()
    response = await client.post(WEBHOOK, content=body, headers=shopify_headers(body, "orders/create", "wh"))
    assert response.status_code == 401
    assert await pos.inbox_count() == 0


async def test_malformed_signed_deliveries_are_400(client, pos, shopify_on) -> None:
    for body, topic, webhook_id in (
        (b"{not json", "orders/create", "a"),
        (b"[1, 2]", "orders/create", "b"),
        (json.dumps({"id": 1, "line_items": [{"sku": "A", "quantity": -1}]}).encode(), "orders/create", "c"),
        (json.dumps(order(1, [("A", 1, "1.00")])).encode(), "orders/create", ""),
    ):
        headers = shopify_headers(body, topic, webhook_id)
        response = await client.post(WEBHOOK, content=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()["error"]) == {"code", "message", "details"}
    assert await pos.inbox_count() == 0


async def test_secrets_are_write_only(client, auth_headers, shopify_on: str) -> None:
    admin = await auth_headers("admin")
    listed = await client.get("/api/v1/integrations/providers", headers=admin)
    assert listed.status_code == 200
    assert shopify_on not in listed.text
    shopify = next(p for p in listed.json() if p["name"] == "shopify")
    assert shopify["secrets_set"] == ["webhook_secret"]
    assert shopify["enabled"] is True
    audit = await client.get("/api/v1/audit", headers=admin)
    assert shopify_on not in audit.text
    settings = await client.get("/api/v1/settings", headers=admin)
    assert shopify_on not in settings.text
