"""/api/v1/integrations/providers — enable a provider, set its secrets (system.configure)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import SystemConfigure
from fllc_server.integrations.providers.probe import send_test_event
from fllc_server.integrations.providers.schemas import ProviderOut, ProviderUpdate, TestEventOut
from fllc_server.integrations.providers.service import ProviderService
from fllc_server.kit.deps import SessionDep, get_state

router = APIRouter(prefix="/api/v1/integrations/providers", tags=["integrations"])


@router.get("", response_model=list[ProviderOut])
async def list_providers(actor: SystemConfigure, request: Request, session: SessionDep) -> list[ProviderOut]:
    """Every provider with its switch and which of its secrets are set (never their values)."""
    return await ProviderService(session, get_state(request).providers, actor_id=actor.id).list()


@router.patch("/{name}", response_model=ProviderOut)
async def update_provider(
    name: str, body: ProviderUpdate, actor: SystemConfigure, request: Request, session: SessionDep
) -> ProviderOut:
    """Switch a provider on or off and set or clear its secrets (write-only)."""
    return await ProviderService(session, get_state(request).providers, actor_id=actor.id).update(name, body)


@router.post("/{name}/test-event", response_model=TestEventOut)
async def provider_test_event(
    name: str, _actor: SystemConfigure, request: Request, session: SessionDep
) -> TestEventOut:
    """Send a harmless event signed with the stored secrets through the provider's own
    verification into the inbox: `verified` false with the reason when a real delivery would be
    refused (off, secret missing or wrong)."""
    return await send_test_event(session, get_state(request), name)
