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
from fllc_server.settings.service import current_settings

if TYPE_CHECKING:
    from fllc_server.config import Settings
    from fllc_server.infra.outside import OutsideCalls


class PrinterNotAllowed(BadRequest):
    code = "printer_not_allowed"


class LabelPrintService:
    def __init__(self, session: AsyncSession, config: Settings, outside: OutsideCalls) -> None:
        self.session = session
        self.config = config
        self.outside = outside  # the printers are partners: timeouts and breakers

    async def allowed_printer(self, name: str) -> LabelPrinter:
        printers = (await current_settings(self.session, self.config)).label_printers
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
        await send_to_printer(self.outside, printer, data)
        await audit.record(
            self.session,
            actor_id=actor_id,
            action="labels.print",
            entity_type="label_printer",
            entity_id=printer.name,
            after={"host": printer.host, "port": printer.port, "labels": labels},
        )
        return PrintResult(printer=printer.name, labels=labels, bytes=len(data))
