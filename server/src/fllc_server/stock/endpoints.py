"""/api/v1/stock — intake, adjustments, counts, transfers, movements and levels.

Every write runs as a command (`sync.kinds.execute_command`), the same path as a synced op: send
an `Idempotency-Key` header and a retry returns the first result (`Idempotent-Replayed: true`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from fllc_server.auth.dependencies import (
    CurrentUser,
    ProductsModify,
    ProductsView,
    StockIntake,
)
from fllc_server.kit.commands import IdempotencyKey
from fllc_server.kit.deps import BookingSessionDep, ReadSessionDep, get_state
from fllc_server.kit.errors import NotFound
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import QueryInt, UtcDateTime
from fllc_server.stock.kinds import STOCK_ADJUST, STOCK_COUNT, STOCK_INTAKE, STOCK_TRANSFER
from fllc_server.stock.repository import MovementFilter, StockRepository
from fllc_server.stock.schemas import (
    CountOut,
    MovementOut,
    ProductStockOut,
    StockAdjustmentIn,
    StockChangeOut,
    StockCountIn,
    StockIntakeIn,
    StockLevelOut,
    StockTransferIn,
    TransferOut,
)
from fllc_server.sync.kinds import CommandKind, execute_command

router = APIRouter(prefix="/api/v1/stock", tags=["stock"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid body (quantity not a whole number in 1..1,000,000, ...)"},
    404: {"description": "Unknown product, barcode, SKU, location or purchase order line"},
    409: {
        "description": "insufficient_stock, no_location, expired_goods (the setting refuse_expired_goods), "
        "or an Idempotency-Key reused"
    },
}


async def _run(
    request: Request,
    session: BookingSessionDep,
    user: CurrentUser,
    kind: CommandKind[Any],
    *,
    body: BaseModel,
    key: str | None,
) -> JSONResponse:
    outcome = await execute_command(session, get_state(request), user, kind, body, op_id=key)
    return outcome.response()


@router.post("/intake", response_model=StockChangeOut, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def receive_stock(
    body: StockIntakeIn,
    user: StockIntake,
    request: Request,
    session: BookingSessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Scan intake: +quantity at the location (default: the configured default location)."""
    return await _run(request, session, user, STOCK_INTAKE, body=body, key=idempotency_key)


@router.post(
    "/adjustments",
    response_model=StockChangeOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def adjust_stock(
    body: StockAdjustmentIn,
    user: ProductsModify,
    request: Request,
    session: BookingSessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Damaged/lost (negative), found (positive) or correction; never below zero (409)."""
    return await _run(request, session, user, STOCK_ADJUST, body=body, key=idempotency_key)


@router.post("/counts", response_model=CountOut, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def count_stock(
    body: StockCountIn,
    user: StockIntake,
    request: Request,
    session: BookingSessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Submit a count of a location: the differences come back (and are audited). With
    `apply: true` (needs products.modify, else 403) each difference is booked as a movement."""
    return await _run(request, session, user, STOCK_COUNT, body=body, key=idempotency_key)


@router.post("/transfers", response_model=TransferOut, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def transfer_stock(
    body: StockTransferIn,
    user: StockIntake,
    request: Request,
    session: BookingSessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Move units between locations; more than the source holds is a 409."""
    return await _run(request, session, user, STOCK_TRANSFER, body=body, key=idempotency_key)


@router.get("/movements", response_model=Page[MovementOut])
async def list_movements(
    *,
    _user: ProductsView,
    session: ReadSessionDep,
    page: PageDep,
    product_id: Annotated[QueryInt | None, Query(ge=1)] = None,
    location_id: Annotated[QueryInt | None, Query(ge=1)] = None,
    reason: Annotated[str | None, Query(max_length=16)] = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
) -> Page[MovementOut]:
    """Newest first. `since`/`until` are ISO 8601 (`until` exclusive); naive times are UTC."""
    filters = MovementFilter(product_id, location_id, reason, since, until)
    rows, total = await StockRepository(session).movements(filters, offset=page.offset, limit=page.per_page)
    return Page(data=[MovementOut.model_validate(r) for r in rows], meta=page.meta(total))


@router.get("/levels", response_model=ProductStockOut)
async def product_levels(
    _user: ProductsView, session: ReadSessionDep, product_id: Annotated[QueryInt, Query(ge=1)]
) -> ProductStockOut:
    repo = StockRepository(session)
    if await repo.product(product_id=product_id) is None:
        raise NotFound(f"No product with id {product_id}", code="product_not_found")
    levels = [StockLevelOut(**asdict(row)) for row in await repo.levels(product_id)]
    return ProductStockOut(
        product_id=product_id,
        quantity_on_hand=await repo.quantity_on_hand(product_id),
        levels=levels,
    )
