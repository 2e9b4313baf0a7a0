"""/api/v1/customers, /api/v1/orders, /api/v1/reviews — thin routes over the sales service.

Customers and orders are read with reports.generate; reviews with products.view. Recording an
order (`POST /api/v1/orders`) takes stock out, so it needs products.modify, like a stock
adjustment; the POS integration calls `OrderService` directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from fllc_server.auth.dependencies import ProductsModify, ProductsView, ReportsGenerate
from fllc_server.kit.commands import IdempotencyKey, run_command
from fllc_server.kit.deps import ReadSessionDep, SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.sales.repository import OrderFilter, ReviewFilter
from fllc_server.sales.schemas import CustomerOut, OrderCreate, OrderOut, ReviewOut
from fllc_server.sales.service import OrderService, SalesReads

router = APIRouter(prefix="/api/v1", tags=["sales"])

OptionalId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


@router.get("/customers", response_model=Page[CustomerOut])
async def list_customers(
    _user: ReportsGenerate,
    session: ReadSessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name or email")] = None,
) -> Page[CustomerOut]:
    rows, total = await SalesReads(session).customers(offset=page.offset, limit=page.per_page, q=q)
    return Page(data=rows, meta=page.meta(total))


@router.get("/customers/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: int, _user: ReportsGenerate, session: ReadSessionDep) -> CustomerOut:
    return await SalesReads(session).customer(customer_id)


@router.get("/orders", response_model=Page[OrderOut])
async def list_orders(
    _user: ReportsGenerate,
    session: ReadSessionDep,
    page: PageDep,
    *,
    customer_id: OptionalId = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    source: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[dt.datetime | None, Query(description="Placed at or after (UTC if no offset)")] = None,
    until: Annotated[dt.datetime | None, Query(description="Placed before (UTC if no offset)")] = None,
) -> Page[OrderOut]:
    """Orders newest first, with their items."""
    filters = OrderFilter(
        customer_id=customer_id, status=status, source=source, since=_aware(since), until=_aware(until)
    )
    rows, total = await SalesReads(session).orders(filters, offset=page.offset, limit=page.per_page)
    return Page(data=rows, meta=page.meta(total))


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "(source, external_ref) named an order recorded before"}},
)
async def create_order(
    body: OrderCreate, actor: ProductsModify, request: Request, session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a sale and take its items out of stock; idempotent on (source, external_ref)."""
    service = OrderService(session, get_state(request))
    recorded = await service.find_recorded(body)
    if recorded is not None:
        return JSONResponse(jsonable_encoder(recorded), status_code=200)

    async def effect() -> OrderOut:
        return (await service.create_order(body, actor_id=actor.id, op_id=key)).order

    outcome = await run_command(
        session, op_id=key, user_id=actor.id, kind="order.create", payload=body, effect=effect,
        status_code=201,
    )
    return outcome.response()


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: int, _user: ReportsGenerate, session: ReadSessionDep) -> OrderOut:
    return await SalesReads(session).order(order_id)


@router.get("/reviews", response_model=Page[ReviewOut])
async def list_reviews(
    _user: ProductsView,
    session: ReadSessionDep,
    page: PageDep,
    *,
    product_id: OptionalId = None,
    customer_id: OptionalId = None,
    min_rating: Annotated[int | None, Query(ge=1, le=5)] = None,
) -> Page[ReviewOut]:
    """Reviews newest first; filter by product to show a product's reviews."""
    filters = ReviewFilter(product_id=product_id, customer_id=customer_id, min_rating=min_rating)
    rows, total = await SalesReads(session).reviews(filters, offset=page.offset, limit=page.per_page)
    return Page(data=rows, meta=page.meta(total))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
