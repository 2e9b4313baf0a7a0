"""CSV: UTF-8 (with a byte-order mark, so spreadsheet programs read it as UTF-8), one header row,
then the rows; numbers plain, dates ISO 8601. Written in batches off the event loop."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from fllc_server.reports.render import Header
from fllc_server.reports.table import Cell, Kind, Report, Row

BATCH = 2000


def csv_cell(value: Cell, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind in (Kind.MONEY, Kind.NUMBER, Kind.PERCENT) and isinstance(value, int | Decimal | float):
        return f"{Decimal(str(value)):.2f}"
    text = str(value)
    # A cell that a spreadsheet would run as a formula is written as text (CSV injection).
    return "'" + text if kind is Kind.TEXT and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def write_csv(report: Report, header: Header, target: Path) -> int:
    kinds = [column.kind for column in report.columns]
    count = 0
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.label for column in report.columns])
        batch: list[Row] = []
        async for row in report.rows:
            batch.append(row)
            if len(batch) >= BATCH:
                count += await asyncio.to_thread(_write, writer, batch, kinds)
                batch = []
        count += await asyncio.to_thread(_write, writer, batch, kinds)
    return count


def _write(writer: Any, rows: list[Row], kinds: list[Kind]) -> int:
    writer.writerows([csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows)
    return len(rows)
