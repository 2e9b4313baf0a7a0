"""/api/v1/customers, /api/v1/orders, /api/v1/reviews — thin routes over the sales service.

Customers and orders are read with reports.generate; reviews with products.view. Recording an
order (`POST /api/v1/orders`) takes stock out, so it needs products.modify, like a stock
adjustment; the POS integration calls `OrderService` directly.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from fllc_server.auth.dependencies import ProductsModify, ProductsView, ReportsGenerate, StockIntake
from fllc_server.kit.commands import IdempotencyKey, run_command
from fllc_server.kit.deps import BookingSessionDep, ReadSessionDep, SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId, QueryBool, QueryInt, UtcDateTime
from fllc_server.sales.customers import CustomerService, rating
from fllc_server.sales.lifecycle import OrderLifecycle
from fllc_server.sales.picking import ORDER_FULFIL, ORDER_PICK, Picking
from fllc_server.sales.repository import OrderFilter, ReviewFilter, SalesRepository
from fllc_server.sales.reservations import availability
from fllc_server.sales.schemas import (
    AddressIn,
    AvailabilityOut,
    CustomerCreate,
    CustomerMerge,
    CustomerOut,
    CustomerUpdate,
    FulfilIn,
    FulfilmentChange,
    OrderCreate,
    OrderOut,
    PickIn,
    PickLineIn,
    PickOrderOut,
    RatingOut,
    ReturnIn,
    ReviewOut,
    StatusChange,
    StatusChangeOut,
)
from fllc_server.sales.service import OrderService, SalesReads
from fllc_server.sync.kinds import execute_command

router = APIRouter(prefix="/api/v1", tags=["sales"])

OptionalId = Annotated[QueryInt | None, Query(ge=1, le=2**63 - 1)]


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
async def get_customer(customer_id: PathId, _user: ReportsGenerate, session: ReadSessionDep) -> CustomerOut:
    return await SalesReads(session).customer(customer_id)


@router.post("/customers", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
async def create_customer(body: CustomerCreate, actor: ProductsModify, session: SessionDep) -> CustomerOut:
    return await CustomerService(session, actor_id=actor.id).create(body)


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: PathId, body: CustomerUpdate, actor: ProductsModify, session: SessionDep
) -> CustomerOut:
    return await CustomerService(session, actor_id=actor.id).update(customer_id, body)


@router.post("/customers/{customer_id}/addresses", response_model=CustomerOut, status_code=201)
async def add_address(
    customer_id: PathId, body: AddressIn, actor: ProductsModify, session: SessionDep
) -> CustomerOut:
    return await CustomerService(session, actor_id=actor.id).add_address(customer_id, body)


@router.delete("/customers/{customer_id}/addresses/{address_id}", response_model=CustomerOut)
async def remove_address(
    customer_id: PathId, address_id: PathId, actor: ProductsModify, session: SessionDep
) -> CustomerOut:
    return await CustomerService(session, actor_id=actor.id).remove_address(customer_id, address_id)


@router.post("/customers/{customer_id}/merge", response_model=CustomerOut)
async def merge_customers(
    customer_id: PathId, body: CustomerMerge, actor: ProductsModify, session: SessionDep
) -> CustomerOut:
    """Fold duplicate customers into this one (orders, reviews and addresses move; they go)."""
    return await CustomerService(session, actor_id=actor.id).merge(customer_id, body.duplicate_ids)


@router.get("/orders", response_model=Page[OrderOut])
async def list_orders(
    _user: ReportsGenerate,
    session: ReadSessionDep,
    page: PageDep,
    *,
    customer_id: OptionalId = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    source: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[UtcDateTime | None, Query(description="Placed at or after (UTC if no offset)")] = None,
    until: Annotated[UtcDateTime | None, Query(description="Placed before (UTC if no offset)")] = None,
) -> Page[OrderOut]:
    """Orders newest first, with their items."""
    filters = OrderFilter(customer_id=customer_id, status=status, source=source, since=since, until=until)
    rows, total = await SalesReads(session).orders(filters, offset=page.offset, limit=page.per_page)
    return Page(data=rows, meta=page.meta(total))


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "(source, external_ref) named an order recorded before"}},
)
async def create_order(
    body: OrderCreate,
    actor: ProductsModify,
    request: Request,
    session: BookingSessionDep,
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
        session,
        op_id=key,
        user_id=actor.id,
        kind="order.create",
        payload=body,
        effect=effect,
        status_code=201,
    )
    return outcome.response()


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: PathId, _user: ReportsGenerate, session: ReadSessionDep) -> OrderOut:
    return await SalesReads(session).order(order_id)


@router.post("/orders/{order_id}/status", response_model=OrderOut)
async def change_order_status(
    order_id: PathId,
    *,
    body: StatusChange,
    actor: ProductsModify,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Mark an order paid, or cancel it (its reservation is released)."""
    return await _lifecycle_command(
        order_id,
        status=body.status,
        note=body.note,
        actor_id=actor.id,
        request=request,
        session=session,
        key=key,
    )


