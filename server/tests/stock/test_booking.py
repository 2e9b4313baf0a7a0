"""The stock ledger's own rules, below the routes: it books only products it has locked, all or
nothing, and a write with nothing booked writes nothing."""

from __future__ import annotations

import pytest
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.models import InventoryMovement
from fllc_server.stock.booking import Movement, StockLedger
from sqlalchemy import func, select

MISSING = 999_999


async def test_a_product_the_ledger_did_not_lock_is_not_booked(app, warehouse) -> None:
    async with app.state.fllc.db.transaction() as session:
        ledger = StockLedger(session, app.state.fllc, actor_id=None)
        await ledger.lock([warehouse.widget, MISSING])  # no live product: nothing to lock
        assert ledger.is_locked(warehouse.widget)
        assert not ledger.is_locked(MISSING)
        with pytest.raises(NotFound) as caught:
            ledger.book(
                [
                    Movement(warehouse.widget, warehouse.main, 5, "intake"),
                    Movement(MISSING, warehouse.main, 1, "intake"),
                ]
            )
        assert caught.value.code == "product_not_found"
        with pytest.raises(Conflict) as short:
            ledger.book([Movement(warehouse.widget, warehouse.main, -1, "adjustment")])
        assert short.value.code == "insufficient_stock"  # the refused batch booked nothing
        await ledger.write()  # nothing booked: nothing written
    async with app.state.fllc.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InventoryMovement)) == 0
