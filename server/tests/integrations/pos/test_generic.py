"""Our generic sales webhook: API key with scope pos.write, a documented schema, stored once per
event id, sales taken out of stock once, unknown SKUs queued for mapping, refunds per line."""

from __future__ import annotations

import httpx

EVENTS = "/api/v1/integrations/pos/generic/events"


def sale(event_id: str, sale_id: str, lines: list[tuple[str, int, str]], **extra: object) -> dict:
    return {
        "type": "sale",
        "event_id": event_id,
        "sale_id": sale_id,
        "lines": [{"sku": s, "quantity": q, "unit_price": p} for s, q, p in lines],
        **extra,
    }


async def test_the_same_sale_five_times_is_one_order_and_one_set_of_movements(
    client: httpx.AsyncClient, pos, product, till_key: str
) -> None:
    mug = await product("MUG", stock=10)
    cap = await product("CAP", stock=5)
    body = sale("ev-1", "S-1", [("MUG", 2, "4.50"), ("CAP", 1, "9.00")])
    answers = [await client.post(EVENTS, json=body, headers={"X-API-Key": till_key}) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["duplicate"] for a in answers] == [False, True, True, True, True]
    await pos.drained()

    orders = await pos.orders("generic")
    assert len(orders) == 1
    order = orders[0]
    assert order.total == 18
    assert order.payment_status == "paid"
    assert order.status == "paid"
    assert sorted(await pos.movements(order.id)) == sorted([(mug, -2, "sale"), (cap, -1, "sale")])
    assert await pos.on_hand(mug) == 8
    assert await pos.on_hand(cap) == 4
    assert [m.status for m in await pos.inbox("generic")] == ["handled"]

    # the same sale under a new event id (a till that resends after a crash): still one order
    again = await client.post(EVENTS, json={**body, "event_id": "ev-1b"}, headers={"X-API-Key": till_key})
    assert again.json()["duplicate"] is False
    await pos.drained()
    assert len(await pos.orders("generic")) == 1
    assert await pos.on_hand(mug) == 8


async def test_a_payment_before_its_sale_waits_for_it(
    client: httpx.AsyncClient, pos, product, till_key
) -> None:
    await product("MUG", stock=3)
    headers = {"X-API-Key": till_key}
    paid = await client.post(
        EVENTS, json={"type": "payment", "event_id": "pay-1", "sale_id": "S-9"}, headers=headers
    )
    assert paid.status_code == 200
    await pos.drained()
    [message] = await pos.inbox("generic")
    assert message.status == "parked"
    assert message.waits_for == "order:generic:S-9"

    await client.post(EVENTS, json=sale("ev-9", "S-9", [("MUG", 1, "3.00")], paid=False), headers=headers)
    await pos.drained()
    assert [m.status for m in await pos.inbox("generic")] == ["handled", "handled"]
    [order] = await pos.orders("generic")
    assert order.payment_status == "paid"
    assert order.amount_paid == 3


async def test_an_unknown_sku_never_fails_the_sale_and_mapping_it_applies_the_line(
    client: httpx.AsyncClient, pos, product, till_key, auth_headers
) -> None:
    mug = await product("MUG", stock=10)
    mystery = await product("REAL-SKU", stock=10)
    headers = {"X-API-Key": till_key}
    await client.post(
        EVENTS, json=sale("ev-1", "S-1", [("MUG", 1, "4.00"), ("TILL-77", 2, "6.00")]), headers=headers
    )
    await pos.drained()
    [order] = await pos.orders("generic")
    assert order.total == 16  # the unknown line's money is part of the sale
    assert await pos.movements(order.id) == [(mug, -1, "sale")]
    [message] = await pos.inbox("generic")
    assert message.status == "needs_mapping"
    assert "TILL-77" in (message.error or "")

    manager = await auth_headers("manager")
    queue = await client.get("/api/v1/integrations/unmapped-lines", headers=manager)
    assert queue.status_code == 200
    [line] = queue.json()["data"]
    assert (line["external_sku"], line["quantity"], line["order_id"]) == ("TILL-77", 2, order.id)

    mapped = await client.post(
        "/api/v1/integrations/sku-mappings",
        json={"source": "generic", "external_sku": "TILL-77", "product_id": mystery},
        headers=manager,
    )
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["lines_applied"] == 1
    assert await pos.on_hand(mystery) == 8
    assert [m.status for m in await pos.inbox("generic")] == ["handled"]
    detail = await client.get(f"/api/v1/orders/{order.id}", headers=manager)
    assert sorted(i["sku"] for i in detail.json()["items"]) == ["MUG", "REAL-SKU"]
    assert (await client.get("/api/v1/integrations/unmapped-lines", headers=manager)).json()["data"] == []

    # remembered: the next sale with that SKU applies at once
    await client.post(EVENTS, json=sale("ev-2", "S-2", [("TILL-77", 1, "6.00")]), headers=headers)
    await pos.drained()
    assert await pos.on_hand(mystery) == 7
    assert [m.status for m in await pos.inbox("generic")] == ["handled", "handled"]


