"""Entities as sync pull sends them: the same wire shape as the REST read of that entity.

Each domain declares the loaders of its entities (catalog/shapes.py, purchasing/shapes.py) and
app.py puts them into the app's `EntityShapes` (`AppState.shapes`); importing a module registers
nothing. A loader gets ids and returns the live entities by id (a deleted or missing id is left out
and goes to the client as a tombstone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from fllc_server.state import AppState

Wire = dict[str, Any]
ShapeLoader = Callable[[AsyncSession, "AppState", list[int]], Awaitable[dict[int, Wire]]]


class EntityShapes:
    """The entity types one app's sync pull carries, each with its loader."""

    def __init__(self, loaders: Mapping[str, ShapeLoader] | None = None) -> None:
        self._loaders: dict[str, ShapeLoader] = dict(loaders or {})

    def register(self, entity_type: str, loader: ShapeLoader) -> None:
        """Add (or replace) the loader of `entity_type`."""
        self._loaders[entity_type] = loader

    def entity_types(self) -> list[str]:
        """Every entity type a pull can carry."""
        return sorted(self._loaders)

    async def load(
        self, session: AsyncSession, state: AppState, entity_type: str, ids: list[int]
    ) -> dict[int, Wire]:
        loader = self._loaders.get(entity_type)
        return await loader(session, state, ids) if loader is not None and ids else {}


def versioned(model: Any, schema: type[BaseModel]) -> ShapeLoader:
    """Loader for a soft-deleted table: live rows in `schema`'s JSON shape."""

    async def load(session: AsyncSession, _state: AppState, ids: list[int]) -> dict[int, Wire]:
        rows = await session.scalars(select(model).where(model.id.in_(ids), model.deleted_at.is_(None)))
        return {row.id: schema.model_validate(row).model_dump(mode="json") for row in rows}

    return load
