"""order.allocated over the WebSocket: when arriving stock is allocated to a back-ordered order
(sales.backorders), those who read orders (reports.generate) and those who pick them (stock.intake)
hear it; a viewer hears the stock change but no order event (both backends; jobs run in the app)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fllc_server.config import Settings
from websockets.asyncio.client import connect


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"jobs_in_process": True})


async def test_order_allocated_reaches_who_reads_or_picks_orders_only(
    client, ws_url, make_user, login, warehouse, receive
) -> None:
    users = {role: await make_user(role) for role in ("manager", "staff", "viewer")}
    headers = {
        role: {"Authorization": f"Bearer {(await login(str(user['username'])))['access_token']}"}
        for role, user in users.items()
    }
    placed = await client.post(
        "/api/v1/orders",
        json={
            "channel": "order",
            "allow_backorder": True,
            "items": [{"product_id": warehouse.widget, "quantity": 2}],
        },
        headers=headers["manager"],
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["backordered_quantity"] == 2
    async with (
        connect(ws_url, additional_headers=headers["manager"]) as manager,
        connect(ws_url, additional_headers=headers["staff"]) as staff,
        connect(ws_url, additional_headers=headers["viewer"]) as viewer,
    ):
        for ws in (manager, staff, viewer):
            assert (await receive(ws))["type"] == "hello"
        intake = await client.post(
            "/api/v1/stock/intake",
            json={"product_id": warehouse.widget, "quantity": 2, "location_id": warehouse.main},
            headers=headers["staff"],
        )
        assert intake.status_code == 201, intake.text
        for ws in (manager, staff):
            event = await receive(ws, id=order["id"], number=order["number"])
            assert event["type"] == "order.allocated"
            assert event["entity_type"] == "order"
            assert event["seq"] is None
            assert event["data"]["allocated"] == 2
            assert event["data"]["backordered_quantity"] == 0
            assert event["data"]["pickable"] is True

        # the viewer hears the stock change and, by the time the others heard the order, no order event
        heard: list[dict[str, Any]] = []
        async with asyncio.timeout(10.0):
            while not any(m["type"] == "stock.changed" for m in heard):
                heard.append(json.loads(await viewer.recv()))
        while True:
            try:
                async with asyncio.timeout(0.5):
                    heard.append(json.loads(await viewer.recv()))
            except TimeoutError:
                break
        assert not [m for m in heard if str(m["type"]).startswith("order.")], heard
