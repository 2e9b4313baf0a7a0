"""Picking by scan: the pick list, picks and short picks per line, packing only when every line is
done, shipping only what was picked; the same commands as synced ops, applied exactly once."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from fastapi import FastAPI
from fllc_server.models import Product
from sqlalchemy import select

ORDERS = "/api/v1/orders"


async def _on_hand(app: FastAPI, product_id: int) -> int:
    async with app.state.fllc.db.sessions() as session:
        value = await session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id))
        return int(value or 0)


async def _reserved(client: httpx.AsyncClient, headers: dict[str, str], product_id: int) -> int:
    response = await client.get("/api/v1/availability", params={"product_id": product_id}, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()[0]["reserved"])


async def _order(client: httpx.AsyncClient, headers: dict[str, str], lines: list[tuple[int, int]]) -> dict:
    items = [{"product_id": p, "quantity": q} for p, q in lines]
    made = await client.post(ORDERS, json={"channel": "order", "items": items}, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


async def _pay(client: httpx.AsyncClient, headers: dict[str, str], order_id: int) -> None:
    paid = await client.post(f"{ORDERS}/{order_id}/status", json={"status": "paid"}, headers=headers)
    assert paid.status_code == 200, paid.text


def _op(kind: str, payload: dict) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "kind": kind,
        "payload": payload,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }


async def test_pick_short_pack_and_ship_take_out_only_what_was_picked(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager, staff = await auth_headers("manager"), await auth_headers("staff")
    mug, pen = await make_product(stock=10), await make_product(stock=5)
    order = await _order(client, manager, [(mug, 3), (pen, 2)])
    mug_line, pen_line = (item["id"] for item in order["items"])
    await _pay(client, manager, order["id"])

    listed = await client.get("/api/v1/picking", headers=staff)
    assert listed.status_code == 200, listed.text
    [on_list] = [o for o in listed.json() if o["id"] == order["id"]]
    assert on_list["status"] == "paid"
    assert [(line["sku"], line["quantity"], line["picked_quantity"]) for line in on_list["lines"]] == [
        (order["items"][0]["sku"], 3, 0),
        (order["items"][1]["sku"], 2, 0),
    ]
    assert "total" not in on_list
    assert "customer_id" not in on_list

    pick = f"{ORDERS}/{order['id']}/pick"
    first = await client.post(pick, json={"item_id": mug_line}, headers=staff)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "picking"
    too_early = await client.post(
        f"{ORDERS}/{order['id']}/fulfilment", json={"status": "packed"}, headers=staff
    )
    assert too_early.status_code == 409
    assert too_early.json()["error"]["code"] == "pick_incomplete"

    assert (
        await client.post(pick, json={"item_id": mug_line, "quantity": 2}, headers=staff)
    ).status_code == 200
    over = await client.post(pick, json={"item_id": mug_line}, headers=staff)
    assert over.status_code == 409
    assert over.json()["error"]["code"] == "over_pick"
    assert over.json()["error"]["details"] == [{"item_id": mug_line, "left": 0, "requested": 1}]

    await client.post(pick, json={"item_id": pen_line}, headers=staff)
    short = await client.post(
        pick, json={"item_id": pen_line, "short_reason": "  shelf empty  "}, headers=staff
    )
    assert short.status_code == 200, short.text
    pen_view = short.json()["lines"][1]
    assert (pen_view["picked_quantity"], pen_view["short_quantity"], pen_view["short_reason"]) == (
        1,
        1,
        "shelf empty",
    )
    assert await _reserved(client, staff, pen) == 1  # the short unit is no longer held

    for status in ("packed", "shipped"):
        moved = await client.post(
            f"{ORDERS}/{order['id']}/fulfilment", json={"status": status}, headers=staff
        )
        assert moved.status_code == 200, moved.text
    assert (await _on_hand(app, mug), await _on_hand(app, pen)) == (7, 4)
    assert (await _reserved(client, staff, mug), await _reserved(client, staff, pen)) == (0, 0)

    detail = (await client.get(f"{ORDERS}/{order['id']}", headers=manager)).json()
    assert [(i["picked_quantity"], i["short_quantity"]) for i in detail["items"]] == [(3, 0), (1, 1)]
    history = (await client.get(f"{ORDERS}/{order['id']}/history", headers=manager)).json()
    assert [h["to_status"] for h in history] == ["placed", "paid", "picking", "packed", "shipped"]
    assert history[2]["note"] == "picking by scan"
    listed_after = (await client.get("/api/v1/picking", headers=staff)).json()
    assert order["id"] not in [o["id"] for o in listed_after]


async def test_synced_pick_ops_apply_exactly_once(
    app: FastAPI, client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager, staff = await auth_headers("manager"), await auth_headers("staff")
    mug = await make_product(stock=4)
    order = await _order(client, manager, [(mug, 2)])
    line = order["items"][0]["id"]
    ops = [
        _op("order.pick", {"order_id": order["id"], "item_id": line}),
        _op("order.pick", {"order_id": order["id"], "item_id": line}),
        _op("order.fulfil", {"order_id": order["id"], "status": "packed"}),
        _op("order.fulfil", {"order_id": order["id"], "status": "shipped"}),
    ]
    body = {"device_id": "tablet-pick", "ops": ops}
    pushed = await client.post("/api/v1/sync/push", json=body, headers=staff)
    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * 4
    assert await _on_hand(app, mug) == 2

    replayed = await client.post("/api/v1/sync/push", json=body, headers=staff)
    assert [r["status"] for r in replayed.json()["results"]] == ["duplicate"] * 4
    assert replayed.json()["results"][1]["result"] == pushed.json()["results"][1]["result"]
    assert await _on_hand(app, mug) == 2
    detail = (await client.get(f"{ORDERS}/{order['id']}", headers=manager)).json()
    assert (detail["status"], detail["items"][0]["picked_quantity"]) == ("shipped", 2)

    late = await client.post(
        "/api/v1/sync/push",
        json={
            "device_id": "tablet-pick",
            "ops": [_op("order.pick", {"order_id": order["id"], "item_id": line})],
        },
        headers=staff,
    )
    [refused] = late.json()["results"]
    assert (refused["status"], refused["error"]["code"]) == ("rejected", "not_pickable")


async def test_who_may_pick_and_what_is_refused(
    client: httpx.AsyncClient, auth_headers, make_product
) -> None:
    manager, viewer = await auth_headers("manager"), await auth_headers("viewer")
    mug = await make_product(stock=3)
    order = await _order(client, manager, [(mug, 1)])
    counter = await client.post(ORDERS, json={"items": [{"product_id": mug, "quantity": 1}]}, headers=manager)
    pick = f"{ORDERS}/{order['id']}/pick"
    line = order["items"][0]["id"]

    assert (await client.get("/api/v1/picking", headers=viewer)).status_code == 403
    assert (await client.post(pick, json={"item_id": line}, headers=viewer)).status_code == 403
    listed = (await client.get("/api/v1/picking", headers=manager)).json()
    assert order["id"] not in [o["id"] for o in listed]  # placed: not paid yet, not on the list

    for bad in ({"item_id": line, "quantity": 0}, {"item_id": line, "extra": 1}, {"item_id": "x"}, {}):
        refused = await client.post(pick, json=bad, headers=manager)
        assert refused.status_code == 400, (bad, refused.text)
        assert set(refused.json()["error"]) >= {"code", "message"}
    blank = await client.post(pick, json={"item_id": line, "short_reason": "   "}, headers=manager)
    assert blank.status_code == 400
    other = await client.post(pick, json={"item_id": line + 10_000}, headers=manager)
    assert (other.status_code, other.json()["error"]["code"]) == (404, "order_item_not_found")
    missing = await client.post(f"{ORDERS}/99999999/pick", json={"item_id": line}, headers=manager)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "order_not_found")
    sale = counter.json()
    on_counter = await client.post(
        f"{ORDERS}/{sale['id']}/pick", json={"item_id": sale["items"][0]["id"]}, headers=manager
    )
    assert (on_counter.status_code, on_counter.json()["error"]["code"]) == (409, "not_pickable")
    # a placed order can still be picked (the lifecycle allows placed -> picking)
    assert (await client.post(pick, json={"item_id": line}, headers=manager)).status_code == 200