async def test_refund_lines_go_back_to_stock_or_are_written_off(
    client: httpx.AsyncClient, pos, product, till_key
) -> None:
    mug = await product("MUG", stock=10)
    cap = await product("CAP", stock=10)
    headers = {"X-API-Key": till_key}
    await client.post(
        EVENTS, json=sale("ev-1", "S-1", [("MUG", 3, "4.00"), ("CAP", 2, "5.00")]), headers=headers
    )
    refund = {
        "type": "refund",
        "event_id": "ev-r1",
        "sale_id": "S-1",
        "refund_id": "R-1",
        "amount": "9.00",
        "lines": [
            {"sku": "MUG", "quantity": 1, "disposition": "restock"},
            {"sku": "CAP", "quantity": 1, "disposition": "damaged"},
        ],
    }
    for event_id in ("ev-r1", "ev-r1", "ev-r1-again"):  # resent, and the same refund under a new id
        assert (
            await client.post(EVENTS, json={**refund, "event_id": event_id}, headers=headers)
        ).status_code == 200
    await pos.drained()
    assert await pos.on_hand(mug) == 8  # 10 - 3 + 1
    assert await pos.on_hand(cap) == 8  # 10 - 2; the damaged one came back and was written off
    [order] = await pos.orders("generic")
    moves = await pos.movements(order.id)
    assert (mug, 1, "return") in moves
    assert (cap, 1, "return") in moves
    assert (cap, -1, "write_off") in moves
    assert len(moves) == 5
    assert order.payment_status == "partially_refunded"


async def test_bad_bodies_are_400_and_keys_need_the_scope(
    client: httpx.AsyncClient, auth_headers, till_key: str
) -> None:
    headers = {"X-API-Key": till_key}
    for body in ({}, {"type": "sale"}, {"type": "nope", "event_id": "x"}, sale("e", "s", [])):
        response = await client.post(EVENTS, json=body, headers=headers)
        assert response.status_code == 400, body
        assert set(response.json()["error"]) == {"code", "message", "details"}
    broken = await client.post(
        EVENTS, content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    huge = await client.post(
        EVENTS, content=b"x" * (1024 * 1024), headers={**headers, "Content-Type": "application/json"}
    )
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"

    admin = await auth_headers("admin")
    account = await client.post(
        "/api/v1/integrations/service-accounts", json={"name": "payer", "integration": "x"}, headers=admin
    )
    key = await client.post(
        f"/api/v1/integrations/service-accounts/{account.json()['id']}/keys",
        json={"scopes": ["payments.write"]},
        headers=admin,
    )
    refused = await client.post(
        EVENTS, json=sale("e", "s", [("A", 1, "1.00")]), headers={"X-API-Key": key.json()["key"]}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "scope_denied"
    assert (await client.post(EVENTS, json=sale("e", "s", [("A", 1, "1.00")]))).status_code == 401


async def test_the_schema_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    operation = schema["paths"][EVENTS]["post"]
    assert "requestBody" in operation
    components = schema["components"]["schemas"]
    assert {"SaleEvent", "PaymentEvent", "RefundEvent", "SaleLineIn", "RefundLineIn"} <= set(components)
