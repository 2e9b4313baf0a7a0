"""The role x permission matrix, cell by cell, driven from auth/permissions.py; and a walk over the
app's routes proving every /api/v1 route declares who may call it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from fllc_server.app import create_app
from fllc_server.auth.api_keys import IntegrationAuth
from fllc_server.auth.dependencies import Authorize, current_user
from fllc_server.auth.entities import Reads
from fllc_server.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from fllc_server.config import Settings

# One representative route per permission code: (method, path, JSON body).
REPRESENTATIVE: dict[Permission, tuple[str, str, dict[str, object] | None]] = {
    Permission.PRODUCTS_VIEW: ("GET", "/api/v1/products", None),
    Permission.PRODUCTS_MODIFY: ("POST", "/api/v1/products", {}),
    Permission.PRODUCTS_DELETE: ("DELETE", "/api/v1/products/{product_id}", None),
    Permission.STOCK_INTAKE: ("POST", "/api/v1/stock/intake", {}),
    Permission.PURCHASE_ORDERS_CREATE: ("POST", "/api/v1/purchase-orders", {}),
    Permission.REPORTS_GENERATE: ("GET", "/api/v1/orders", None),
    Permission.USERS_MANAGE: ("GET", "/api/v1/users", None),
    Permission.SYSTEM_CONFIGURE: ("PATCH", "/api/v1/settings", {}),
}

# Routes anyone may call: signing in/out, probes, the schema and its viewers.
PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),  # revokes only what the presented refresh token proves
    ("POST", "/api/v1/auth/mfa/verify"),  # the second step: a login's challenge token and a code
    ("GET", "/api/v1/openapi.json"),
}
# The WebSocket cannot use HTTP dependencies: it accepts, then authenticates with the same
# authenticate_token() and closes with 4401/4403 (tested with the events).
AUTHENTICATES_IN_HANDLER = {"/api/v1/events"}


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    permissions: frozenset[Permission]
    authenticated: bool


def _dependency_calls(dependant: object) -> Iterator[object]:
    for sub in getattr(dependant, "dependencies", ()):
        yield sub.call
        yield from _dependency_calls(sub)


def _routes(app: FastAPI) -> list[RouteInfo]:
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        calls = list(_dependency_calls(route.dependant))
        permissions = frozenset(c.permission for c in calls if isinstance(c, Authorize))
        for method in sorted(context.methods or ()):
            # Authorize and Reads (any of an entity type's readers) sign in themselves; integration
            # routes take an API key or a webhook signature instead
            authenticated = (
                current_user in calls
                or bool(permissions)
                or any(isinstance(c, IntegrationAuth | Reads) for c in calls)
            )
            found.append(RouteInfo(method, str(context.path), permissions, authenticated))
    return found


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> list[RouteInfo]:
    data_dir = tmp_path_factory.mktemp("routes")
    return _routes(create_app(Settings(data_dir=data_dir, secret_key="r" * 40), migrate=False))


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.fixture
async def role_headers(auth_headers) -> dict[str, dict[str, str]]:
    return {role.value: await auth_headers(role) for role in Role}


CELLS = [(role, permission) for role in Role for permission in Permission]


@pytest.mark.parametrize(("role", "permission"), CELLS, ids=[f"{r.value}-{p.value}" for r, p in CELLS])
async def test_matrix_cell(
    client: httpx.AsyncClient, role_headers, routes: list[RouteInfo], role: Role, permission: Permission
) -> None:
    method, path, body = REPRESENTATIVE[permission]
    declared = [r for r in routes if (r.method, r.path) == (method, path)]
    assert declared, f"representative route {method} {path} is not mounted"
    assert declared[0].permissions == {permission}, f"{method} {path} does not declare {permission}"

    response = await client.request(method, _concrete(path), json=body, headers=role_headers[role.value])
    if permission in ROLE_PERMISSIONS[role]:
        assert response.status_code not in (401, 403), (role, permission, response.text)
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, (role, permission, response.status_code)
        error = response.json()["error"]
        assert error["code"] == "permission_denied"
        assert error["details"] == [{"permission": permission.value}]


async def test_every_permission_has_a_representative_route() -> None:
    assert set(REPRESENTATIVE) == set(Permission)


async def test_every_guarded_route_refuses_every_role_without_its_permission(
    client: httpx.AsyncClient, role_headers, routes: list[RouteInfo]
) -> None:
    """Beyond the representatives: each denied cell of every mounted route is a 403."""
    checked = 0
    for route in routes:
        for role in Role:
            if not route.permissions or route.permissions <= ROLE_PERMISSIONS[role]:
                continue
            body = {} if route.method in ("POST", "PUT", "PATCH") else None
            response = await client.request(
                route.method, _concrete(route.path), json=body, headers=role_headers[role.value]
            )
            assert response.status_code == 403, (role.value, route.method, route.path, response.text)
            checked += 1
    assert checked >= 20


async def test_every_api_route_declares_an_auth_dependency(routes: list[RouteInfo]) -> None:
    unprotected = [
        (r.method, r.path)
        for r in routes
        if r.path.startswith("/api/v1/") and (r.method, r.path) not in PUBLIC and not r.authenticated
    ]
    assert unprotected == []


async def test_no_api_route_answers_without_a_token(
    client: httpx.AsyncClient, routes: list[RouteInfo]
) -> None:
    for route in routes:
        if not route.path.startswith("/api/v1/") or (route.method, route.path) in PUBLIC:
            continue
        body = {} if route.method in ("POST", "PUT", "PATCH") else None
        response = await client.request(route.method, _concrete(route.path), json=body)
        assert response.status_code == 401, (route.method, route.path)


async def test_the_websocket_is_the_only_route_outside_http_dependencies(tmp_path) -> None:
    app = create_app(Settings(data_dir=tmp_path, secret_key="r" * 40), migrate=False)
    sockets = {
        str(c.path)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIWebSocketRoute)
    }
    assert sockets <= AUTHENTICATES_IN_HANDLER
