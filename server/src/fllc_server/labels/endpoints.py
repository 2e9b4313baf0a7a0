"""POST /api/v1/labels/print: ZPL to a printer on the allow-list (stock.intake: whoever receives)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import StockIntake
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.labels.schemas import PrintRequest, PrintResult
from fllc_server.labels.service import LabelPrintService

router = APIRouter(prefix="/api/v1/labels", tags=["labels"])


@router.post(
    "/print",
    response_model=PrintResult,
    responses={
        400: {"description": "Not a printer on the allow-list, or not only label formats"},
        503: {"description": "The printer did not take the job (partner_unavailable / partner_timeout)"},
    },
)
async def print_labels(
    body: PrintRequest, user: StockIntake, request: Request, session: SessionDep
) -> PrintResult:
    """Send label formats to a network label printer (raw TCP) named in the `label_printers`
    setting; any other host is refused, and so is ZPL that is more than labels."""
    state = get_state(request)
    return await LabelPrintService(session, state.settings, state.outside).print_labels(body, user.id)
