"""Sync test fixtures: a seeded warehouse and an op builder."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.models import InventoryMovement, Location, Product, StockLevel
from sqlalchemy import func, select


@dataclass(frozen=True)
class Warehouse:
    main: int
    back: int
    widget: int
    gadget: int


@pytest.fixture
async def warehouse(app: FastAPI) -> Warehouse:
    async with app.state.fllc.db.transaction() as session:
        main = Location(code="MAIN", name="Main floor")
        back = Location(code="BACK", name="Back room")
        widget = Product(sku="WID-1", name="Widget")
        gadget = Product(sku="GAD-1", name="Gadget")
        session.add_all([main, back, widget, gadget])
        await session.flush()
        return Warehouse(main=main.id, back=back.id, widget=widget.id, gadget=gadget.id)


class Ops:
    """Builds ops as a device's outbox would."""

    @staticmethod
    def make(kind: str, payload: dict[str, Any], *, op_id: str | None = None, **extra: Any) -> dict[str, Any]:
        return {
            "op_id": op_id or str(uuid.uuid4()),
            "kind": kind,
            "payload": payload,
            "created_at": "2030-05-01T08:00:00Z",
            **extra,
        }

    def intake(self, product_id: int, quantity: int, **extra: Any) -> dict[str, Any]:
        return self.make("stock.intake", {"product_id": product_id, "quantity": quantity}, **extra)


@pytest.fixture
def ops() -> Ops:
    return Ops()


@pytest.fixture
def push(client):
    async def do(headers: dict[str, str], *ops: dict[str, Any], device_id: str = "tablet-1"):
        return await client.post(
            "/api/v1/sync/push", json={"device_id": device_id, "ops": list(ops)}, headers=headers
        )

    return do


@pytest.fixture
def on_hand(client):
    async def read(headers: dict[str, str], product_id: int) -> int:
        response = await client.get(f"/api/v1/stock/levels?product_id={product_id}", headers=headers)
        assert response.status_code == 200, response.text
        return int(response.json()["quantity_on_hand"])

    return read


@pytest.fixture
def assert_stock_invariant(app: FastAPI):
    """quantity_on_hand == sum(stock_levels) == sum(inventory_log.delta) for every product."""

    async def check() -> None:
        async with app.state.fllc.db.sessions() as session:
            on_hand = dict((await session.execute(select(Product.id, Product.quantity_on_hand))).all())
            levels = dict(
                (
                    await session.execute(
                        select(StockLevel.product_id, func.sum(StockLevel.quantity)).group_by(
                            StockLevel.product_id
                        )
                    )
                ).all()
            )
            logged = dict(
                (
                    await session.execute(
                        select(InventoryMovement.product_id, func.sum(InventoryMovement.delta)).group_by(
                            InventoryMovement.product_id
                        )
                    )
                ).all()
            )
        for product_id, quantity in on_hand.items():
            assert int(levels.get(product_id, 0)) == quantity, f"levels of product {product_id}"
            assert int(logged.get(product_id, 0)) == quantity, f"movements of product {product_id}"

    return check
