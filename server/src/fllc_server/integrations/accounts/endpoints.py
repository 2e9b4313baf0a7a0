"""/api/v1/integrations/service-accounts (system.configure) and /whoami (an integration's key)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from fllc_server.auth.api_keys import AnyIntegration
from fllc_server.auth.dependencies import SystemConfigure
from fllc_server.integrations.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyMade,
    ApiKeyOut,
    IntegrationOut,
    ServiceAccountCreate,
    ServiceAccountOut,
)
from fllc_server.integrations.accounts.service import AccountService
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])


@router.get("/service-accounts", response_model=Page[ServiceAccountOut])
async def list_service_accounts(
    actor: SystemConfigure, session: SessionDep, page: PageDep
) -> Page[ServiceAccountOut]:
    rows, total = await AccountService(session, actor_id=actor.id).list(
        offset=page.offset, limit=page.per_page
    )
    return Page(data=rows, meta=page.meta(total))


@router.post("/service-accounts", response_model=ServiceAccountOut, status_code=status.HTTP_201_CREATED)
async def create_service_account(
    body: ServiceAccountCreate, actor: SystemConfigure, session: SessionDep
) -> ServiceAccountOut:
    return await AccountService(session, actor_id=actor.id).create(body)


@router.get("/service-accounts/{account_id}", response_model=ServiceAccountOut)
async def get_service_account(
    account_id: PathId, actor: SystemConfigure, session: SessionDep
) -> ServiceAccountOut:
    return await AccountService(session, actor_id=actor.id).get(account_id)


@router.delete("/service-accounts/{account_id}", response_model=ServiceAccountOut)
async def disable_service_account(
    account_id: PathId, actor: SystemConfigure, session: SessionDep, request: Request
) -> ServiceAccountOut:
    """Disable the account and revoke all of its keys (the row stays for the audit trail)."""
    auth = get_state(request).auth
    return await AccountService(session, actor_id=actor.id, auth=auth).disable(account_id)


@router.post(
    "/service-accounts/{account_id}/keys", response_model=ApiKeyMade, status_code=status.HTTP_201_CREATED
)
async def create_api_key(
    account_id: PathId, body: ApiKeyCreate, actor: SystemConfigure, session: SessionDep
) -> ApiKeyMade:
    """A new key with the given scopes. The answer carries the key once; it cannot be read again."""
    return await AccountService(session, actor_id=actor.id).make_key(account_id, body)


@router.delete("/service-accounts/{account_id}/keys/{key_id}", response_model=ApiKeyOut)
async def revoke_api_key(
    account_id: PathId, key_id: PathId, actor: SystemConfigure, session: SessionDep, request: Request
) -> ApiKeyOut:
    auth = get_state(request).auth
    return await AccountService(session, actor_id=actor.id, auth=auth).revoke_key(account_id, key_id)


@router.get("/whoami", response_model=IntegrationOut)
async def whoami(caller: AnyIntegration) -> IntegrationOut:
    """The service account a key belongs to and its scopes: an integration's connection test."""
    return IntegrationOut(
        service_account_id=caller.service_account_id,
        name=caller.name,
        integration=caller.integration,
        scopes=sorted(caller.scopes),
    )
