"""The invoice discrepancies report: the three-way match (ordered vs received vs invoiced, quantity
and price) of every purchase order a supplier invoiced by EDI, line by line, computed as the
order stands when the report runs (later receipts count) by the same rules as the order's EDI
view and `GET /api/v1/edi/discrepancies` (integrations.edi.matching)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from fllc_server.integrations.edi.matching import OrderLine, match
from fllc_server.reports.repository import ReportRepository
from fllc_server.reports.schemas import InvoiceDiscrepanciesParams
from fllc_server.reports.stock_reports import Names
from fllc_server.reports.table import Cell, Column, Kind, Report, Row, rows_of


def _number(text: object) -> Decimal | None:
    try:
        return None if text is None else Decimal(str(text))
    except InvalidOperation:
        return None


def _day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


async def invoice_discrepancies(
    repo: ReportRepository, p: InvoiceDiscrepanciesParams, now: dt.datetime
) -> Report:
    names = await Names.load(repo)
    invoices = await repo.edi_invoices(p.supplier_id)
    lines = await repo.order_lines_with_skus([row.order_id for row in invoices])
    rows: list[Row] = []
    orders_off = 0

    def supplier(supplier_id: int) -> str:
        return names.of(names.suppliers, supplier_id)

    for found in invoices:
        order_lines = [
            OrderLine(n, line.line_id, line.sku, line.ordered, line.received, line.unit_cost)
            for n, line in enumerate(lines.get(found.order_id, []), start=1)
        ]
        result = match(order_lines, found.invoice if isinstance(found.invoice, dict) else {})
        orders_off += result["result"] == "discrepancies"
        invoice = found.invoice if isinstance(found.invoice, dict) else {}
        day = _day(invoice.get("date"))
        for line in result["lines"]:
            found_here = line["discrepancies"] or (["matches"] if p.matched_lines else [])
            figures: tuple[Cell, ...] = (
                line["ordered_quantity"],
                line["received_quantity"],
                _number(line["invoiced_quantity"]),
                _number(line["ordered_unit_cost"]),
                _number(line["invoiced_unit_price"]),
            )
            # One row per discrepancy, so each reads in full; the figures only on the first (totals).
            for n, discrepancy in enumerate(found_here):
                head = (
                    found.number,
                    supplier(found.supplier_id),
                    result["invoice_number"],
                    day,
                    line["sku"] or "",
                )
                rows.append((*head, *(figures if n == 0 else (None,) * len(figures)), discrepancy))
    parameters = [("At", now.strftime("%Y-%m-%d %H:%M UTC"))]
    if p.supplier_id is not None:
        parameters.insert(0, ("Supplier", names.of(names.suppliers, p.supplier_id)))
    parameters.append(("Lines", "all lines" if p.matched_lines else "discrepancies only"))
    parameters.append(("Invoices", f"{len(invoices)} ({orders_off} with discrepancies)"))
    return Report(
        "invoice_discrepancies",
        "Invoice discrepancies (three-way match)",
        parameters,
        [
            Column("PO", width=1.4),
            Column("Supplier", width=1.2),
            Column("Invoice", width=1.0),
            Column("Invoice date", Kind.DATE, width=0.9),
            Column("SKU", width=1.0),
            Column("Ordered", Kind.INT, total=True, width=0.7),
            Column("Received", Kind.INT, total=True, width=0.7),
            Column("Invoiced", Kind.NUMBER, total=True, width=0.7),
            Column("Unit cost", Kind.MONEY, width=0.7),
            Column("Invoiced price", Kind.MONEY, width=0.8),
            Column("Discrepancy", width=2.4),
        ],
        rows_of(rows),
        [
            "Every purchase order invoiced by EDI (810), per invoice line, one row per discrepancy: invoiced "
            "more than received or ordered, at another price than ordered, not on the order, or received "
            "but not invoiced. Received quantities as they stand now; a line's figures on its first row."
        ],
        landscape=True,
    )
