"""Payment gateways' signed webhooks: each event stored once by its id, answered at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from fllc_server.integrations.inbox.service import receive
from fllc_server.integrations.payments.base import PaymentProvider
from fllc_server.integrations.pos.schemas import Accepted
from fllc_server.integrations.webhooks import Delivery, SignedWebhook
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.errors import NotFound

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])

PaymentDelivery = Annotated[Delivery, Depends(SignedWebhook("payments"))]


@router.post("/payments/{provider}/webhook", response_model=Accepted)
async def payment_webhook(
    provider: str, delivery: PaymentDelivery, request: Request, session: SessionDep
) -> Accepted:
    """A gateway's signed event (e.g. Stripe's, verified by Stripe-Signature)."""
    gateway = delivery.provider
    if not isinstance(gateway, PaymentProvider):
        raise NotFound(f"No payment provider named {provider!r}", code="provider_not_found")
    intake = gateway.intake(delivery.headers, delivery.json())
    received = await receive(
        session,
        get_state(request),
        source=gateway.name,
        external_id=intake.external_id,
        kind=intake.kind,
        payload=intake.payload,
    )
    return Accepted(message_id=received.id, duplicate=received.duplicate, status=received.status)
