""" "Send a test event": a harmless delivery made and signed the way the vendor does it, with the
secrets stored here, and taken through the provider's own verification and intake — the same code
a real delivery meets — into the inbox, where its job handles it (the vendors' test topics and
types are ignored by the handlers). A provider that is off, or whose secret is missing or wrong,
fails here as a real delivery would, with the reason."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.inbox.service import receive
from fllc_server.integrations.providers.schemas import TestEventOut
from fllc_server.integrations.providers.service import config_of
from fllc_server.integrations.webhooks import SignatureRejected, verify_delivery
from fllc_server.kit.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from fllc_server.state import AppState


async def send_test_event(session: AsyncSession, state: AppState, name: str) -> TestEventOut:
    found = state.providers.get(name)
    if found is None:
        raise NotFound(f"No provider named {name!r}", code="provider_not_found")
    if not found.signed:
        raise BadRequest(
            f"{found.title} signs nothing: it is checked with an API key (GET /api/v1/integrations/whoami)",
            code="provider_not_testable",
        )
    config = await config_of(session, name)
    headers, raw = found.test_delivery(config.secret, uuid.uuid4().hex[:16])
    try:
        delivery = await verify_delivery(state, found, headers, raw)
    except SignatureRejected as exc:
        return TestEventOut(provider=name, verified=False, reason=exc.message)
    intake = getattr(found, "intake")(delivery.headers, delivery.json())  # noqa: B009 — every kind's base has it
    received = await receive(
        session,
        state,
        source=found.name,
        external_id=intake.external_id,
        kind=intake.kind,
        payload=intake.payload,
    )
    return TestEventOut(provider=name, verified=True, message_id=received.id, status=received.status)
