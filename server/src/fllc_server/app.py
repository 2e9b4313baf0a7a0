"""create_app(settings): middleware, routers, lifespan. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIWebSocketRoute

from fllc_server import __version__
from fllc_server.audit.endpoints import router as audit_router
from fllc_server.auth.endpoints import router as auth_router
from fllc_server.catalog.cache import CACHED_READS
from fllc_server.catalog.endpoints import ROUTERS as CATALOG_ROUTERS
from fllc_server.catalog.index import CatalogIndex
from fllc_server.config import Settings
from fllc_server.events.endpoints import router as events_router
from fllc_server.health.endpoints import router as health_router
from fllc_server.kit.cached_reads import CachedReadsMiddleware
from fllc_server.kit.handlers import install_error_handlers
from fllc_server.kit.memory import keep_long_lived, release_long_lived
from fllc_server.migrations import upgrade_async
from fllc_server.observability.logging import ACCESS_LOG, configure_logging
from fllc_server.observability.middleware import RequestGate
from fllc_server.purchasing.endpoints import router as purchasing_router
from fllc_server.sales.endpoints import router as sales_router
from fllc_server.settings.endpoints import router as settings_router
from fllc_server.settings.service import load_runtime
from fllc_server.state import AppState
from fllc_server.stock.endpoints import router as stock_router
from fllc_server.sync.endpoints import router as sync_router
from fllc_server.users.endpoints import router as users_router

ROUTERS = [
    health_router, auth_router, users_router, settings_router, audit_router, *CATALOG_ROUTERS,
    purchasing_router, sales_router, stock_router, sync_router, events_router,
]


def create_app(settings: Settings | None = None, *, migrate: bool | None = None) -> FastAPI:
    """Build the app. On the embedded default the schema is migrated on start (unless told not to)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    state = AppState.build(settings)
    run_migrations = settings.embedded if migrate is None else migrate

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            await upgrade_async(settings.effective_database_url)
        await load_runtime(state)  # a database down at start: /readyz says 503 until it is back
        state.auth.start()  # hears other processes' user changes and sign-outs
        keep_long_lived()  # modules, models, schemas and routes live as long as the process
        index = state.search_index = CatalogIndex(state)
        index.start()  # built in the background: searches use the database until then
        try:
            yield
        finally:
            await index.stop()
            await state.close()
            ACCESS_LOG.flush()
            release_long_lived()

    app = FastAPI(
        title="FLLC Warehouse API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.fllc = state
    install_error_handlers(app)
    mount_routes(app, ROUTERS)
    # Outermost first at request time: request id and rate limit (RequestGate) → CORS → cached
    # reads → routes (auth, validation). Added innermost first.
    app.add_middleware(CachedReadsMiddleware, reads=CACHED_READS)
    if settings.cors_origins:  # an empty allow-list answers no cross-origin request: no layer needed
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "X-Cache", "Idempotent-Replayed"],
        )
    app.add_middleware(RequestGate, metrics=state.metrics)
    return app


def mount_routes(app: FastAPI, routers: list[APIRouter]) -> None:
    """Put each router's routes straight into the app's route list.

    `include_router` in current FastAPI keeps every router as one nested route and matches through
    the nesting on every request: a fifth of the CPU of a signed-in GET /api/v1/me, measured. Our
    routers carry everything in their routes (prefix and tags are declared on the router and baked
    into each route; no include-time options, no lifespans), so their routes are complete as they are.
    """
    for router in routers:
        if router.on_startup or router.on_shutdown:
            raise ValueError(f"router {router.prefix!r} has event handlers: use app.include_router")
        for route in router.routes:
            if not isinstance(route, APIRoute | APIWebSocketRoute):
                raise ValueError(f"{route!r} in router {router.prefix!r}: list its routers instead")
        app.router.routes.extend(router.routes)


def app_factory() -> FastAPI:
    """For `uvicorn --factory fllc_server.app:app_factory`: settings from the environment."""
    return create_app()
