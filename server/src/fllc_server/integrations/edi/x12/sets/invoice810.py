"""810 Invoice: BIG, CUR, N1 loops, IT1 (+PID) lines, TDS (total, N2), CTT."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from fllc_server.integrations.edi.x12.common import (
    Item,
    Party,
    Row,
    read_item,
    read_parties,
    read_totals,
    write_item,
    write_party,
    write_totals,
)
from fllc_server.integrations.edi.x12.elements import SetCursor, fmt_date, fmt_implied, opt

# The segments this module reads; with TOLERATED, every segment the set may hold.
MAPPED = frozenset(["BIG", "CUR", "N1", "N3", "N4", "IT1", "PID", "TDS", "CTT"])
TOLERATED = frozenset(
    [
        "NTE",
        "REF",
        "PER",
        "ITD",
        "DTM",
        "FOB",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "CTP",
        "SAC",
        "TXI",
        "CAD",
        "AMT",
        "ISS",
        "SLN",
        "N2",
        "IT3",
        "TC2",
        "YNQ",
        "SDQ",
    ]
)


@dataclass(frozen=True)
class Invoice:
    set_id: ClassVar[str] = "810"
    functional_id: ClassVar[str] = "IN"

    number: str
    date: dt.date
    lines: tuple[Item, ...]
    total: Decimal
    po_number: str | None = None
    po_date: dt.date | None = None
    currency: str | None = None
    parties: tuple[Party, ...] = ()

    @property
    def lines_total(self) -> Decimal:
        return sum((line.quantity * (line.unit_price or 0) for line in self.lines), start=Decimal(0))


def write(doc: Invoice) -> list[Row]:
    po_date = "" if doc.po_date is None else fmt_date(doc.po_date)
    rows: list[Row] = [("BIG", (fmt_date(doc.date), doc.number, po_date, opt(doc.po_number)))]
    if doc.currency is not None:
        rows.append(("CUR", ("SE", doc.currency)))
    for party in doc.parties:
        rows.extend(write_party(party))
    for line in doc.lines:
        rows.extend(write_item("IT1", line))
    rows.append(("TDS", (fmt_implied(doc.total, 2, "TDS", 1),)))
    rows.append(write_totals(len(doc.lines)))
    return rows


def read(cursor: SetCursor) -> Invoice:
    big = cursor.take("BIG")
    cur = cursor.optional("CUR")
    parties = read_parties(cursor)
    lines = [read_item(cursor, "IT1", price_required=True)]
    while cursor.peek() == "IT1":
        lines.append(read_item(cursor, "IT1", price_required=True))
    total = cursor.take("TDS").implied(1, 2)
    read_totals(cursor, len(lines))
    cursor.finish()
    date = big.date(1)
    assert date is not None
    return Invoice(
        number=big.required(2, max_length=22),
        date=date,
        lines=tuple(lines),
        total=total,
        po_number=big.text(4, max_length=22),
        po_date=big.date(3, required=False),
        currency=cur.required(2, max_length=3, min_length=3) if cur else None,
        parties=parties,
    )
