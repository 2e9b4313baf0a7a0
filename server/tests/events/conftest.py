"""Live-event fixtures: the test's app served by a real uvicorn on a free port, a seeded warehouse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fllc_server.models import Location, Product
from fllc_server.testing import free_port


@dataclass(frozen=True)
class Warehouse:
    main: int
    widget: int


@pytest.fixture
async def warehouse(app: FastAPI) -> Warehouse:
    async with app.state.fllc.db.transaction() as session:
        main = Location(code="MAIN", name="Main floor")
        widget = Product(sku="WID-1", name="Widget")
        session.add_all([main, widget])
        await session.flush()
        return Warehouse(main=main.id, widget=widget.id)


@pytest.fixture
async def ws_url(app: FastAPI) -> AsyncIterator[str]:
    """ws://.../api/v1/events of the test's own app (its lifespan is already running)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}/api/v1/events"
    server.should_exit = True
    await serving


async def next_message(ws: Any, **expected: Any) -> dict[str, Any]:
    """The next message that is not a ping and whose `data` has the `expected` values (other
    test runs that share the Redis server publish on the same channel). Fails after 10 s."""
    async with asyncio.timeout(10.0):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            data = message.get("data") or {}
            if message["type"] != "ping" and all(data.get(k) == v for k, v in expected.items()):
                return message


@pytest.fixture
def receive():
    return next_message
