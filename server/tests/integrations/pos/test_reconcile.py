"""Reconciliation against a stand-in POS. No real Shopify can run here, so this test runs a small
HTTP server of its own (a fake, in a thread) that answers the Admin API's orders listing from its
own list of orders; the test delivers that shop's webhooks the way a bad network would — some
twice, some out of order, some never — and reconciliation must fill the gaps from the cursor."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.infra.outside import OutsideCalls
from fllc_server.integrations.pos.reconcile import reconcile

TOKEN = "shpat_stand_in_token"


class StandInShop:
    """The orders a shop holds, served as GET /admin/api/2024-01/orders.json (updated_at_min)."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.requests: list[dict[str, list[str]]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if (
                    url.path != "/admin/api/2024-01/orders.json"
                    or self.headers.get("X-Shopify-Access-Token") != TOKEN
                ):
                    self.send_response(404 if url.path != "/admin/api/2024-01/orders.json" else 401)
                    self.end_headers()
                    return
                query = parse_qs(url.query)
                shop.requests.append(query)
                since = query.get("updated_at_min", [""])[0]
                listed = sorted(
                    (o for o in shop.orders if o["updated_at"] >= since), key=lambda o: o["updated_at"]
                )
                body = json.dumps({"orders": listed[: int(query.get("limit", ["250"])[0])]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def stand_in() -> Iterator[tuple[StandInShop, str]]:
    shop = StandInShop()
    server = ThreadingHTTPServer(("127.0.0.1", 0), shop.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shop, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _order(
    order_id: int, sku: str, quantity: int, stamp: str, paid: bool = False, refunds: list | None = None
) -> dict:
    return {
        "id": order_id,
        "updated_at": stamp,
        "financial_status": "paid" if paid else "pending",
        "total_price": f"{quantity * 2:.2f}",
        "line_items": [{"id": order_id * 10, "sku": sku, "quantity": quantity, "price": "2.00"}],
        "refunds": refunds or [],
    }


async def test_reconciliation_fills_lost_webhooks_and_ignores_what_came(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, pos, product, shopify_on, stand_in
) -> None:
    shop, base = stand_in
    admin = await auth_headers("admin")
    configured = await client.patch(
        "/api/v1/integrations/providers/shopify",
        json={"secrets": {"shop_url": base, "access_token": TOKEN}},
        headers=admin,
    )
    assert configured.status_code == 200
    mug = await product("MUG", stock=20)
    refund = {
        "id": 77,
        "order_id": 3,
        "refund_line_items": [{"quantity": 1, "restock_type": "return", "line_item": {"sku": "MUG"}}],
    }
    shop.orders = [
        _order(1, "MUG", 1, "2026-12-01T10:00:00Z", paid=True),
        _order(2, "MUG", 2, "2026-12-01T11:00:00Z"),
        _order(3, "MUG", 3, "2026-12-01T12:00:00Z", paid=True, refunds=[refund]),
    ]
    # the network: order 1 created twice and paid before created; order 2 lost; order 3 created,
    # its payment and refund lost
    await pos.shopify("orders/paid", shop.orders[0], "wh-1-paid")
    await pos.shopify("orders/create", shop.orders[0], "wh-1")
    await pos.shopify("orders/create", shop.orders[0], "wh-1")
    await pos.shopify("orders/create", shop.orders[2], "wh-3")
    await pos.drained()
    assert len(await pos.orders("shopify")) == 2

    done = await client.post("/api/v1/integrations/pos/shopify/reconcile", headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["cursor"] == "2026-12-01T12:00:00Z"
    assert done.json()["fetched"] == 6  # 3 creates, 2 paid, 1 refund
    await pos.drained()

    orders = {o.external_ref: o for o in await pos.orders("shopify")}
    assert sorted(orders) == ["1", "2", "3"]
    assert [orders[k].payment_status for k in ("1", "2", "3")] == ["paid", "unpaid", "paid"]
    assert await pos.on_hand(mug) == 20 - 1 - 2 - 3 + 1
    for ref, moves in (
        ("1", [(mug, -1, "sale")]),
        ("2", [(mug, -2, "sale")]),
        ("3", [(mug, -3, "sale"), (mug, 1, "return")]),
    ):
        assert await pos.movements(orders[ref].id) == moves, ref
    assert {m.status for m in await pos.inbox("shopify")} == {"handled"}

    # again: the cursor is where it stopped; the last order is listed again, nothing new applies
    shop.orders.append(_order(4, "MUG", 1, "2026-12-02T09:00:00Z"))
    again = (await client.post("/api/v1/integrations/pos/shopify/reconcile", headers=admin)).json()
    assert shop.requests[-1]["updated_at_min"] == ["2026-12-01T12:00:00Z"]
    assert again["cursor"] == "2026-12-02T09:00:00Z"
    await pos.drained()
    assert len(await pos.orders("shopify")) == 4
    assert await pos.on_hand(mug) == 14


async def test_reconciliation_needs_the_api_credentials(app: FastAPI, shopify_on) -> None:
    with pytest.raises(Exception, match="shop_url and access_token"):
        await reconcile(app.state.fllc, "shopify")


async def test_a_shop_that_never_answers_costs_the_timeout_then_its_breaker_opens(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, shopify_on, dead_partner
) -> None:
    """Each page goes through the app's OutsideCalls (partner pos:shopify): a hung shop is given up
    on at the partner timeout (not httpx's own, longer one), and after the breaker's threshold the
    next reconciliation fails at once without connecting."""
    state = app.state.fllc
    state.outside = OutsideCalls(threshold=2, reset_seconds=60, timeout=0.3)
    admin = await auth_headers("admin")
    configured = await client.patch(
        "/api/v1/integrations/providers/shopify",
        json={"secrets": {"shop_url": dead_partner.url, "access_token": TOKEN}},
        headers=admin,
    )
    assert configured.status_code == 200
    for attempt in (1, 2):
        response = await client.post("/api/v1/integrations/pos/shopify/reconcile", headers=admin)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "partner_timeout"
        assert dead_partner.connections == attempt
    assert await state.outside.state("pos:shopify") == "opened"

    response = await client.post("/api/v1/integrations/pos/shopify/reconcile", headers=admin)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "partner_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert dead_partner.connections == 2  # the open breaker did not call the shop
