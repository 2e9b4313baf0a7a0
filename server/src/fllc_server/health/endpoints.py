from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from fllc_server.auth.dependencies import bearer_token
from fllc_server.config import Settings
from fllc_server.kit.deps import get_state
from fllc_server.kit.errors import Forbidden
from fllc_server.observability.proxies import TrustedProxies
from fllc_server.settings.service import load_runtime

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database and Redis (when configured) answer and the server is not
    stopping; 503 otherwise."""
    state = get_state(request)
    if state.drain.draining:  # stopping (SIGTERM): the load balancer should send nothing new here
        return JSONResponse({"status": "draining", "checks": {}}, status_code=503)
    checks = {"database": await _check(_ping_database(request)), "cache": await _check(state.cache.ping())}
    if state.redis is not None:
        checks["rate_limiter"] = await _check(state.limiter.ping())
    ready = all(value == "ok" for value in checks.values())
    if ready and not state.runtime.loaded:
        # The database was down at start: load the settings now.
        ready = await load_runtime(state.db, state.settings, state.live_settings)
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus scrape: public outside production unless configured; otherwise only with
    FLLC_METRICS_TOKEN as the bearer or from an address in FLLC_METRICS_ALLOW."""
    state = get_state(request)
    if not may_scrape(state.settings, request):
        raise Forbidden(
            "Metrics need the scrape token (FLLC_METRICS_TOKEN) or an allowed address (FLLC_METRICS_ALLOW)",
            code="metrics_forbidden",
        )
    await state.metrics.refresh()
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")


def may_scrape(settings: Settings, request: Request) -> bool:
    token = bearer_token(request.scope)
    if settings.metrics_token and token and hmac.compare_digest(token, settings.metrics_token):
        return True
    host = request.client.host if request.client else ""
    if settings.metrics_allow and TrustedProxies(settings.metrics_allow).trusts(host):
        return True
    return not (settings.production or settings.metrics_token or settings.metrics_allow)


async def _ping_database(request: Request) -> None:
    async with get_state(request).db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _check(awaitable: object) -> str:
    try:
        await asyncio.wait_for(awaitable, CHECK_TIMEOUT)  # type: ignore[arg-type]
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
