"""/api/v1/products — search (cached), scan lookup (cached), the product with its stock, edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fllc_server.auth.dependencies import ProductsDelete, ProductsModify, ProductsView
from fllc_server.catalog.cache import BY_BARCODE, PRODUCT_SEARCH, CatalogAnswers
from fllc_server.catalog.reference_endpoints import ROUTERS as REFERENCE_ROUTERS
from fllc_server.catalog.schemas import (
    ProductCreate,
    ProductDetail,
    ProductOut,
    ProductUpdate,
    ReviewOut,
)
from fllc_server.catalog.search_params import SearchParams, from_index
from fllc_server.catalog.service import ProductService
from fllc_server.kit.commands import IdempotencyKey, run_command
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.errors import BadRequest
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId, QueryInt

products = APIRouter(prefix="/api/v1/products", tags=["catalog"])

MAX_SCAN_LENGTH = 200
ProductId = PathId
BaseVersion = Annotated[QueryInt | None, Query(ge=1, le=2**31 - 1, description="Delete only this version")]
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid input"},
    404: {"description": "Unknown product, category or supplier"},
    409: {"description": "version_conflict (details: [{current, base_version}]), sku_taken, barcode_taken"},
}


def _service(request: Request, session: SessionDep) -> ProductService:
    return ProductService(session, get_state(request))


@products.get("", response_model=Page[ProductOut])
async def search_products(
    *, _user: ProductsView, request: Request, params: Annotated[SearchParams, Query()]
) -> Response:
    """Search the catalog (deleted products excluded); `X-Cache: hit|miss`.

    Most searches never get here: a cached answer, or one the in-process index computes, is sent
    before the framework (kit.cached_reads). This route answers the rest: the database computes
    what the index cannot (not built yet, far behind), and invalid parameters get their 400.
    """
    state = get_state(request)

    async def answer(generation: bytes) -> bytes:
        body = await from_index(state, params, generation)
        if body is not None:
            return body
        query, paging = params.query()
        async with state.db.sessions() as session:
            totals = CatalogAnswers(state, "product_count")
            rows, total = await ProductService(session, state).search(query, totals)
            result = Page[ProductOut](
                data=[ProductOut.model_validate(r) for r in rows], meta=paging.meta(total)
            )
        return result.model_dump_json().encode()

    return await PRODUCT_SEARCH.respond(request, answer)


@products.get("/by-barcode/{code:path}", response_model=ProductDetail, responses=ERRORS)
async def product_by_barcode(
    *, code: str, _user: ProductsView, request: Request, session: SessionDep
) -> Response:
    """Look up a scan: EAN-13/EAN-8/UPC-A/UPC-E or a GS1 element string with AI 01 (raw or `(01)...`)."""
    if len(code) > MAX_SCAN_LENGTH:
        raise BadRequest(f"{len(code)} characters is too long for a barcode", code="invalid_barcode")
    service = _service(request, session)

    async def answer(_generation: bytes) -> bytes:
        detail = await service.detail(await service.by_barcode(code))
        return detail.model_dump_json().encode()

    return await BY_BARCODE.respond(request, answer)


@products.post("", response_model=ProductOut, status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def create_product(
    *,
    body: ProductCreate,
    actor: ProductsModify,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> Response:
    async def effect() -> ProductOut:
        return ProductOut.model_validate(await _service(request, session).create(body, actor))

    outcome = await run_command(
        session,
        op_id=key,
        user_id=actor.id,
        kind="product.create",
        payload=body.model_dump(mode="json"),
        effect=effect,
        status_code=201,
    )
    return outcome.response()


@products.get("/{product_id}", response_model=ProductDetail, responses=ERRORS)
async def get_product(
    *, product_id: ProductId, _user: ProductsView, request: Request, session: SessionDep
) -> ProductDetail:
    """The product with its stock per location."""
    service = _service(request, session)
    return await service.detail(await service.get(product_id))


@products.patch("/{product_id}", response_model=ProductOut, responses=ERRORS)
async def update_product(
    *,
    product_id: ProductId,
    body: ProductUpdate,
    actor: ProductsModify,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> Response:
    """A partial edit; `version` is required and a stale one is a 409 `version_conflict`."""

    async def effect() -> ProductOut:
        return ProductOut.model_validate(await _service(request, session).update(product_id, body, actor))

    outcome = await run_command(
        session,
        op_id=key,
        user_id=actor.id,
        kind="product.update",
        payload={"id": product_id, **body.model_dump(mode="json", exclude_unset=True)},
        effect=effect,
    )
    return outcome.response()


@products.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_product(
    *,
    product_id: ProductId,
    actor: ProductsDelete,
    request: Request,
    session: SessionDep,
    version: BaseVersion = None,
    key: IdempotencyKey = None,
) -> Response:
    """Soft delete (products.delete); the SKU and barcode stay reserved for a restore."""

    async def effect() -> None:
        await _service(request, session).delete(product_id, actor, version)

    await run_command(
        session,
        op_id=key,
        user_id=actor.id,
        kind="product.delete",
        payload={"id": product_id, "version": version},
        effect=effect,
        status_code=204,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@products.post("/{product_id}/restore", response_model=ProductOut, responses=ERRORS)
async def restore_product(
    *, product_id: ProductId, actor: ProductsDelete, request: Request, session: SessionDep
) -> ProductOut:
    """Undo a delete (products.delete)."""
    return ProductOut.model_validate(await _service(request, session).restore(product_id, actor))


@products.get("/{product_id}/reviews", response_model=Page[ReviewOut], responses=ERRORS)
async def product_reviews(
    *, product_id: ProductId, _user: ProductsView, request: Request, session: SessionDep, page: PageDep
) -> Page[ReviewOut]:
    """Customer reviews of the product, newest first."""
    rows, total = await _service(request, session).reviews(
        product_id, offset=page.offset, limit=page.per_page
    )
    return Page(data=[ReviewOut.model_validate(r) for r in rows], meta=page.meta(total))


ROUTERS = [products, *REFERENCE_ROUTERS]  # mounted flat by the app (app.mount_routes)
