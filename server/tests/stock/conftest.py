"""Stock test fixtures: a small warehouse seeded directly, and the stock invariant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fllc_server.models import InventoryMovement, Location, Product, StockLevel
from sqlalchemy import func, select


@dataclass(frozen=True)
class Warehouse:
    main: int  # location ids (main has the lower id)
    back: int
    widget: int  # product ids
    gadget: int
    widget_barcode: str = "0012345678905"  # UPC-A 012345678905, stored as 13 digits


@pytest.fixture
async def warehouse(app: FastAPI) -> Warehouse:
    async with app.state.fllc.db.transaction() as session:
        main = Location(code="MAIN", name="Main floor")
        back = Location(code="BACK", name="Back room")
        widget = Product(sku="WID-1", barcode="0012345678905", name="Widget")
        gadget = Product(sku="GAD-1", name="Gadget")
        session.add_all([main, back, widget, gadget])
        await session.flush()
        return Warehouse(main=main.id, back=back.id, widget=widget.id, gadget=gadget.id)


Invariant = Callable[[], Awaitable[None]]


@pytest.fixture
def assert_stock_invariant(app: FastAPI) -> Invariant:
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
