"""Sales fixtures: products with stock, customers with addresses, orders and reviews in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.models import Address, Customer, Location, Product, Review
from fllc_server.stock.service import StockService

Seed = Callable[..., Awaitable[int]]


async def _insert(app: FastAPI, row: Any) -> int:
    async with app.state.fllc.db.transaction() as session:
        session.add(row)
        await session.flush()
        return int(row.id)


@pytest.fixture
async def shop(app: FastAPI) -> int:
    """The one stock location (the default for sales)."""
    return await _insert(app, Location(code="SHOP", name="Shop floor"))


@pytest.fixture
def make_product(app: FastAPI, shop: int) -> Seed:
    """A product priced `price`, with `stock` units booked in at the shop through the stock service."""
    counter = iter(range(1, 10_000))

    async def make(*, price: str = "4.00", stock: int = 0, deleted: bool = False) -> int:
        number = next(counter)
        product = Product(sku=f"SALE-{number:04d}", name=f"Gadget {number}", price=Decimal(price))
        if deleted:
            product.deleted_at = dt.datetime.now(dt.UTC)
        product_id = await _insert(app, product)
        if stock:
            state = app.state.fllc
            async with state.db.transaction() as session:
                await StockService(session, state, actor_id=None).move(product_id, shop, stock, "intake")
        return product_id

    return make


@pytest.fixture
def make_customer(app: FastAPI) -> Seed:
    async def make(name: str, email: str | None = None, *, cities: tuple[str, ...] = ()) -> int:
        customer_id = await _insert(app, Customer(name=name, email=email))
        for city in cities:
            await _insert(
                app, Address(customer_id=customer_id, line1="1 Main St", city=city, postal_code="10001")
            )
        return customer_id

    return make


@pytest.fixture
def make_review(app: FastAPI) -> Seed:
    async def make(product_id: int, rating: int, customer_id: int | None = None, title: str = "") -> int:
        return await _insert(
            app, Review(product_id=product_id, rating=rating, customer_id=customer_id, title=title)
        )

    return make
