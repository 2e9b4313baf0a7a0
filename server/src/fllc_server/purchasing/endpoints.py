"""/api/v1/purchase-orders — thin routes; the rules live in the service.

Reads need purchase_orders.create *or* stock.intake: warehouse staff see open orders to receive
against them. Writes need purchase_orders.create, receiving needs stock.intake. Every write takes
an Idempotency-Key (a retried key returns the first answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from fllc_server.auth.dependencies import CurrentUser, PurchaseOrdersCreate, StockIntake
from fllc_server.auth.entities import PurchaseOrdersRead
from fllc_server.kit.commands import IdempotencyKey, run_command
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId, QueryInt
from fllc_server.purchasing.receiving import PO_RECEIVE, with_order_id
from fllc_server.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    PurchaseOrderLineUpdate,
    PurchaseOrderOut,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    ReceiveRequest,
    ReceiveResult,
    SuggestionsAccept,
    SupplierSuggestion,
)
from fllc_server.purchasing.service import PurchaseOrderService
from fllc_server.purchasing.suggestions import SuggestionService
from fllc_server.sync.kinds import execute_command

router = APIRouter(prefix="/api/v1/purchase-orders", tags=["purchasing"])


def _service(request: Request, session: SessionDep) -> PurchaseOrderService:
    return PurchaseOrderService(session, get_state(request))


async def _command(
    session: SessionDep,
    actor: CurrentUser,
    key: str | None,
    *,
    kind: str,
    payload: Any,
    effect: Callable[[], Awaitable[Any]],
    status_code: int = 200,
) -> JSONResponse:
    """Run a write once per Idempotency-Key and answer with its (first) result."""
    outcome = await run_command(
        session,
        op_id=key,
        user_id=actor.id,
        kind=kind,
        payload=payload,
        effect=effect,
        status_code=status_code,
    )
    return outcome.response()


# ---------------------------------------------------------------- suggestions (before /{order_id})


@router.get("/suggestions", response_model=Page[SupplierSuggestion])
async def list_suggestions(
    _user: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    page: PageDep,
    supplier_id: Annotated[QueryInt | None, Query(ge=1)] = None,
) -> Page[SupplierSuggestion]:
    """Products at or below their reorder point, grouped by supplier, less what is already on order."""
    groups = await SuggestionService(session, get_state(request)).suggest(supplier_id)
    window = groups[page.offset : page.offset + page.per_page]
    return Page(data=window, meta=page.meta(len(groups)))


@router.post(
    "/suggestions/accept", response_model=list[PurchaseOrderOut], status_code=status.HTTP_201_CREATED
)
async def accept_suggestions(
    body: SuggestionsAccept,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """One draft purchase order per supplier from the current suggestions."""
    service = SuggestionService(session, get_state(request))
    return await _command(
        session,
        actor,
        key,
        kind="po.accept_suggestions",
        payload=body,
        effect=lambda: service.accept(body, actor),
        status_code=201,
    )


# ---------------------------------------------------------------- orders


@router.get("", response_model=Page[PurchaseOrderOut])
async def list_purchase_orders(
    _user: PurchaseOrdersRead,
    request: Request,
    session: SessionDep,
    *,
    page: PageDep,
    status: PurchaseOrderStatus | None = None,
    supplier_id: Annotated[QueryInt | None, Query(ge=1)] = None,
    q: Annotated[str | None, Query(max_length=32, description="Part of the PO number")] = None,
) -> Page[PurchaseOrderOut]:
    rows, total = await _service(request, session).list(
        offset=page.offset, limit=page.per_page, status=status, supplier_id=supplier_id, q=q
    )
    return Page(data=rows, meta=page.meta(total))


@router.post("", response_model=PurchaseOrderOut, status_code=status.HTTP_201_CREATED)
async def create_purchase_order(
    body: PurchaseOrderCreate,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A draft order to a supplier, optionally with its lines."""
    service = _service(request, session)
    return await _command(
        session,
        actor,
        key,
        kind="po.create",
        payload=body,
        effect=lambda: service.create(body, actor),
        status_code=201,
    )


