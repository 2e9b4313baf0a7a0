"""Reports read from FLLC_DATABASE_REPLICA_URL when it is set: pointed at a second database whose
contents differ from the primary's, the report shows the second database's stock."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from asgi_lifespan import LifespanManager
from fllc_server.app import create_app
from fllc_server.config import Settings
from fllc_server.infra.storage import read_all
from fllc_server.kit.db import Database
from fllc_server.migrations import upgrade
from fllc_server.models import Location, Product, StockLevel
from fllc_server.reports.schemas import StockValuationRequest
from fllc_server.reports.service import generate

from .conftest import make_golden


async def _stock(database: Database, sku: str, quantity: int) -> None:
    async with database.transaction() as session:
        location = Location(code=f"L-{sku}", name="somewhere")
        product = Product(
            sku=sku, name=f"only in {sku}", unit_cost=Decimal("2.00"), quantity_on_hand=quantity
        )
        session.add_all([location, product])
        await session.flush()
        session.add(StockLevel(product_id=product.id, location_id=location.id, quantity=quantity))


async def test_reports_read_the_replica(settings: Settings, scratch_url: str) -> None:
    await asyncio.to_thread(upgrade, scratch_url)
    replica = Database(scratch_url)
    try:
        await _stock(replica, "REPLICA-1", 7)
    finally:
        await replica.dispose()
    application = create_app(settings.model_copy(update={"database_replica_url": scratch_url}), migrate=False)
    async with LifespanManager(application):
        state = application.state.fllc
        await make_golden(state)  # the primary: the golden data set, no REPLICA-1
        request = StockValuationRequest.model_validate(
            {"kind": "stock_valuation", "format": "csv", "params": {"group_by": "product"}}
        )
        made = await generate(state, request, requested_by="admin")
        lines = (await read_all(await state.storage.open(made.key))).decode("utf-8-sig").splitlines()
    assert lines[1:] == ["REPLICA-1,only in REPLICA-1,(none),(none),7,2.00,14.00"]


async def test_without_a_replica_reports_read_the_primary(settings: Settings) -> None:
    application = create_app(settings, migrate=False)
    async with LifespanManager(application):
        state = application.state.fllc
        await make_golden(state)
        request = StockValuationRequest.model_validate(
            {"kind": "stock_valuation", "format": "csv", "params": {"group_by": "product"}}
        )
        made = await generate(state, request, requested_by="admin")
        lines = (await read_all(await state.storage.open(made.key))).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["BRU-1", "HAM-1", "PNT-1", "SAW-1"]
