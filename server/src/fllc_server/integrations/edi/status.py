"""Purchase orders' EDI status for lists (the purchase-orders screen shows it per order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.edi.matching import OrderLine, match
from fllc_server.integrations.edi.repository import EdiRepository


async def edi_statuses(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """{order id: {edi_status, edi_match, cartons}} for the orders exchanged by EDI: what the
    purchase-order views (REST and sync pull) carry, so a tablet has the ASN's cartons offline."""
    repo = EdiRepository(session)
    out: dict[int, dict[str, Any]] = {}
    for order_id, edi in (await repo.edi_orders(order_ids)).items():
        result = None
        if edi.invoice is not None:
            rows = await repo.lines(order_id)
            lines = [
                OrderLine(n, line.id, sku, line.ordered_quantity, line.received_quantity, line.unit_cost)
                for n, (line, sku) in enumerate(rows, start=1)
            ]
            result = str(match(lines, edi.invoice)["result"])
        cartons = [
            {
                "sscc": carton.sscc,
                "shipment_id": carton.shipment_id,
                "contents": list(carton.contents),
                "received_at": None if carton.received_at is None else carton.received_at.isoformat(),
            }
            for carton in await repo.cartons(order_id)
        ]
        out[order_id] = {"edi_status": edi.status, "edi_match": result, "cartons": cartons}
    return out
