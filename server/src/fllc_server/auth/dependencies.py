"""Who is calling and what they may do: `Annotated` aliases that routes declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from fllc_server.auth.cache import Principal
from fllc_server.auth.permissions import Permission, permissions_for
from fllc_server.auth.schemas import Me
from fllc_server.kit.errors import Forbidden, Unauthorized
from fllc_server.models import User

if TYPE_CHECKING:
    from fllc_server.state import AppState

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")
REVOKED_PREFIX = "auth:revoked-jti:"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The signed-in user with their *current* role and activity (the database row, through the
    auth cache that every change to the user invalidates at once)."""

    id: int
    username: str
    role: str
    permissions: frozenset[Permission]
    jti: str
    token_expires_at: int
    account: Principal

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


async def authenticate_token(request: HTTPConnection, token: str) -> CurrentUser:
    """Verify an access token and load its user; shared by HTTP routes and the WebSocket.

    The user's *current* row decides (role, active), read through the auth cache, which every
    change to the user invalidates at once."""
    state: AppState = request.app.state.fllc
    claims = state.tokens.decode_access(token)
    await _ensure_not_revoked(state, claims.jti, claims.expires_at)
    user = await _principal(state, claims.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The account is not active", code="account_inactive")
    request.scope.setdefault("state", {})["user_id"] = user.id
    return CurrentUser(
        id=user.id,
        username=user.username,
        role=user.role,
        permissions=permissions_for(user.role),
        jti=claims.jti,
        token_expires_at=claims.expires_at,
        account=user,
    )


def render_me(principal: Principal) -> bytes:
    """The JSON of GET /api/v1/me for this principal."""
    return Me.of(principal).model_dump_json().encode()


async def _ensure_not_revoked(state: AppState, jti: str, expires_at: int) -> None:
    if not state.auth.is_revoked(jti):
        if state.auth.checked(jti):
            return
        if await state.cache.get(REVOKED_PREFIX + jti) is None:
            state.auth.mark_checked(jti)
            return
        state.auth.revoke_locally(jti, expires_at)
    raise Unauthorized("The session has been signed out", code="token_revoked")


async def _principal(state: AppState, user_id: int) -> Principal | None:
    principal = state.auth.principal(user_id)
    if principal is not None:
        return principal
    generation = state.auth.generation(user_id)
    async with state.db.sessions() as session:
        user = await session.get(User, user_id)
    if user is None:
        return None
    principal = Principal.of(user, render=render_me)
    state.auth.remember(principal, generation)
    return principal


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <access token>'")
    return await authenticate_token(request, credentials.credentials)


async def optional_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser | None:
    """The caller when a valid bearer token is presented, else None (never an error)."""
    if credentials is None:
        return None
    try:
        return await authenticate_token(request, credentials.credentials)
    except Unauthorized:
        return None


class Authorize:
    """Dependency: the signed-in user, who must hold `permission` (403 otherwise)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if not user.can(self.permission):
            raise Forbidden(
                f"Your role ({user.role}) does not allow this: it needs '{self.permission}'",
                code="permission_denied",
                details=[{"permission": self.permission.value}],
            )
        return user


P = Permission
Authenticated = Annotated[CurrentUser, Depends(current_user)]
MaybeAuthenticated = Annotated[CurrentUser | None, Depends(optional_user)]
ProductsView = Annotated[CurrentUser, Depends(Authorize(P.PRODUCTS_VIEW))]
ProductsModify = Annotated[CurrentUser, Depends(Authorize(P.PRODUCTS_MODIFY))]
ProductsDelete = Annotated[CurrentUser, Depends(Authorize(P.PRODUCTS_DELETE))]
StockIntake = Annotated[CurrentUser, Depends(Authorize(P.STOCK_INTAKE))]
PurchaseOrdersCreate = Annotated[CurrentUser, Depends(Authorize(P.PURCHASE_ORDERS_CREATE))]
ReportsGenerate = Annotated[CurrentUser, Depends(Authorize(P.REPORTS_GENERATE))]
UsersManage = Annotated[CurrentUser, Depends(Authorize(P.USERS_MANAGE))]
SystemConfigure = Annotated[CurrentUser, Depends(Authorize(P.SYSTEM_CONFIGURE))]
