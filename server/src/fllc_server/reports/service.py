"""Making a report file: read (from the replica when one is configured) in one transaction, so every
figure comes from the same snapshot; render to a temporary file; put it into object storage."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.reports import invoice_reports, stock_reports, trade_reports
from fllc_server.reports.render import CONTENT_TYPES, Format, Header, render
from fllc_server.reports.repository import ReportRepository
from fllc_server.reports.schemas import PARAMS, AnyReportRequest, ReportKind
from fllc_server.reports.table import Report
from fllc_server.settings.service import current_settings

if TYPE_CHECKING:
    from fllc_server.state import AppState

Builder = Callable[[ReportRepository, Any, dt.datetime], Awaitable[Report]]
BUILDERS: dict[ReportKind, Builder] = {
    ReportKind.STOCK_VALUATION: stock_reports.stock_valuation,
    ReportKind.LOW_STOCK: stock_reports.low_stock,
    ReportKind.STOCK_MOVEMENTS: stock_reports.stock_movements,
    ReportKind.STOCK_AGEING: stock_reports.stock_ageing,
    ReportKind.ABC_ANALYSIS: stock_reports.abc_analysis,
    ReportKind.PURCHASING: trade_reports.purchasing,
    ReportKind.SALES: trade_reports.sales,
    ReportKind.COUNT_VARIANCE: trade_reports.count_variance,
    ReportKind.INVOICE_DISCREPANCIES: invoice_reports.invoice_discrepancies,
}
assert set(BUILDERS) == set(PARAMS) == set(ReportKind)


@dataclass(frozen=True)
class ReportFile:
    key: str  # in object storage
    filename: str  # what a download is called
    content_type: str
    size: int
    rows: int


def file_name(kind: ReportKind, fmt: Format, at: dt.datetime) -> str:
    return f"{kind.value}-{at.strftime('%Y%m%d-%H%M%S')}.{fmt.value}"


async def build(session: AsyncSession, kind: ReportKind, params: Any, now: dt.datetime) -> Report:
    return await BUILDERS[kind](ReportRepository(session), params, now)


async def generate(
    state: AppState,
    request: AnyReportRequest,
    *,
    requested_by: str,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> ReportFile:
    """Make the report the request asks for and store it (under `key`, or a new one)."""
    now = now or dt.datetime.now(dt.UTC)
    kind, fmt = ReportKind(request.kind), Format(request.format)
    key = key or f"reports/{now:%Y/%m}/{uuid.uuid4().hex}.{fmt.value}"
    with tempfile.TemporaryDirectory(prefix="fllc-report-") as folder:
        target = Path(folder) / f"report.{fmt.value}"
        async with state.db.replica_sessions() as session, session.begin():
            company = (await current_settings(session, state.settings)).company_name
            report = await build(session, kind, request.params, now)
            header = Header(company, requested_by, now.strftime("%Y-%m-%d %H:%M:%S UTC"))
            rows = await render(report, fmt, header, target)
        stored = await state.storage.put(key, target, content_type=CONTENT_TYPES[fmt])
    return ReportFile(key, file_name(kind, fmt, now), CONTENT_TYPES[fmt], stored.size, rows)
