"""A stopping server (kit.shutdown.Drain, started by SIGTERM under uvicorn): /readyz answers 503 at
once and live WebSockets are closed with 1001 "going away" once the drain time is over; requests
are still served meanwhile. The SIGTERM path itself runs in test_rolling_update.py."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def _until_closed(ws) -> None:
    while True:
        await ws.recv()  # pings, if any


async def test_draining_says_not_ready_then_sends_websockets_away(app, client, ws_url, auth_headers) -> None:
    headers = await auth_headers("viewer")
    assert (await client.get("/readyz")).status_code == 200
    drain = app.state.fllc.drain
    drain.seconds = 0.3
    async with connect(ws_url, additional_headers=headers) as ws:
        await ws.recv()  # hello
        began = asyncio.create_task(drain.begin())
        await asyncio.sleep(0)
        answer = await client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "draining"
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200  # still serving
        with pytest.raises(ConnectionClosed) as closed:
            await _until_closed(ws)
        await began
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1001, "going away")