@router.get("/{order_id}", response_model=PurchaseOrderOut)
async def get_purchase_order(
    order_id: PathId, *, _user: PurchaseOrdersRead, request: Request, session: SessionDep
) -> PurchaseOrderOut:
    return await _service(request, session).get(order_id)


@router.patch("/{order_id}", response_model=PurchaseOrderOut)
async def update_purchase_order(
    order_id: PathId,
    *,
    body: PurchaseOrderUpdate,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Edit the header (draft or submitted; the supplier only while draft)."""
    service = _service(request, session)
    payload = {"purchase_order_id": order_id, **body.model_dump(mode="json", exclude_unset=True)}
    return await _command(
        session,
        actor,
        key,
        kind="po.update",
        payload=payload,
        effect=lambda: service.update(order_id, body, actor),
    )


@router.post("/{order_id}/submit", response_model=PurchaseOrderOut)
async def submit_purchase_order(
    order_id: PathId,
    *,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """draft → submitted (needs at least one line)."""
    service = _service(request, session)
    payload = {"purchase_order_id": order_id}
    return await _command(
        session, actor, key, kind="po.submit", payload=payload, effect=lambda: service.submit(order_id, actor)
    )


@router.post("/{order_id}/cancel", response_model=PurchaseOrderOut)
async def cancel_purchase_order(
    order_id: PathId,
    *,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """draft or submitted → cancelled; once receiving has started an order cannot be cancelled."""
    service = _service(request, session)
    payload = {"purchase_order_id": order_id}
    return await _command(
        session, actor, key, kind="po.cancel", payload=payload, effect=lambda: service.cancel(order_id, actor)
    )


@router.post("/{order_id}/lines", response_model=PurchaseOrderOut, status_code=status.HTTP_201_CREATED)
async def add_purchase_order_line(
    order_id: PathId,
    *,
    body: PurchaseOrderLineCreate,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a line to a draft order; answers with the whole order."""
    service = _service(request, session)
    payload = {"purchase_order_id": order_id, **body.model_dump(mode="json")}
    return await _command(
        session,
        actor,
        key,
        kind="po.line_add",
        payload=payload,
        effect=lambda: service.add_line(order_id, body, actor),
        status_code=201,
    )


@router.patch("/{order_id}/lines/{line_id}", response_model=PurchaseOrderOut)
async def update_purchase_order_line(
    order_id: PathId,
    line_id: PathId,
    *,
    body: PurchaseOrderLineUpdate,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    service = _service(request, session)
    payload = {"purchase_order_id": order_id, "line_id": line_id, **body.model_dump(mode="json")}
    return await _command(
        session,
        actor,
        key,
        kind="po.line_update",
        payload=payload,
        effect=lambda: service.update_line(order_id, line_id, body, actor),
    )


@router.delete("/{order_id}/lines/{line_id}", response_model=PurchaseOrderOut)
async def remove_purchase_order_line(
    order_id: PathId,
    line_id: PathId,
    *,
    actor: PurchaseOrdersCreate,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    service = _service(request, session)
    payload = {"purchase_order_id": order_id, "line_id": line_id}
    return await _command(
        session,
        actor,
        key,
        kind="po.line_remove",
        payload=payload,
        effect=lambda: service.remove_line(order_id, line_id, actor),
    )


@router.post("/{order_id}/receive", response_model=ReceiveResult)
async def receive(
    order_id: PathId,
    *,
    body: ReceiveRequest,
    actor: StockIntake,
    request: Request,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Receive goods against lines: intake movements linked to each line, status follows; 409
    over_receipt past the tolerance, expired_goods when refuse_expired_goods says so."""
    payload = with_order_id(order_id, body)
    outcome = await execute_command(session, get_state(request), actor, PO_RECEIVE, payload, op_id=key)
    return outcome.response()
