"""/api/v1/edi — trading partners (system.configure); purchase orders' EDI state, the 855's changes
(purchase_orders.create to decide), the three-way match (reports.generate for the list)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from fllc_server.auth.dependencies import PurchaseOrdersCreate, ReportsGenerate, SystemConfigure
from fllc_server.auth.entities import PurchaseOrdersRead
from fllc_server.integrations.edi.orders import EdiOrderService
from fllc_server.integrations.edi.partners import PartnerService
from fllc_server.integrations.edi.schemas import (
    EdiOrderOut,
    InterchangeOut,
    PartnerCreate,
    PartnerOut,
    PartnerUpdate,
)
from fllc_server.integrations.edi.tasks import request_poll
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.strict import PathId, QueryInt

router = APIRouter(prefix="/api/v1/edi", tags=["edi"])


@router.get("/partners", response_model=list[PartnerOut])
async def list_partners(
    actor: SystemConfigure, session: SessionDep, supplier_id: QueryInt | None = None
) -> list[PartnerOut]:
    """Every trading partner (or the one of `supplier_id`); private keys are never returned."""
    return await PartnerService(session, actor_id=actor.id).list(supplier_id)


@router.post("/partners", response_model=PartnerOut, status_code=status.HTTP_201_CREATED)
async def create_partner(body: PartnerCreate, actor: SystemConfigure, session: SessionDep) -> PartnerOut:
    """Set up EDI with a supplier (one partner per supplier: 409 `edi_partner_exists`)."""
    return await PartnerService(session, actor_id=actor.id).create(body)


@router.get("/partners/{partner_id}", response_model=PartnerOut)
async def get_partner(partner_id: PathId, actor: SystemConfigure, session: SessionDep) -> PartnerOut:
    return await PartnerService(session, actor_id=actor.id).get(partner_id)


@router.patch("/partners/{partner_id}", response_model=PartnerOut)
async def update_partner(
    partner_id: PathId, body: PartnerUpdate, actor: SystemConfigure, session: SessionDep
) -> PartnerOut:
    """Change settings; the result is checked as a whole (400 `validation_error` with details)."""
    return await PartnerService(session, actor_id=actor.id).update(partner_id, body)


@router.get("/partners/{partner_id}/interchanges", response_model=list[InterchangeOut])
async def list_interchanges(
    partner_id: PathId, request: Request, actor: SystemConfigure, session: SessionDep
) -> list[InterchangeOut]:
    """The latest interchanges sent to and received from the partner, newest first."""
    return await EdiOrderService(session, get_state(request)).interchanges(partner_id)


@router.post("/partners/{partner_id}/poll", status_code=status.HTTP_202_ACCEPTED)
async def poll_partner(
    partner_id: PathId, request: Request, actor: SystemConfigure, session: SessionDep
) -> dict[str, int]:
    """Fetch the partner's files now (a job; the periodic poll does the same every minute)."""
    job_id = await request_poll(session, get_state(request), partner_id, actor.id)
    return {"job_id": job_id}


@router.get("/purchase-orders/{order_id}", response_model=EdiOrderOut)
async def get_edi_order(
    order_id: PathId, request: Request, actor: PurchaseOrdersRead, session: SessionDep
) -> EdiOrderOut:
    """The order's EDI state: 850 sent, 997 verdict, the 855's changes, ASN cartons, 810 match."""
    return await EdiOrderService(session, get_state(request)).get(order_id)


@router.post("/purchase-orders/{order_id}/changes/confirm", response_model=EdiOrderOut)
async def confirm_changes(
    order_id: PathId, request: Request, actor: PurchaseOrdersCreate, session: SessionDep
) -> EdiOrderOut:
    """Apply the supplier's proposed changes (855) to the order's lines."""
    return await EdiOrderService(session, get_state(request)).decide(order_id, actor, confirm=True)


@router.post("/purchase-orders/{order_id}/changes/decline", response_model=EdiOrderOut)
async def decline_changes(
    order_id: PathId, request: Request, actor: PurchaseOrdersCreate, session: SessionDep
) -> EdiOrderOut:
    """Keep the order as it was; the proposed changes stay on record as declined."""
    return await EdiOrderService(session, get_state(request)).decide(order_id, actor, confirm=False)


@router.get("/discrepancies", response_model=list[EdiOrderOut])
async def list_discrepancies(
    request: Request, actor: ReportsGenerate, session: SessionDep
) -> list[EdiOrderOut]:
    """Invoiced orders whose three-way match (ordered / received / invoiced) found discrepancies."""
    return await EdiOrderService(session, get_state(request)).discrepancies()
