"""Fan-out across server processes: an intake through server A reaches a WebSocket on server B.

`two_servers` (tests/conftest.py): two uvicorn processes on the same MariaDB and Redis."""

from __future__ import annotations

import httpx
from websockets.asyncio.client import connect


async def test_an_intake_on_server_a_reaches_a_websocket_on_server_b(
    two_servers, make_user, warehouse, receive
) -> None:
    server_a, server_b = two_servers
    user = await make_user("staff")
    async with httpx.AsyncClient(base_url=server_a) as a:
        login = await a.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        ws_b = server_b.replace("http://", "ws://") + "/api/v1/events"

        async with connect(ws_b, additional_headers=headers) as ws:
            hello = await receive(ws)
            intake = await a.post(
                "/api/v1/stock/intake", json={"product_id": warehouse.widget, "quantity": 3}, headers=headers
            )
            event = await receive(ws, product_id=warehouse.widget, quantity_on_hand=3)

    assert hello["type"] == "hello"
    assert intake.status_code == 201, intake.text
    assert event["type"] == "stock.changed"
    assert event["seq"] > hello["seq"]
    assert event["data"]["product_id"] == warehouse.widget
    assert event["data"]["quantity_on_hand"] == 3
