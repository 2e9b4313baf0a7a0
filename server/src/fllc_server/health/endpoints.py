from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from fllc_server.kit.deps import get_state
from fllc_server.settings.service import LOADED_KEY, load_runtime

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database and Redis (when configured) answer; 503 otherwise."""
    state = get_state(request)
    checks = {"database": await _check(_ping_database(request)), "cache": await _check(state.cache.ping())}
    if state.redis is not None:
        checks["rate_limiter"] = await _check(state.limiter.ping())
    ready = all(value == "ok" for value in checks.values())
    if ready and not state.extras.get(LOADED_KEY):
        ready = await load_runtime(state)  # the database was down at start: load the settings now
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(get_state(request).metrics.render(), media_type="text/plain; version=0.0.4")


async def _ping_database(request: Request) -> None:
    async with get_state(request).db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _check(awaitable: object) -> str:
    try:
        await asyncio.wait_for(awaitable, CHECK_TIMEOUT)  # type: ignore[arg-type]
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
