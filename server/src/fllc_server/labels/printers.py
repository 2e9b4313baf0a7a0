"""Raw TCP (port 9100, "JetDirect") to a network label printer: connect, send the job, close."""

from __future__ import annotations

import asyncio

from fllc_server.infra.outside import OutsideCalls
from fllc_server.settings.schemas import LabelPrinter

SEND_SECONDS = 10.0


async def send_raw(host: str, port: int, data: bytes) -> None:
    """Write ``data`` to ``host:port`` and close; the printer prints what the socket carried."""
    _reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # the job ends here: printers that wait for EOF start at once
    finally:
        writer.close()
        await writer.wait_closed()


async def send_to_printer(outside: OutsideCalls, printer: LabelPrinter, data: bytes) -> None:
    """Through the printer's own breaker: a switched-off printer costs each job at most the
    timeout, and after a run of failures answers 503 at once until it is tried again."""
    await outside.call(
        f"printer:{printer.name}", lambda: send_raw(printer.host, printer.port, data), seconds=SEND_SECONDS
    )
