"""Who is calling and what they may do: `Annotated` aliases that routes declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection
from starlette.types import Scope

from fllc_server.auth.cache import Principal
from fllc_server.auth.permissions import Permission, permissions_for
from fllc_server.auth.schemas import Me
from fllc_server.kit.errors import Forbidden, Unauthorized
from fllc_server.models import User

if TYPE_CHECKING:
    from fllc_server.state import AppState

_SCOPE_USER = "fllc.user"


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
    session_id: str = ""  # the refresh-token family the access token belongs to
    token: str = ""  # the access token it was verified from

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def bearer_token(scope: Scope) -> str | None:
    """The access token of an `Authorization: Bearer <token>` header, if the request has one."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


async def authenticate_token(request: HTTPConnection, token: str) -> CurrentUser:
    """Verify an access token and load its user; shared by HTTP routes and the WebSocket."""
    return await authenticate(request.app.state.fllc, request.scope, token)


async def authenticate(state: AppState, scope: Scope, token: str) -> CurrentUser:
    """Verify an access token and load its user.

    The user's *current* row decides (role, active), read through the auth cache, which every
    change to the user invalidates at once. The result is kept in the request's scope, so the
    layers of one request (the cached-read fast path, the route's dependencies) verify once."""
    request_state = scope.setdefault("state", {})
    known: CurrentUser | None = request_state.get(_SCOPE_USER)
    if known is not None and known.token == token:
        return known
    current = await verify(state, token)
    request_state["user_id"] = current.id
    request_state[_SCOPE_USER] = current
    return current


async def verify(state: AppState, token: str) -> CurrentUser:
    """The user of an access token as of now: signature and claims, the account active, neither the
    token nor its session revoked (a long-lived connection calls this again to learn of either)."""
    claims = state.tokens.decode_access(token)
    user = await _principal(state, claims.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The account is not active", code="account_inactive")
    await state.revocations.ensure_valid(claims)
    return CurrentUser(
        id=user.id,
        username=user.username,
        role=user.role,
        permissions=permissions_for(user.role),
        jti=claims.jti,
        token_expires_at=claims.expires_at,
        account=user,
        token=token,
        session_id=claims.session_id,
    )


async def user_of(state: AppState, scope: Scope) -> CurrentUser | None:
    """The caller when a valid bearer token is presented, else None (never an error)."""
    token = bearer_token(scope)
    if token is None:
        return None
    try:
        return await authenticate(state, scope, token)
    except Unauthorized:
        return None


def render_me(principal: Principal) -> bytes:
    """The JSON of GET /api/v1/me for this principal."""
    return Me.of(principal).model_dump_json().encode()


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


class _BearerDependency(SecurityBase):
    """A dependency that reads the bearer token itself and is documented in the OpenAPI schema as the
    `HTTPBearer` scheme (FastAPI documents every SecurityBase dependency). One level, taking the
    request: each level of dependencies costs the framework time on every request."""

    model = HTTPBearerModel(description="Access token from POST /api/v1/auth/login")
    scheme_name = "HTTPBearer"


class SignedIn(_BearerDependency):
    """Dependency: the signed-in user (401 otherwise)."""

    async def __call__(self, request: Request) -> CurrentUser:
        token = bearer_token(request.scope)
        if token is None:
            raise Unauthorized("Sign in first: send 'Authorization: Bearer <access token>'")
        return await authenticate_token(request, token)


class MaybeSignedIn(_BearerDependency):
    """Dependency: the caller when a valid bearer token is presented, else None (never an error)."""

    async def __call__(self, request: Request) -> CurrentUser | None:
        return await user_of(request.app.state.fllc, request.scope)


current_user = SignedIn()
optional_user = MaybeSignedIn()


class Authorize(_BearerDependency):
    """Dependency: the signed-in user, who must hold `permission` (403 otherwise)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> CurrentUser:
        user = await current_user(request)
        if not user.can(self.permission):
            raise Forbidden(
                f"Your role ({user.role}) does not allow this: it needs '{self.permission}'",
                code="permission_denied",
                details=[{"permission": self.permission.value}],
            )
        return user


def required_permission(route: APIRoute) -> Permission | None:
    """The permission a route's dependencies demand (its `Authorize`), None when it demands none:
    what another layer answering for the route (kit.cached_reads) must check, read from the one
    declaration instead of a second copy that could drift from it."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, Authorize):
            return dependant.call.permission
        pending.extend(dependant.dependencies)
    return None


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
