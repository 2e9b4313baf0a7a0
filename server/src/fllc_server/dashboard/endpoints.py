"""GET /api/v1/dashboard: the managers' figures, answered from the cache while nothing changed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fllc_server.auth.dependencies import ReportsGenerate
from fllc_server.catalog.cache import CatalogRead
from fllc_server.dashboard.schemas import DashboardOut
from fllc_server.dashboard.service import DashboardService
from fllc_server.kit.deps import SessionDep

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])

# Kept per catalog generation (any committed product, stock or purchase order write replaces it)
# and per UTC day; answered by the fast path (kit.cached_reads) when stored.
DASHBOARD = CatalogRead("dashboard", "/api/v1/dashboard", daily=True)


@router.get("", response_model=DashboardOut)
async def dashboard(*, _user: ReportsGenerate, request: Request, session: SessionDep) -> Response:
    """Stock value, low stock with what is on order, open and late purchase orders, receipts,
    30 days of movements by reason, top movers and stockouts. `X-Cache: hit` when nothing that
    the figures depend on has changed since they were worked out."""

    async def answer(_generation: bytes) -> bytes:
        # The primary, not the replica: an answer stored under this generation must include
        # every write committed before it.
        return (await DashboardService(session).compute()).model_dump_json().encode()

    return await DASHBOARD.respond(request, answer)
