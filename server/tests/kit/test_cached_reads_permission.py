"""The fast path checks the permission the route declares, read from the route itself: a second
declaration that could drift from the route's would be an auth hole."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fllc_server.app import create_app
from fllc_server.auth.dependencies import (
    Authenticated,
    CurrentUser,
    ProductsView,
    ReportsGenerate,
    required_permission,
)
from fllc_server.auth.permissions import Permission
from fllc_server.catalog.cache import CACHED_READS
from fllc_server.config import Settings
from fllc_server.kit.cached_reads import guarded
from starlette.types import Scope


class Read:
    def __init__(self, route: str) -> None:
        self.route = route

    async def answer(self, state: object, scope: Scope) -> tuple[bytes, bool] | None:
        return None


def reporter(user: ReportsGenerate) -> CurrentUser:  # the permission one level down
    return user


def small_app() -> FastAPI:
    app = FastAPI()

    @app.get("/reports-ish")
    async def reports_ish(_user: Annotated[CurrentUser, Depends(reporter)]) -> dict[str, str]:
        return {}

    @app.get("/products-ish")
    async def products_ish(_user: ProductsView) -> dict[str, str]:
        return {}

    @app.get("/anyone")
    async def anyone(_user: Authenticated) -> dict[str, str]:
        return {}

    @app.post("/only-post")
    async def only_post(_user: ProductsView) -> dict[str, str]:
        return {}

    return app


def test_each_read_takes_the_permission_its_route_declares() -> None:
    routes = small_app().router.routes
    found = guarded([Read("/reports-ish"), Read("/products-ish")], routes)
    assert [g.permission for g in found] == [Permission.REPORTS_GENERATE, Permission.PRODUCTS_VIEW]


@pytest.mark.parametrize("path", ["/anyone", "/only-post", "/nowhere"])
def test_a_read_whose_get_route_declares_no_permission_is_refused_at_start(path: str) -> None:
    with pytest.raises(ValueError, match=path):
        guarded([Read(path)], small_app().router.routes)


async def test_the_apps_cached_reads_check_their_routes_permissions(settings: Settings) -> None:
    app = create_app(settings)
    routes = {route.path: route for route in app.router.routes if getattr(route, "methods", None) == {"GET"}}
    for read in guarded(CACHED_READS, app.router.routes):
        assert read.permission == required_permission(routes[read.route])  # type: ignore[arg-type]
        assert read.permission is Permission.PRODUCTS_VIEW
