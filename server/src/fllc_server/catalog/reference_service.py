"""Categories, suppliers and locations: the lists products refer to.

One shape for the three: list/get/create/update (against `version`)/soft delete, each write audited
and recorded as a change. Deleting one that is still in use is a 409 that says what uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.catalog.repository import CatalogUsage, Entity, EntityRepository
from fllc_server.catalog.schemas import CategoryOut, LocationOut, PatchSchema, SupplierOut
from fllc_server.catalog.writes import Actor, check_version, mark_deleted, not_found, record_write
from fllc_server.kit.errors import BadRequest, Conflict
from fllc_server.models import Category, Location, Supplier

if TYPE_CHECKING:
    from fllc_server.state import AppState

MAX_CATEGORY_DEPTH = 32


class ReferenceService(Generic[Entity]):
    entity_type: ClassVar[str]
    model: type[Entity]
    out: ClassVar[type[BaseModel]]

    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.repo: EntityRepository[Entity] = EntityRepository(session, self.model)
        self.usage = CatalogUsage(session)

    def snapshot(self, entity: Entity) -> dict[str, Any]:
        return self.out.model_validate(entity).model_dump(mode="json")

    def order(self) -> Any:
        return self.model.name

    async def list(self, *, offset: int, limit: int, q: str | None) -> tuple[Sequence[Entity], int]:
        return await self.repo.page(offset=offset, limit=limit, q=q, order=self.order())

    async def get(self, entity_id: int) -> Entity:
        entity = await self.repo.get(entity_id)
        if entity is None:
            raise not_found(self.entity_type, entity_id)
        return entity

    async def create(self, data: BaseModel, actor: Actor | None) -> Entity:
        values = data.model_dump()
        await self.validate(None, values)
        entity = await self.repo.add(self.model(**values))
        await self._record(actor, entity, "create", after=self.snapshot(entity))
        return entity

    async def update(
        self, entity_id: int, data: PatchSchema, actor: Actor | None, base_version: int | None = None
    ) -> Entity:
        entity = await self._get_for_update(entity_id)
        before = self.snapshot(entity)
        check_version(entity, base_version or data.version, self.entity_type, before)
        changes = data.changes()
        await self.validate(entity, changes)
        for field, value in changes.items():
            setattr(entity, field, value)
        entity.version += 1
        await self.session.flush()
        await self._record(actor, entity, "update", before=before, after=self.snapshot(entity))
        return entity

    async def delete(self, entity_id: int, actor: Actor | None, base_version: int | None = None) -> Entity:
        entity = await self._get_for_update(entity_id)
        before = self.snapshot(entity)
        check_version(entity, base_version, self.entity_type, before)
        await self.ensure_unused(entity)
        mark_deleted(entity)
        await self.session.flush()
        await self._record(actor, entity, "delete", before=before)
        return entity

    async def validate(self, entity: Entity | None, values: dict[str, Any]) -> None:
        """Rules on the values being written (`entity` is None on create)."""

    async def ensure_unused(self, entity: Entity) -> None:
        """Raise a Conflict when something active still refers to `entity`."""

    async def _get_for_update(self, entity_id: int) -> Entity:
        entity = await self.repo.get(entity_id, for_update=True)
        if entity is None:
            raise not_found(self.entity_type, entity_id)
        return entity

    async def _record(self, actor: Actor | None, entity: Entity, action: str, **images: Any) -> None:
        await record_write(
            self.session,
            self.state,
            actor=actor,
            entity_type=self.entity_type,
            entity_id=entity.id,
            action=action,
            **images,
        )


class CategoryService(ReferenceService[Category]):
    entity_type = "category"
    model = Category
    out = CategoryOut

    async def validate(self, entity: Category | None, values: dict[str, Any]) -> None:
        parent_id = values.get("parent_id")
        if parent_id is None:
            return
        if entity is not None and await self._is_self_or_descendant(parent_id, entity.id):
            raise BadRequest(
                "A category cannot be inside itself or one of its own subcategories",
                code="category_cycle",
                details=[{"field": "parent_id", "message": "would make a cycle"}],
            )
        if await self.repo.get(parent_id) is None:
            raise not_found("category", parent_id)

    async def _is_self_or_descendant(self, candidate_id: int, category_id: int) -> bool:
        current: int | None = candidate_id
        for _ in range(MAX_CATEGORY_DEPTH):
            if current is None:
                return False
            if current == category_id:
                return True
            parent = await self.repo.get(current, with_deleted=True)
            current = parent.parent_id if parent else None
        return True

    async def ensure_unused(self, entity: Category) -> None:
        if await self.usage.category_in_use(entity.id):
            raise Conflict(
                "Products or subcategories are still in this category: move them first",
                code="category_in_use",
            )


class SupplierService(ReferenceService[Supplier]):
    entity_type = "supplier"
    model = Supplier
    out = SupplierOut

    async def ensure_unused(self, entity: Supplier) -> None:
        if await self.usage.supplier_in_use(entity.id):
            raise Conflict(
                "Products are still supplied by this supplier: change their supplier first",
                code="supplier_in_use",
            )

    async def validate(self, entity: Supplier | None, values: dict[str, Any]) -> None:
        if values.get("email") is not None:
            values["email"] = str(values["email"])


class LocationService(ReferenceService[Location]):
    entity_type = "location"
    model = Location
    out = LocationOut

    def order(self) -> Any:
        return Location.code

    async def validate(self, entity: Location | None, values: dict[str, Any]) -> None:
        code = values.get("code")
        if code is None:
            return
        holder = await self.usage.location_code_owner(code)
        if holder is not None and (entity is None or holder.id != entity.id):
            deleted = " (a deleted location)" if holder.deleted_at is not None else ""
            raise Conflict(
                f"The location code {code} is already used by location {holder.id}{deleted}",
                code="location_code_taken",
                details=[{"field": "code", "message": "already used", "location_id": holder.id}],
            )

    async def ensure_unused(self, entity: Location) -> None:
        if await self.usage.location_in_use(entity.id):
            raise Conflict(
                "This location still holds stock: move or adjust it to zero first",
                code="location_in_use",
            )
