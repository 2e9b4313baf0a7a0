"""Purchasing fixtures: suppliers, locations and products written straight to the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.models import Location, Product, Supplier

Seed = Callable[..., Awaitable[int]]


async def _insert(app: FastAPI, row: Any) -> int:
    async with app.state.fllc.db.transaction() as session:
        session.add(row)
        await session.flush()
        return int(row.id)


@pytest.fixture
def make_supplier(app: FastAPI) -> Seed:
    counter = iter(range(1, 10_000))

    async def make(name: str | None = None) -> int:
        return await _insert(app, Supplier(name=name or f"Supplier {next(counter)}"))

    return make


@pytest.fixture
def make_location(app: FastAPI) -> Seed:
    counter = iter(range(1, 10_000))

    async def make(code: str | None = None) -> int:
        code = code or f"BIN-{next(counter)}"
        return await _insert(app, Location(code=code, name=code))

    return make


@pytest.fixture
def make_product(app: FastAPI) -> Seed:
    counter = iter(range(1, 10_000))

    async def make(
        *,
        supplier_id: int | None = None,
        unit_cost: str = "2.50",
        reorder_point: int = 0,
        reorder_quantity: int = 0,
        quantity_on_hand: int = 0,
        sku: str | None = None,
        deleted: bool = False,
    ) -> int:
        number = next(counter)
        product = Product(
            sku=sku or f"SKU-{number:04d}",
            name=f"Widget {number}",
            supplier_id=supplier_id,
            unit_cost=Decimal(unit_cost),
            reorder_point=reorder_point,
            reorder_quantity=reorder_quantity,
            quantity_on_hand=quantity_on_hand,
        )
        if deleted:
            from fllc_server.models import utcnow

            product.deleted_at = utcnow()
        return await _insert(app, product)

    return make
