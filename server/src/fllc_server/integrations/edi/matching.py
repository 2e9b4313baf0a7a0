"""The three-way match of an invoice (810): per line, ordered vs received vs invoiced, quantity and
price. Pure: it is given the order's lines and the stored invoice and says what disagrees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class OrderLine:
    position: int  # PO101 as we sent it: 1, 2, ... in line order
    line_id: int
    sku: str
    ordered_quantity: int
    received_quantity: int
    unit_cost: Decimal


def invoice_lines(invoice: Any) -> list[dict[str, Any]]:
    lines = invoice.get("lines", []) if isinstance(invoice, dict) else []
    return [line for line in lines if isinstance(line, dict)]


def find_line(lines: list[OrderLine], line_number: str | None, sku: str | None) -> OrderLine | None:
    """The order line a partner's line means: by our PO101 line number, else by our SKU (BP)."""
    if line_number is not None and line_number.isdigit():
        for line in lines:
            if line.position == int(line_number):
                return line
    if sku is not None:
        for line in lines:
            if line.sku == sku:
                return line
    return None


def _line_discrepancies(line: OrderLine, quantity: Decimal, price: Decimal | None) -> list[str]:
    found = []
    if quantity > line.received_quantity:
        found.append(f"invoiced {quantity} but received {line.received_quantity}")
    if quantity > line.ordered_quantity:
        found.append(f"invoiced {quantity} but ordered {line.ordered_quantity}")
    if price is not None and price != line.unit_cost:
        found.append(f"invoiced at {price} but ordered at {line.unit_cost}")
    return found


def match(lines: list[OrderLine], invoice: dict[str, Any]) -> dict[str, Any]:
    """{invoice_number, invoice_total, result: matched | discrepancies, lines: [...]}."""
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for item in invoice_lines(invoice):
        quantity = Decimal(item["quantity"])
        price = None if item.get("unit_price") is None else Decimal(item["unit_price"])
        line = find_line(lines, item.get("line_id"), item.get("buyer_part"))
        if line is None or line.line_id in seen:
            out.append(_unordered(item, quantity, price))
            continue
        seen.add(line.line_id)
        out.append(_matched(line, quantity, price, _line_discrepancies(line, quantity, price)))
    for line in lines:
        if line.line_id not in seen and line.received_quantity > 0:
            out.append(
                _matched(line, Decimal(0), None, [f"received {line.received_quantity} but not invoiced"])
            )
    result = "discrepancies" if any(row["discrepancies"] for row in out) else "matched"
    return {
        "invoice_number": str(invoice.get("number", "")),
        "invoice_total": str(invoice.get("total", "")),
        "result": result,
        "lines": out,
    }


def _matched(line: OrderLine, quantity: Decimal, price: Decimal | None, found: list[str]) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "ordered_quantity": line.ordered_quantity,
        "received_quantity": line.received_quantity,
        "invoiced_quantity": str(quantity),
        "ordered_unit_cost": str(line.unit_cost),
        "invoiced_unit_price": None if price is None else str(price),
        "discrepancies": found,
    }


def _unordered(item: dict[str, Any], quantity: Decimal, price: Decimal | None) -> dict[str, Any]:
    return {
        "line_id": None,
        "sku": item.get("buyer_part") or item.get("vendor_part"),
        "ordered_quantity": 0,
        "received_quantity": 0,
        "invoiced_quantity": str(quantity),
        "ordered_unit_cost": None,
        "invoiced_unit_price": None if price is None else str(price),
        "discrepancies": ["invoiced but not on the order"],
    }
