"""POS webhooks (our generic one with an API key; signed vendor ones) and the SKU mapping queue.

Webhooks only store what came in and answer at once; the inbox handles it afterwards. Mapping
SKUs is a manager's work (products.modify)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request

from fllc_server.auth.api_keys import PosWrite
from fllc_server.auth.dependencies import ProductsModify, SystemConfigure
from fllc_server.integrations.inbox.service import receive
from fllc_server.integrations.pos.base import PosProvider
from fllc_server.integrations.pos.generic import GENERIC, GenericEvent
from fllc_server.integrations.pos.reconcile import reconcile
from fllc_server.integrations.pos.repository import PosRepository
from fllc_server.integrations.pos.schemas import (
    Accepted,
    ReconciledOut,
    SkuMapped,
    SkuMappingIn,
    SkuMappingOut,
    UnmappedLineOut,
)
from fllc_server.integrations.pos.service import PosService
from fllc_server.integrations.webhooks import Delivery, SignedWebhook
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.errors import NotFound
from fllc_server.kit.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])

PosDelivery = Annotated[Delivery, Depends(SignedWebhook("pos"))]


@router.post("/pos/generic/events", response_model=Accepted)
async def generic_event(
    event: Annotated[GenericEvent, Body()], caller: PosWrite, request: Request, session: SessionDep
) -> Accepted:
    """Our own sales webhook (API key with scope `pos.write`): a `sale`, a `payment` or a `refund`.
    Stored once per `event_id` and answered at once; a resent event is a `duplicate`."""
    received = await receive(
        session,
        get_state(request),
        source=GENERIC.name,
        external_id=event.event_id,
        kind=event.type,
        payload=event.model_dump(mode="json"),
    )
    return Accepted(message_id=received.id, duplicate=received.duplicate, status=received.status)


@router.post("/pos/{provider}/webhook", response_model=Accepted)
async def pos_webhook(
    provider: str, delivery: PosDelivery, request: Request, session: SessionDep
) -> Accepted:
    """A vendor's signed webhook (e.g. Shopify's orders/create, orders/paid, refunds/create)."""
    pos = delivery.provider
    if not isinstance(pos, PosProvider) or not hasattr(pos, "intake"):
        raise NotFound(f"No POS provider named {provider!r}", code="provider_not_found")
    intake = pos.intake(delivery.headers, delivery.json())
    received = await receive(
        session,
        get_state(request),
        source=pos.name,
        external_id=intake.external_id,
        kind=intake.kind,
        payload=intake.payload,
    )
    return Accepted(message_id=received.id, duplicate=received.duplicate, status=received.status)


@router.get("/unmapped-lines", response_model=Page[UnmappedLineOut])
async def list_unmapped_lines(
    _user: ProductsModify,
    session: SessionDep,
    page: PageDep,
    status: Literal["pending", "applied"] | None = "pending",
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[UnmappedLineOut]:
    """Sale and refund lines whose SKU is not known: the 'needs mapping' queue."""
    rows, total = await PosRepository(session).lines(
        status=status, source=source, offset=page.offset, limit=page.per_page
    )
    return Page(data=[UnmappedLineOut.model_validate(r) for r in rows], meta=page.meta(total))


@router.get("/sku-mappings", response_model=Page[SkuMappingOut])
async def list_sku_mappings(
    _user: ProductsModify,
    session: SessionDep,
    page: PageDep,
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[SkuMappingOut]:
    rows, total = await PosRepository(session).mappings(
        source=source, offset=page.offset, limit=page.per_page
    )
    return Page(data=[SkuMappingOut.model_validate(r) for r in rows], meta=page.meta(total))


@router.post("/sku-mappings", response_model=SkuMapped)
async def map_sku(
    body: SkuMappingIn, actor: ProductsModify, request: Request, session: SessionDep
) -> SkuMapped:
    """Map a provider's SKU to a product: remembered, and every line waiting for it is applied."""
    service = PosService(session, get_state(request))
    applied = await service.map_sku(body.source, body.external_sku, body.product_id, actor_id=actor.id)
    mapping = await PosRepository(session).mapping(body.source, body.external_sku)
    assert mapping is not None
    return SkuMapped(**SkuMappingOut.model_validate(mapping).model_dump(), lines_applied=applied)


@router.post("/pos/{provider}/reconcile", response_model=ReconciledOut)
async def reconcile_provider(provider: str, _user: SystemConfigure, request: Request) -> ReconciledOut:
    """Read the provider's API from the stored cursor now and store what the webhooks missed."""
    done = await reconcile(get_state(request), provider)
    return ReconciledOut(provider=done.provider, fetched=done.fetched, stored=done.stored, cursor=done.cursor)
