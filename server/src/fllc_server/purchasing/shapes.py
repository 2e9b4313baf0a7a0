"""Purchase orders as sync pull sends them (app.py registers them with the app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import PurchaseOrder
from fllc_server.purchasing.service import PurchaseOrderService
from fllc_server.sync.shapes import ShapeLoader, Wire

if TYPE_CHECKING:
    from fllc_server.state import AppState


async def _purchase_orders(session: AsyncSession, state: AppState, ids: list[int]) -> dict[int, Wire]:
    orders = await session.scalars(select(PurchaseOrder).where(PurchaseOrder.id.in_(ids)))
    service = PurchaseOrderService(session, state)
    views = await service.with_edi([await service.view(order) for order in orders])  # + EDI, cartons
    return {view.id: view.model_dump(mode="json") for view in views}


PURCHASING_SHAPES: dict[str, ShapeLoader] = {"purchase_order": _purchase_orders}
