"""create_app(settings): middleware, routers, lifespan. Nothing is built at import time."""

from __future__ import annotations

import atexit
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIWebSocketRoute

from fllc_server import __version__
from fllc_server.audit.endpoints import router as audit_router
from fllc_server.auth.endpoints import router as auth_router
from fllc_server.auth.mfa_endpoints import router as mfa_router
from fllc_server.catalog.cache import CACHED_READS
from fllc_server.catalog.endpoints import ROUTERS as CATALOG_ROUTERS
from fllc_server.catalog.index import CatalogIndex
from fllc_server.catalog.kinds import CATALOG_KINDS
from fllc_server.catalog.shapes import CATALOG_SHAPES
from fllc_server.config import Settings
from fllc_server.dashboard.endpoints import DASHBOARD
from fllc_server.dashboard.endpoints import router as dashboard_router
from fllc_server.devices.endpoints import router as devices_router
from fllc_server.events.endpoints import router as events_router
from fllc_server.health.endpoints import router as health_router
from fllc_server.integrations.accounts.endpoints import router as accounts_router
from fllc_server.integrations.edi.endpoints import router as edi_router
from fllc_server.integrations.inbox.endpoints import router as inbox_router
from fllc_server.integrations.payments.endpoints import router as payments_router
from fllc_server.integrations.pos.endpoints import router as pos_router
from fllc_server.integrations.pos.fast_intake import GenericIntakeFastPath
from fllc_server.integrations.providers.endpoints import router as providers_router
from fllc_server.integrations.registries import inbox_handlers, integration_providers
from fllc_server.jobs.endpoints import router as jobs_router
from fllc_server.jobs.runtime import JobsInProcess
from fllc_server.kit.cached_reads import CachedReadsMiddleware, guarded
from fllc_server.kit.handlers import install_error_handlers
from fllc_server.kit.memory import keep_long_lived, release_long_lived
from fllc_server.labels.endpoints import router as labels_router
from fllc_server.migrations import upgrade_async
from fllc_server.observability import tracing
from fllc_server.observability.logging import configure_logging
from fllc_server.observability.middleware import RequestGate
from fllc_server.purchasing.endpoints import router as purchasing_router
from fllc_server.purchasing.receiving import PO_RECEIVE
from fllc_server.purchasing.shapes import PURCHASING_SHAPES
from fllc_server.reports.endpoints import router as reports_router
from fllc_server.reports.schedules.endpoints import router as report_schedules_router
from fllc_server.sales.endpoints import router as sales_router
from fllc_server.sales.picking import ORDER_FULFIL, ORDER_PICK
from fllc_server.settings.endpoints import router as settings_router
from fllc_server.settings.service import follow_other_processes, load_runtime
from fllc_server.state import AppState
from fllc_server.stock.endpoints import router as stock_router
from fllc_server.stock.kinds import STOCK_KINDS
from fllc_server.sync.endpoints import router as sync_router
from fllc_server.sync.kinds import CommandKinds
from fllc_server.sync.shapes import EntityShapes
from fllc_server.users.endpoints import router as users_router

ROUTERS = [
    health_router,
    auth_router,
    mfa_router,
    users_router,
    settings_router,
    audit_router,
    *CATALOG_ROUTERS,
    purchasing_router,
    dashboard_router,
    sales_router,
    stock_router,
    sync_router,
    devices_router,
    labels_router,
    events_router,
    accounts_router,
    providers_router,
    inbox_router,
    pos_router,
    payments_router,
    edi_router,
    jobs_router,
    reports_router,
    report_schedules_router,
]


def command_kinds() -> CommandKinds:
    """Every domain's command kinds, in a registry of this app's own."""
    return CommandKinds([*STOCK_KINDS, *CATALOG_KINDS, PO_RECEIVE, ORDER_PICK, ORDER_FULFIL])


def entity_shapes() -> EntityShapes:
    """Every entity type sync pull carries, in a registry of this app's own."""
    return EntityShapes({**CATALOG_SHAPES, **PURCHASING_SHAPES})


def create_app(settings: Settings | None = None, *, migrate: bool | None = None) -> FastAPI:
    """Build the app. On the embedded default the schema is migrated on start (unless told not to)."""
    settings = settings or Settings()
    settings.prepare_data_dir()
    configure_logging(settings.log_level, settings.log_json, trace_ids=bool(settings.otlp_endpoint))
    state = AppState.build(
        settings,
        command_kinds=command_kinds(),
        shapes=entity_shapes(),
        providers=integration_providers(),
        inbox_handlers=inbox_handlers(),
    )
    run_migrations = settings.embedded if migrate is None else migrate

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            await upgrade_async(settings.effective_database_url)
        live, reload = state.live_settings, partial(load_runtime, state.db, settings, state.live_settings)
        await reload()  # a database down at start: /readyz says 503 until it is back
        follow_other_processes(live, reload)  # their settings changes reach this process's runtime
        state.auth.start()  # hears other processes' user changes, sign-outs and settings changes
        atexit.register(state.access_log.flush)  # lines still gathered when the interpreter exits
        keep_long_lived()  # modules, models, schemas and routes live as long as the process
        index = state.search_index = CatalogIndex(
            state.db, state.cache, state.catalog_generation, state.metrics.registry
        )
        index.start()  # built in the background: searches use the database until then
        jobs = JobsInProcess(state)  # embedded: runs the jobs; with Redis: the workers do
        await jobs.start(consume=settings.runs_jobs_in_process, schedule=settings.jobs_scheduler)
        state.drain.install()  # SIGTERM (under uvicorn): not ready, drain, WebSockets 1001, stop
        try:
            yield
        finally:
            await jobs.stop()
            await index.stop()
            await state.close()
            if settings.otlp_endpoint:
                tracing.uninstall(state)
            state.access_log.flush()
            atexit.unregister(state.access_log.flush)
            release_long_lived()

    app = FastAPI(
        title="FLLC Warehouse API",
        version=__version__,
        lifespan=lifespan,
        # Production publishes no map of the API (the schema and its pages stay in development).
        openapi_url=None if settings.production else "/api/v1/openapi.json",
        docs_url=None if settings.production else "/docs",
        redoc_url=None if settings.production else "/redoc",
    )
    app.state.fllc = state
    install_error_handlers(app)
    mount_routes(app, ROUTERS)
    # Outermost first at request time: request id and rate limit (RequestGate) → CORS → cached
    # reads → the generic sales webhook's intake → routes (auth, validation). Added innermost first.
    app.add_middleware(GenericIntakeFastPath)
    app.add_middleware(CachedReadsMiddleware, reads=guarded((*CACHED_READS, DASHBOARD), app.router.routes))
    if settings.cors_origins:  # an empty allow-list answers no cross-origin request: no layer needed
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "X-Cache", "Idempotent-Replayed"],
        )
    app.add_middleware(RequestGate, metrics=state.metrics, access_log=state.access_log, settings=settings)
    if settings.otlp_endpoint:  # unset: nothing of OpenTelemetry is imported or added
        tracing.install(app, state, tracing.otlp_provider(settings.otlp_endpoint))
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
