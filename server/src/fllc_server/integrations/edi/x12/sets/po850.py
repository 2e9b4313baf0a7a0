"""850 Purchase Order: BEG, CUR, DTM*002, N1 loops, PO1 (+PID) lines, CTT."""

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
from fllc_server.integrations.edi.x12.elements import SetCursor, fmt_date

REQUESTED_DELIVERY = "002"
# Segments of the 004010 850 table this codec does not map; they are read past, not refused.
# The segments this module reads; with TOLERATED, every segment the set may hold.
MAPPED = frozenset(["BEG", "CUR", "DTM", "N1", "N3", "N4", "PO1", "PID", "CTT"])
TOLERATED = frozenset(
    [
        "REF",
        "PER",
        "TAX",
        "FOB",
        "CTP",
        "PAM",
        "CSH",
        "TC2",
        "SAC",
        "ITD",
        "DIS",
        "INC",
        "LDT",
        "LIN",
        "SI",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "PCT",
        "CTB",
        "TXI",
        "AMT",
        "N9",
        "MSG",
        "N2",
        "NX2",
        "SCH",
        "CN1",
        "PO3",
        "PO4",
        "IT8",
        "AMT",
        "QTY",
    ]
)


@dataclass(frozen=True)
class PurchaseOrder:
    set_id: ClassVar[str] = "850"
    functional_id: ClassVar[str] = "PO"

    number: str
    date: dt.date
    lines: tuple[Item, ...]
    purpose: str = "00"
    order_type: str = "SA"
    currency: str | None = None
    requested_delivery: dt.date | None = None
    parties: tuple[Party, ...] = ()


def write(order: PurchaseOrder) -> list[Row]:
    rows: list[Row] = [("BEG", (order.purpose, order.order_type, order.number, "", fmt_date(order.date)))]
    if order.currency is not None:
        rows.append(("CUR", ("BY", order.currency)))
    if order.requested_delivery is not None:
        rows.append(("DTM", (REQUESTED_DELIVERY, fmt_date(order.requested_delivery))))
    for party in order.parties:
        rows.extend(write_party(party))
    for line in order.lines:
        rows.extend(write_item("PO1", line))
    rows.append(
        write_totals(len(order.lines), sum((line.quantity for line in order.lines), start=Decimal(0)))
    )
    return rows


def read(cursor: SetCursor) -> PurchaseOrder:
    beg = cursor.take("BEG")
    cur = cursor.optional("CUR")
    delivery = None
    for dtm in cursor.repeated("DTM"):
        if dtm.required(1, max_length=3) == REQUESTED_DELIVERY:
            delivery = dtm.date(2)
    parties = read_parties(cursor)
    lines = [read_item(cursor, "PO1")]
    while cursor.peek() == "PO1":
        lines.append(read_item(cursor, "PO1"))
    read_totals(cursor, len(lines), sum((line.quantity for line in lines), start=Decimal(0)))
    cursor.finish()
    date = beg.date(5)
    assert date is not None
    return PurchaseOrder(
        number=beg.required(3, max_length=22),
        date=date,
        lines=tuple(lines),
        purpose=beg.required(1, max_length=2, min_length=2),
        order_type=beg.required(2, max_length=2, min_length=2),
        currency=cur.required(2, max_length=3, min_length=3) if cur else None,
        requested_delivery=delivery,
        parties=parties,
    )
