"""A report (reports.table) to a file: PDF, CSV or XLSX."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from fllc_server.reports.table import Report


class Format(StrEnum):
    PDF = "pdf"
    CSV = "csv"
    XLSX = "xlsx"


class Header(NamedTuple):
    """What every file says about itself besides the report: whose it is, when and by whom."""

    company: str
    generated_by: str
    generated_at: str  # ISO 8601 UTC


CONTENT_TYPES = {
    Format.PDF: "application/pdf",
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def render(report: Report, fmt: Format, header: Header, target: Path) -> int:
    """Write the report to `target` in the format; returns the number of data rows."""
    if fmt is Format.PDF:
        from fllc_server.reports.render.pdf import write_pdf

        return await write_pdf(report, header, target)
    if fmt is Format.CSV:
        from fllc_server.reports.render.csv import write_csv

        return await write_csv(report, header, target)
    from fllc_server.reports.render.xlsx import write_xlsx

    return await write_xlsx(report, header, target)
