"""Entities as sync pull sends them: the same wire shape as the REST read of that entity.

`register_shape(entity_type, loader)` adds or replaces one; a loader gets ids and returns the
live entities by id (a deleted or missing id is left out and goes to the client as a tombstone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.catalog.schemas import CategoryOut, LocationOut, ProductOut, SupplierOut
from fllc_server.models import Category, Location, Product, PurchaseOrder, Supplier
from fllc_server.purchasing.service import PurchaseOrderService

if TYPE_CHECKING:
    from fllc_server.state import AppState

Wire = dict[str, Any]
ShapeLoader = Callable[[AsyncSession, "AppState", list[int]], Awaitable[dict[int, Wire]]]

_SHAPES: dict[str, ShapeLoader] = {}


def register_shape(entity_type: str, loader: ShapeLoader) -> None:
    _SHAPES[entity_type] = loader


async def load_shapes(
    session: AsyncSession, state: AppState, entity_type: str, ids: list[int]
) -> dict[int, Wire]:
    loader = _SHAPES.get(entity_type)
    return await loader(session, state, ids) if loader is not None and ids else {}


def _versioned(model: Any, schema: type[BaseModel]) -> ShapeLoader:
    """Loader for a soft-deleted catalog table: live rows in `schema`'s JSON shape."""

    async def load(session: AsyncSession, _state: AppState, ids: list[int]) -> dict[int, Wire]:
        rows = await session.scalars(
            select(model).where(model.id.in_(ids), model.deleted_at.is_(None))
        )
        return {row.id: schema.model_validate(row).model_dump(mode="json") for row in rows}

    return load


async def _purchase_orders(session: AsyncSession, state: AppState, ids: list[int]) -> dict[int, Wire]:
    orders = await session.scalars(select(PurchaseOrder).where(PurchaseOrder.id.in_(ids)))
    service = PurchaseOrderService(session, state)
    return {order.id: (await service.view(order)).model_dump(mode="json") for order in orders}


register_shape("product", _versioned(Product, ProductOut))
register_shape("category", _versioned(Category, CategoryOut))
register_shape("supplier", _versioned(Supplier, SupplierOut))
register_shape("location", _versioned(Location, LocationOut))
register_shape("purchase_order", _purchase_orders)
