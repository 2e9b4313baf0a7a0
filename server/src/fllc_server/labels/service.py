"""Send a checked print job to a printer on the allow-list, and note it in the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.errors import BadRequest
from fllc_server.labels.printers import send_to_printer
from fllc_server.labels.schemas import PrintRequest, PrintResult
from fllc_server.labels.zpl import check_label_job
from fllc_server.settings.schemas import LabelPrinter
from fllc_server.settings.service import SettingsService

if TYPE_CHECKING:
    from fllc_server.state import AppState


class PrinterNotAllowed(BadRequest):
    code = "printer_not_allowed"


class LabelPrintService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state

    async def allowed_printer(self, name: str) -> LabelPrinter:
        printers = (await SettingsService(self.session, self.state).current()).label_printers
        for printer in printers:
            if printer.name.casefold() == name.casefold():
                return printer
        known = ", ".join(p.name for p in printers) or "none yet: an admin adds them in Settings"
        raise PrinterNotAllowed(
            f"{name!r} is not on the label printers' allow-list (allowed: {known})",
            details=[{"field": "printer", "allowed": [p.name for p in printers]}],
        )

    async def print_labels(self, request: PrintRequest, actor_id: int) -> PrintResult:
        printer = await self.allowed_printer(request.printer)
        labels = check_label_job(request.zpl)
        data = (request.zpl + "\n").encode()
        await send_to_printer(self.state.outside, printer, data)
        await audit.record(
            self.session,
            actor_id=actor_id,
            action="labels.print",
            entity_type="label_printer",
            entity_id=printer.name,
            after={"host": printer.host, "port": printer.port, "labels": labels},
        )
        return PrintResult(printer=printer.name, labels=labels, bytes=len(data))
