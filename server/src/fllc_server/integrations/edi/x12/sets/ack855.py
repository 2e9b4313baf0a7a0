"""855 Purchase Order Acknowledgment: BAK, then per line the PO1 as the seller states it and its
ACK segments (accepted, rejected, back-ordered, quantity/price/date changed), CTT."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from fllc_server.integrations.edi.x12.common import (
    Item,
    Row,
    read_item,
    read_totals,
    write_item,
    write_totals,
)
from fllc_server.integrations.edi.x12.elements import SegmentView, SetCursor, fmt_date, fmt_decimal, opt
from fllc_server.integrations.edi.x12.errors import ElementCode

SCHEDULED_SHIP = "068"
# The segments this module reads; with TOLERATED, every segment the set may hold.
MAPPED = frozenset(["BAK", "PO1", "PID", "ACK", "CTT"])
TOLERATED = frozenset(
    [
        "CUR",
        "REF",
        "PER",
        "TAX",
        "FOB",
        "CTP",
        "PAM",
        "CSH",
        "SAC",
        "ITD",
        "DIS",
        "DTM",
        "LDT",
        "N9",
        "MSG",
        "N1",
        "N2",
        "N3",
        "N4",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "TXI",
        "CTB",
        "SCH",
        "AMT",
    ]
)


class AckType(StrEnum):
    """BAK02 (element 587)."""

    WITH_DETAIL_AND_CHANGE = "AC"
    WITH_DETAIL_NO_CHANGE = "AD"
    NO_DETAIL = "AK"
    REJECTED_WITH_DETAIL = "RD"
    REJECTED = "RJ"


class LineStatus(StrEnum):
    """ACK01 (element 668): what the seller does with the line."""

    ACCEPTED = "IA"
    REJECTED = "IR"
    BACKORDERED = "IB"
    QUANTITY_CHANGED = "IQ"
    PRICE_CHANGED = "IP"
    DATE_RESCHEDULED = "DR"
    CHANGES_MADE = "IC"


@dataclass(frozen=True)
class LineAck:
    status: LineStatus
    quantity: Decimal | None = None
    unit: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class AckLine:
    item: Item
    acks: tuple[LineAck, ...] = ()


@dataclass(frozen=True)
class PurchaseOrderAck:
    set_id: ClassVar[str] = "855"
    functional_id: ClassVar[str] = "PR"

    po_number: str
    po_date: dt.date
    ack_type: AckType
    lines: tuple[AckLine, ...] = ()
    purpose: str = "00"
    seller_order_number: str | None = None


def write_ack(ack: LineAck) -> Row:
    quantity = "" if ack.quantity is None else fmt_decimal(ack.quantity)
    when = ("", "") if ack.date is None else (SCHEDULED_SHIP, fmt_date(ack.date))
    return ("ACK", (ack.status.value, quantity, opt(ack.unit), *when))


def write(doc: PurchaseOrderAck) -> list[Row]:
    rows: list[Row] = [
        (
            "BAK",
            (
                doc.purpose,
                doc.ack_type.value,
                doc.po_number,
                fmt_date(doc.po_date),
                "",
                "",
                "",
                opt(doc.seller_order_number),
            ),
        )
    ]
    for line in doc.lines:
        rows.extend(write_item("PO1", line.item))
        rows.extend(write_ack(ack) for ack in line.acks)
    rows.append(write_totals(len(doc.lines)))
    return rows


def read_ack(view: SegmentView) -> LineAck:
    status = LineStatus(view.code(1, {s.value for s in LineStatus}))
    quantity, unit = view.decimal(2, required=False), view.text(3, max_length=2, min_length=2)
    if (quantity is None) != (unit is None):
        raise view.fail(
            "ACK02 and ACK03 go together", 3 if unit is None else 2, ElementCode.CONDITIONAL_MISSING
        )
    date = None
    if view.text(4, max_length=3) is not None:
        date = view.date(5)
    return LineAck(status=status, quantity=quantity, unit=unit, date=date)


def read(cursor: SetCursor) -> PurchaseOrderAck:
    bak = cursor.take("BAK")
    lines = []
    while cursor.peek() == "PO1":
        item = read_item(cursor, "PO1")
        acks = tuple(read_ack(view) for view in cursor.repeated("ACK"))
        lines.append(AckLine(item=item, acks=acks))
    read_totals(cursor, len(lines))
    cursor.finish()
    po_date = bak.date(4)
    assert po_date is not None
    return PurchaseOrderAck(
        po_number=bak.required(3, max_length=22),
        po_date=po_date,
        ack_type=AckType(bak.code(2, {t.value for t in AckType})),
        lines=tuple(lines),
        purpose=bak.required(1, max_length=2, min_length=2),
        seller_order_number=bak.text(8, max_length=22),
    )
