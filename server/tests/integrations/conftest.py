"""POS fixtures: a shop with stocked products, a generic till's API key, Shopify's secret, and a
way to wait until the inbox has handled what was sent. The app runs its jobs (the inbox's handling)
itself on either backend: in-process, or consuming the Redis queue like a worker."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.integrations.inbox.service import HANDLE_JOB
from fllc_server.models import InboxMessage, InventoryMovement, Job, Location, Order, Product
from fllc_server.stock.service import StockService
from sqlalchemy import func, select

SHOPIFY_SECRET = "shpss_test_" + "k" * 32
PATIENCE = 30.0  # seconds the inbox may take to settle


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "jobs_in_process": True,
            "jobs_scheduler": True,
            "jobs_tick_seconds": 0.5,
            "pos_reconcile_minutes": 0,
        }
    )  # reconciliation only where a test asks for it


@pytest.fixture
async def shop(app: FastAPI) -> int:
    async with app.state.fllc.db.transaction() as session:
        location = Location(code="SHOP", name="Shop floor")
        session.add(location)
        await session.flush()
        return int(location.id)


@pytest.fixture
def product(app: FastAPI, shop: int) -> Callable[..., Awaitable[int]]:
    async def make(sku: str, *, stock: int = 0, price: str = "5.00") -> int:
        state = app.state.fllc
        async with state.db.transaction() as session:
            row = Product(sku=sku, name=f"Item {sku}", price=Decimal(price))
            session.add(row)
            await session.flush()
            if stock:
                await StockService(session, state, actor_id=None).move(row.id, shop, stock, "intake")
            return int(row.id)

    return make


@pytest.fixture
async def till_key(client: httpx.AsyncClient, auth_headers) -> str:
    admin = await auth_headers("admin")
    made = await client.post(
        "/api/v1/integrations/service-accounts",
        json={"name": "till", "integration": "generic"},
        headers=admin,
    )
    key = await client.post(
        f"/api/v1/integrations/service-accounts/{made.json()['id']}/keys",
        json={"scopes": ["pos.write"]},
        headers=admin,
    )
    return str(key.json()["key"])


@pytest.fixture
async def shopify_on(client: httpx.AsyncClient, auth_headers) -> str:
    admin = await auth_headers("admin")
    response = await client.patch(
        "/api/v1/integrations/providers/shopify",
        json={"enabled": True, "secrets": {"webhook_secret": SHOPIFY_SECRET}},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return SHOPIFY_SECRET


def shopify_headers(body: bytes, topic: str, webhook_id: str, secret: str = SHOPIFY_SECRET) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "Content-Type": "application/json",
    }


class Pos:
    """Sends deliveries and reads back what became of them."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    async def shopify(self, topic: str, payload: dict[str, Any], webhook_id: str) -> httpx.Response:
        body = json.dumps(payload).encode()
        return await self.client.post(
            "/api/v1/integrations/pos/shopify/webhook",
            content=body,
            headers=shopify_headers(body, topic, webhook_id),
        )

    async def drained(self, patience: float = PATIENCE) -> None:
        """Wait until every message sent so far is handled (or kept with its reason) and its job
        is done."""
        deadline = time.monotonic() + patience
        while not await self._settled():
            assert time.monotonic() < deadline, "the inbox did not settle"
            await asyncio.sleep(0.02)

    async def _settled(self) -> bool:
        async with self.app.state.fllc.db.sessions() as session:
            received = await session.scalar(
                select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "received")
            )
            jobs = await session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.kind == HANDLE_JOB, Job.status.in_(("queued", "running")))
            )
        return not received and not jobs

    async def on_hand(self, product_id: int) -> int:
        async with self.app.state.fllc.db.sessions() as session:
            value = await session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id))
        return int(value or 0)

    async def orders(self, source: str) -> list[Order]:
        async with self.app.state.fllc.db.sessions() as session:
            return list(await session.scalars(select(Order).where(Order.source == source).order_by(Order.id)))

    async def movements(self, order_id: int) -> list[tuple[int, int, str]]:
        async with self.app.state.fllc.db.sessions() as session:
            rows = await session.execute(
                select(InventoryMovement.product_id, InventoryMovement.delta, InventoryMovement.reason)
                .where(InventoryMovement.order_id == order_id)
                .order_by(InventoryMovement.id)
            )
            return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    async def inbox(self, source: str) -> list[InboxMessage]:
        async with self.app.state.fllc.db.sessions() as session:
            return list(
                await session.scalars(
                    select(InboxMessage).where(InboxMessage.source == source).order_by(InboxMessage.id)
                )
            )

    async def inbox_count(self) -> int:
        async with self.app.state.fllc.db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(InboxMessage)) or 0)


@pytest.fixture
def pos(app: FastAPI, client: httpx.AsyncClient) -> Pos:
    return Pos(app, client)