@router.post("/orders/{order_id}/fulfilment", response_model=OrderOut)
async def change_order_fulfilment(
    order_id: PathId,
    *,
    body: FulfilmentChange,
    actor: StockIntake,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Picking, packed, shipped (shipping takes the reserved units out of stock); the
    `order.fulfil` command, as a synced op runs it."""
    payload = FulfilIn(order_id=order_id, status=body.status, note=body.note)
    outcome = await execute_command(session, get_state(request), actor, ORDER_FULFIL, payload, op_id=key)
    return outcome.response()


@router.post("/orders/{order_id}/pick", response_model=PickOrderOut)
async def pick_order_line(
    order_id: PathId,
    *,
    body: PickLineIn,
    actor: StockIntake,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Units of a line picked, or short with `short_reason` (their reservation is released); the
    `order.pick` command, as a synced op from a tablet's Pick screen runs it."""
    payload = PickIn(order_id=order_id, **body.model_dump(exclude_unset=True))
    outcome = await execute_command(session, get_state(request), actor, ORDER_PICK, payload, op_id=key)
    return outcome.response()


@router.get("/picking", response_model=list[PickOrderOut])
async def pick_list(actor: StockIntake, request: Request, session: ReadSessionDep) -> list[PickOrderOut]:
    """Orders to pick and ship, oldest first: paid, picking and packed, with their lines'
    barcodes and what is picked and short so far (no customer, no money: staff read it)."""
    return await Picking(session, get_state(request), actor_id=actor.id).pick_list()


@router.post("/orders/{order_id}/return", response_model=OrderOut)
async def return_order(
    order_id: PathId,
    *,
    body: ReturnIn,
    actor: ProductsModify,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Units coming back, per line: `restock` (back to stock) or `damaged` (written off)."""
    lifecycle = OrderLifecycle(session, get_state(request), actor_id=actor.id)

    async def effect() -> OrderOut:
        lines = [(x.item_id, x.quantity, x.disposition) for x in body.lines]
        await lifecycle.return_items(order_id, lines, note=body.note)
        return await SalesReads(session).order(order_id)

    outcome = await run_command(
        session, op_id=key, user_id=actor.id, kind="order.return", payload=body, effect=effect
    )
    return outcome.response()


@router.get("/orders/{order_id}/history", response_model=list[StatusChangeOut])
async def order_history(
    order_id: PathId, _user: ReportsGenerate, session: ReadSessionDep
) -> list[StatusChangeOut]:
    """Every status the order went through: from, to, who, when."""
    await SalesReads(session).order(order_id)  # 404 for an unknown order
    return [StatusChangeOut.model_validate(row) for row in await SalesRepository(session).history(order_id)]


@router.get("/availability", response_model=list[AvailabilityOut])
async def product_availability(
    _user: ProductsView,
    session: ReadSessionDep,
    product_id: Annotated[list[int], Query(min_length=1, max_length=200)],
) -> list[AvailabilityOut]:
    """On hand, reserved by open orders, available (on hand - reserved), and back-ordered (what
    orders wait for) per product."""
    rows = await availability(session, [p for p in product_id if 0 < p < 2**63])
    return [
        AvailabilityOut(
            product_id=r.product_id,
            on_hand=r.on_hand,
            reserved=r.reserved,
            available=r.available,
            backordered=r.backordered,
        )
        for r in rows
    ]


async def _lifecycle_command(
    order_id: int,
    *,
    status: str,
    note: str,
    actor_id: int,
    request: Request,
    session: SessionDep,
    key: str | None,
) -> JSONResponse:
    lifecycle = OrderLifecycle(session, get_state(request), actor_id=actor_id)

    async def effect() -> OrderOut:
        await lifecycle.move(order_id, status, note=note)
        return await SalesReads(session).order(order_id)

    outcome = await run_command(
        session,
        op_id=key,
        user_id=actor_id,
        kind=f"order.{status}",
        payload={"order_id": order_id, "status": status, "note": note},
        effect=effect,
    )
    return outcome.response()


@router.get("/reviews", response_model=Page[ReviewOut])
async def list_reviews(
    _user: ProductsView,
    session: ReadSessionDep,
    page: PageDep,
    *,
    product_id: OptionalId = None,
    customer_id: OptionalId = None,
    min_rating: Annotated[QueryInt | None, Query(ge=1, le=5)] = None,
    include_hidden: QueryBool = False,
) -> Page[ReviewOut]:
    """Reviews newest first; filter by product to show a product's reviews. Hidden reviews only
    with `include_hidden`."""
    filters = ReviewFilter(
        product_id=product_id, customer_id=customer_id, min_rating=min_rating, include_hidden=include_hidden
    )
    rows, total = await SalesReads(session).reviews(filters, offset=page.offset, limit=page.per_page)
    return Page(data=rows, meta=page.meta(total))


@router.post("/reviews/{review_id}/hide", response_model=ReviewOut)
async def hide_review(review_id: PathId, actor: ProductsModify, session: SessionDep) -> ReviewOut:
    return await CustomerService(session, actor_id=actor.id).set_review_hidden(review_id, True)


@router.post("/reviews/{review_id}/show", response_model=ReviewOut)
async def show_review(review_id: PathId, actor: ProductsModify, session: SessionDep) -> ReviewOut:
    return await CustomerService(session, actor_id=actor.id).set_review_hidden(review_id, False)


@router.get("/products/{product_id}/rating", response_model=RatingOut)
async def product_rating(product_id: PathId, _user: ProductsView, session: ReadSessionDep) -> RatingOut:
    """The average rating of a product's visible reviews."""
    return await rating(session, product_id)
