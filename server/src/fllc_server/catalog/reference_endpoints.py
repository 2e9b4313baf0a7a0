"""/api/v1/categories, /api/v1/suppliers, /api/v1/locations — the same five routes each.

View needs products.view; create, update and delete need products.modify (DESIGN.md's matrix gives
products.delete to products only). Updates carry `version`; deletes take an optional `?version=`.
"""

# No `from __future__ import annotations` here: FastAPI must see the body classes the factory
# closes over, which postponed (string) annotations would hide.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel

from fllc_server.auth.dependencies import ProductsModify
from fllc_server.auth.entities import reads
from fllc_server.catalog.reference_service import (
    CategoryService,
    LocationService,
    ReferenceService,
    SupplierService,
)
from fllc_server.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    LocationCreate,
    LocationUpdate,
    PatchSchema,
    SupplierCreate,
    SupplierUpdate,
)
from fllc_server.kit.commands import IdempotencyKey, run_command
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId, QueryInt

EntityIdPath = PathId
BaseVersion = Annotated[QueryInt | None, Query(ge=1, le=2**31 - 1, description="Delete only this version")]
SearchText = Annotated[str | None, Query(max_length=100, description="Part of the name")]


def _json(body: BaseModel, *, exclude_unset: bool = False) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=exclude_unset)


def reference_router(
    path: str,
    service_class: type[ReferenceService[Any]],
    create_schema: type[BaseModel],
    update_schema: type[PatchSchema],
) -> APIRouter:
    """The five routes of one reference list, e.g. /api/v1/categories."""
    out = service_class.out
    kind = service_class.entity_type
    router = APIRouter(prefix=f"/api/v1/{path}", tags=["catalog"])
    errors: dict[int | str, dict[str, Any]] = {
        404: {"description": f"Unknown {kind}"},
        409: {"description": "version_conflict (details: [{current, base_version}]) or in use"},
    }

    def service(request: Request, session: Any) -> ReferenceService[Any]:
        return service_class(session, get_state(request))

    may_read = [Depends(reads(kind))]  # who may read `kind`: auth.entities, as sync and events

    @router.get("", response_model=Page[out], dependencies=may_read)  # type: ignore[valid-type]
    async def list_entities(
        *, request: Request, session: SessionDep, page: PageDep, q: SearchText = None
    ) -> Any:
        rows, total = await service(request, session).list(offset=page.offset, limit=page.per_page, q=q)
        return Page[out](data=[out.model_validate(r) for r in rows], meta=page.meta(total))  # type: ignore[valid-type]

    @router.get("/{entity_id}", response_model=out, responses=errors, dependencies=may_read)
    async def get_entity(*, entity_id: EntityIdPath, request: Request, session: SessionDep) -> Any:
        return out.model_validate(await service(request, session).get(entity_id))

    @router.post("", response_model=out, status_code=status.HTTP_201_CREATED, responses=errors)
    async def create_entity(
        *,
        body: create_schema,  # type: ignore[valid-type]
        actor: ProductsModify,
        request: Request,
        session: SessionDep,
        key: IdempotencyKey = None,
    ) -> Response:
        async def effect() -> BaseModel:
            return out.model_validate(await service(request, session).create(body, actor))

        outcome = await run_command(
            session,
            op_id=key,
            user_id=actor.id,
            kind=f"{kind}.create",
            payload=_json(body),
            effect=effect,
            status_code=201,
        )
        return outcome.response()

    @router.patch("/{entity_id}", response_model=out, responses=errors)
    async def update_entity(
        *,
        entity_id: EntityIdPath,
        body: update_schema,  # type: ignore[valid-type]
        actor: ProductsModify,
        request: Request,
        session: SessionDep,
        key: IdempotencyKey = None,
    ) -> Response:
        async def effect() -> BaseModel:
            return out.model_validate(await service(request, session).update(entity_id, body, actor))

        outcome = await run_command(
            session,
            op_id=key,
            user_id=actor.id,
            kind=f"{kind}.update",
            payload={"id": entity_id, **_json(body, exclude_unset=True)},
            effect=effect,
        )
        return outcome.response()

    @router.delete("/{entity_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors)
    async def delete_entity(
        *,
        entity_id: EntityIdPath,
        actor: ProductsModify,
        request: Request,
        session: SessionDep,
        version: BaseVersion = None,
        key: IdempotencyKey = None,
    ) -> Response:
        async def effect() -> None:
            await service(request, session).delete(entity_id, actor, version)

        await run_command(
            session,
            op_id=key,
            user_id=actor.id,
            kind=f"{kind}.delete",
            payload={"id": entity_id, "version": version},
            effect=effect,
            status_code=204,
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


ROUTERS = [
    reference_router("categories", CategoryService, CategoryCreate, CategoryUpdate),
    reference_router("suppliers", SupplierService, SupplierCreate, SupplierUpdate),
    reference_router("locations", LocationService, LocationCreate, LocationUpdate),
]
