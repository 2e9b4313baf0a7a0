"""856 Ship Notice/Manifest in the Shipment/Order/Pack/Item hierarchy (BSN05 = 0001).

HL*n**S carries the shipment (DTM 011/017, TD5 carrier, REF*BM, N1 loops), HL*n*p*O the
purchase order (PRF), HL*n*p*P a carton (MAN*GM with its SSCC-18, written with the GS1 "00"
application identifier in front) and HL*n*p*I an item in it (LIN, SN1). HL ids are written 1, 2,
3, ... and on reading each HL's parent must be the nearest open level above it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from fllc_server.integrations.edi.x12 import sscc as sscc_codes
from fllc_server.integrations.edi.x12.common import (
    BUYER_PART,
    UPC,
    VENDOR_PART,
    Party,
    Row,
    read_parties,
    read_product_ids,
    read_totals,
    write_party,
    write_totals,
)
from fllc_server.integrations.edi.x12.elements import (
    REAL,
    SegmentView,
    SetCursor,
    fmt_date,
    fmt_decimal,
    fmt_time,
    opt,
)
from fllc_server.integrations.edi.x12.errors import ElementCode, SegmentCode, SegmentError
from fllc_server.integrations.edi.x12.syntax import Fields

SHIPPED, ESTIMATED_DELIVERY = "011", "017"
PICK_AND_PACK = "0001"
SSCC_QUALIFIER = "GM"
LEVELS = ("S", "O", "P", "I")
PRODUCT_QUALIFIERS = frozenset((BUYER_PART, VENDOR_PART, UPC))
# The segments this module reads; with TOLERATED, every segment the set may hold.
MAPPED = frozenset(["BSN", "HL", "DTM", "TD5", "REF", "N1", "N3", "N4", "PRF", "MAN", "LIN", "SN1", "CTT"])
TOLERATED = frozenset(
    [
        "TD1",
        "TD3",
        "TD4",
        "PER",
        "FOB",
        "PID",
        "MEA",
        "PWK",
        "PKG",
        "LH1",
        "LH2",
        "LH3",
        "LFH",
        "LEP",
        "LH4",
        "LHT",
        "LHR",
        "PAL",
        "CLD",
        "SLN",
        "SN1",
        "PO4",
        "SAC",
        "CUR",
        "ITD",
        "INV",
        "TC2",
        "TSD",
        "YNQ",
        "N2",
        "GF",
        "MAN",
    ]
) - {"SN1", "MAN"}


@dataclass(frozen=True)
class PackItem:
    quantity: Decimal
    unit: str
    line_id: str | None = None
    vendor_part: str | None = None
    buyer_part: str | None = None
    upc: str | None = None


@dataclass(frozen=True)
class Pack:
    sscc: str
    items: tuple[PackItem, ...] = ()


@dataclass(frozen=True)
class ShipmentOrder:
    po_number: str
    packs: tuple[Pack, ...] = ()


@dataclass(frozen=True)
class ShipNotice:
    set_id: ClassVar[str] = "856"
    functional_id: ClassVar[str] = "SH"

    shipment_id: str
    date: dt.date
    time: dt.time
    orders: tuple[ShipmentOrder, ...]
    purpose: str = "00"
    shipped: dt.date | None = None
    estimated_delivery: dt.date | None = None
    carrier: str | None = None
    bill_of_lading: str | None = None
    parties: tuple[Party, ...] = ()


class _Levels:
    def __init__(self) -> None:
        self.count = 0

    def open(self, parent: int | None, level: str) -> Row:
        self.count += 1
        return ("HL", (str(self.count), "" if parent is None else str(parent), level))


def _write_shipment(doc: ShipNotice) -> list[Row]:
    rows: list[Row] = []
    for qualifier, when in ((SHIPPED, doc.shipped), (ESTIMATED_DELIVERY, doc.estimated_delivery)):
        if when is not None:
            rows.append(("DTM", (qualifier, fmt_date(when))))
    if doc.carrier is not None:
        rows.append(("TD5", ("", "2", doc.carrier)))
    if doc.bill_of_lading is not None:
        rows.append(("REF", ("BM", doc.bill_of_lading)))
    for party in doc.parties:
        rows.extend(write_party(party))
    return rows


def _write_item(item: PackItem) -> list[Row]:
    pairs = ((VENDOR_PART, item.vendor_part), (BUYER_PART, item.buyer_part), (UPC, item.upc))
    ids = tuple(part for qualifier, value in pairs if value is not None for part in (qualifier, value))
    return [("LIN", (opt(item.line_id), *ids)), ("SN1", ("", fmt_decimal(item.quantity), item.unit))]


def write(doc: ShipNotice) -> list[Row]:
    levels = _Levels()
    rows: list[Row] = [
        ("BSN", (doc.purpose, doc.shipment_id, fmt_date(doc.date), fmt_time(doc.time), PICK_AND_PACK))
    ]
    rows.append(levels.open(None, "S"))
    rows.extend(_write_shipment(doc))
    for order in doc.orders:
        rows.append(levels.open(1, "O"))
        order_id = levels.count
        rows.append(("PRF", (order.po_number,)))
        for pack in order.packs:
            rows.append(levels.open(order_id, "P"))
            pack_id = levels.count
            rows.append(("MAN", (SSCC_QUALIFIER, "00" + pack.sscc)))
            for item in pack.items:
                rows.append(levels.open(pack_id, "I"))
                rows.extend(_write_item(item))
    rows.append(write_totals(levels.count))
    return rows


class _Hierarchy:
    """Checks HL01/HL02/HL03 as they are read and remembers the open id of each level."""

    def __init__(self) -> None:
        self.count = 0
        self.open: dict[str, int] = {}

    def enter(self, hl: SegmentView, expected: str) -> None:
        self.count += 1
        if hl.integer(1, max_length=12) != self.count:
            raise hl.fail(f"HL01 is {hl.raw(1)!r}; the next id is {self.count}", 1, ElementCode.INVALID_CODE)
        level = hl.code(3, LEVELS)
        if level != expected:
            raise hl.fail(f"level {level} where {expected} belongs", 3, ElementCode.INVALID_CODE)
        parent_level = LEVELS[LEVELS.index(level) - 1] if level != "S" else None
        parent = hl.text(2, max_length=12)
        wanted = None if parent_level is None else str(self.open[parent_level])
        if parent != wanted:
            raise hl.fail(f"HL02 is {parent!r}, the parent is {wanted!r}", 2, ElementCode.INVALID_CODE)
        self.open[level] = self.count


@dataclass
class _ShipmentLevel:
    shipped: dt.date | None = None
    estimated_delivery: dt.date | None = None
    carrier: str | None = None
    bill_of_lading: str | None = None
    parties: tuple[Party, ...] = ()


def _read_shipment(cursor: SetCursor) -> _ShipmentLevel:
    found = _ShipmentLevel()
    for dtm in cursor.repeated("DTM"):
        qualifier = dtm.required(1, max_length=3)
        if qualifier == SHIPPED:
            found.shipped = dtm.date(2)
        elif qualifier == ESTIMATED_DELIVERY:
            found.estimated_delivery = dtm.date(2)
    if (td5 := cursor.optional("TD5")) is not None:
        found.carrier = td5.text(3, max_length=80)
    for ref in cursor.repeated("REF"):
        if ref.required(1, max_length=3) == "BM":
            found.bill_of_lading = ref.required(2, max_length=50)
    found.parties = read_parties(cursor)
    return found


def _read_sscc(man: SegmentView) -> str:
    man.code(1, {SSCC_QUALIFIER})
    value = man.required(2, max_length=20, min_length=18)
    code = value[2:] if len(value) == 20 and value.startswith("00") else value
    if not sscc_codes.is_valid(code):
        raise man.fail(f"{value!r} is not an SSCC-18 with a valid check digit", 2, ElementCode.INVALID_CODE)
    return code


def _read_item(cursor: SetCursor) -> PackItem:
    lin = cursor.take("LIN")
    ids = read_product_ids(lin, 2)
    sn1 = cursor.take("SN1")
    return PackItem(
        quantity=sn1.amount(2),
        unit=sn1.required(3, max_length=2, min_length=2),
        line_id=lin.text(1, max_length=20),
        vendor_part=ids.get(VENDOR_PART),
        buyer_part=ids.get(BUYER_PART),
        upc=ids.get(UPC),
    )


def _read_packs(cursor: SetCursor, levels: _Hierarchy, cache: _Cache) -> list[Pack]:
    """The order's packs: as many as can be read straight off the rows, each other one checked."""
    packs: list[Pack] = []
    while _next_level(cursor) == "P":
        if not _read_packs_directly(cursor, levels, cache, packs):
            packs.append(_read_pack_checked(cursor, levels))
    return packs


def _read_pack_checked(cursor: SetCursor, levels: _Hierarchy) -> Pack:
    """A pack read element by element: each fault is raised naming its segment and element."""
    levels.enter(cursor.take("HL"), "P")
    code = _read_sscc(cursor.take("MAN"))
    items = []
    while _next_level(cursor) == "I":
        levels.enter(cursor.take("HL"), "I")
        items.append(_read_item(cursor))
    return Pack(sscc=code, items=tuple(items))


class _Cache:
    """What was read already, by the text it was read from: an item by its LIN and SN1 rows (an
    856 repeats the same contents carton after carton), an SN102 quantity by its text."""

    __slots__ = ("items", "quantities")

    def __init__(self) -> None:
        self.items: dict[tuple[Fields, Fields], PackItem] = {}
        self.quantities: dict[str, Decimal] = {}


def _read_packs_directly(cursor: SetCursor, levels: _Hierarchy, cache: _Cache, packs: list[Pack]) -> bool:
    """Packs from the cursor (at an HL) on, read straight off the rows in one pass, appended to
    `packs`; False when it stopped at a pack it cannot read so (cursor and levels at that pack).

    Cartons are most of an 856, so the common case is read here without a view per segment: it
    accepts only what `_read_pack_checked` accepts and makes the same packs. On anything else
    (a fault, but also a valid rarity such as HL01 "007") it stops before that pack having
    changed nothing of it, and the pack is read by `_read_pack_checked`, which names the fault.
    Each pack is committed (cursor, levels) once read, so a stop never undoes the ones before.
    """
    rows = cursor.rows
    end, index, count = len(rows), cursor.index, levels.count
    order_id = str(levels.open["O"])
    while index < end:
        hl = rows[index]
        if hl[0] != "HL" or len(hl) < 4 or hl[3] != "P":
            return True  # the next level: this order's packs are done
        pack = count + 1
        if hl[1] != str(pack) or hl[2] != order_id:
            return False
        at = _skip_tolerated(cursor, index + 1)
        code = _sscc_directly(rows[at]) if at < end else None
        read = None if code is None else _read_items_directly(cursor, at + 1, pack, cache)
        if code is None or read is None:
            return False
        items, at, count = read
        packs.append(Pack(code, tuple(items)))
        levels.open["P"] = pack
        if items:
            levels.open["I"] = count
        levels.count = count
        cursor.index = index = at
    return True


def _skip_tolerated(cursor: SetCursor, index: int) -> int:
    rows, tolerated = cursor.rows, cursor.tolerated
    if cursor.mixed:
        while index < len(rows) and rows[index][0] in tolerated:
            index += 1
    return index


def _read_items_directly(
    cursor: SetCursor, at: int, pack: int, cache: _Cache
) -> tuple[list[PackItem], int, int] | None:
    """The item levels of pack `pack` from row `at` on: (the items, the row after them, the last
    HL id), or None if one is not as `_read_item` wants it. An item whose LIN and SN1 were read
    before is taken from the cache (the same text reads as the same item)."""
    rows, mixed, seen = cursor.rows, cursor.mixed, cache.items
    end, pack_id, last = len(rows), str(pack), pack
    items: list[PackItem] = []
    while True:
        if mixed:
            at = _skip_tolerated(cursor, at)
        hl = rows[at] if at < end else ("",)
        if hl[0] != "HL" or len(hl) < 4 or hl[3] != "I":
            return items, at, last  # the next pack, order or the end of the hierarchy
        last += 1
        lin = _skip_tolerated(cursor, at + 1) if mixed else at + 1
        sn1 = _skip_tolerated(cursor, lin + 1) if mixed else lin + 1
        if sn1 >= end or hl[1] != str(last) or hl[2] != pack_id:
            return None
        key = (rows[lin], rows[sn1])
        item = seen.get(key)
        if item is None:
            item = _item_directly(key[0], key[1], cache.quantities)
            if item is None:
                return None
            seen[key] = item
        items.append(item)
        at = sn1 + 1


def _sscc_directly(man: Fields) -> str | None:
    """The carton's SSCC if its MAN is as `_read_sscc` wants it, else None."""
    if man[0] != "MAN" or len(man) < 3 or man[1] != SSCC_QUALIFIER or not 18 <= len(man[2]) <= 20:
        return None
    value = man[2]
    code = value[2:] if len(value) == 20 and value.startswith("00") else value
    return code if sscc_codes.is_valid(code) else None


def _item_directly(lin: Fields, sn1: Fields, quantities: dict[str, Decimal]) -> PackItem | None:
    """An item from its LIN and SN1 as `_read_item` reads them when nothing is wrong; else None."""
    size = len(lin)
    line_id = lin[1] if size > 1 else ""
    if lin[0] != "LIN" or sn1[0] != "SN1" or len(sn1) < 4 or len(sn1[3]) != 2 or len(line_id) > 20:
        return None
    quantity = quantities.get(sn1[2])
    if quantity is None:
        text = sn1[2]
        if not 1 <= len(text) <= 18 or REAL.fullmatch(text) is None:
            return None
        quantity = quantities[text] = Decimal(text)
    if size > 2 and size % 2 and lin[-1]:
        return None  # a last qualifier without its value
    ids: dict[str, str | None] = {VENDOR_PART: None, BUYER_PART: None, UPC: None}
    for n in range(2, size - 1, 2):
        qualifier, value = lin[n], lin[n + 1]
        if not qualifier or not value or len(qualifier) > 2 or len(value) > 48:
            if qualifier or value:
                return None
        elif ids.get(qualifier, "") is None:
            ids[qualifier] = value
    return PackItem(quantity, sn1[3], line_id or None, ids[VENDOR_PART], ids[BUYER_PART], ids[UPC])


def _read_order(cursor: SetCursor, levels: _Hierarchy, cache: _Cache) -> ShipmentOrder:
    levels.enter(cursor.take("HL"), "O")
    po_number = cursor.take("PRF").required(1, max_length=22)
    cursor.repeated("REF")  # order-level references (REF*IA, REF*DP, ...) are not mapped
    cursor.repeated("DTM")
    read_parties(cursor)  # nor are order-level parties (N1*BY, N1*Z7)
    return ShipmentOrder(po_number=po_number, packs=tuple(_read_packs(cursor, levels, cache)))


def _next_level(cursor: SetCursor) -> str | None:
    if cursor.peek() != "HL":
        return None
    row = cursor.rows[cursor.index]
    return row[3] if len(row) > 3 else ""


def read(cursor: SetCursor) -> ShipNotice:
    bsn = cursor.take("BSN")
    structure = bsn.text(5, max_length=4)
    if structure not in (None, PICK_AND_PACK):
        raise bsn.fail(f"hierarchy {structure} is not supported (only 0001)", 5, ElementCode.INVALID_CODE)
    levels = _Hierarchy()
    levels.enter(cursor.take("HL"), "S")
    shipment = _read_shipment(cursor)
    orders = []
    cache = _Cache()
    while _next_level(cursor) == "O":
        orders.append(_read_order(cursor, levels, cache))
    if cursor.peek() == "HL":
        hl = cursor.take("HL")
        raise SegmentError(
            f"HL level {hl.raw(3)!r} out of order",
            SegmentCode.OUT_OF_SEQUENCE,
            segment="HL",
            position=hl.position,
        )
    read_totals(cursor, levels.count)
    cursor.finish()
    date, time = bsn.date(3), bsn.time(4)
    assert date is not None
    assert time is not None
    return ShipNotice(
        shipment_id=bsn.required(2, max_length=30, min_length=2),
        date=date,
        time=time,
        orders=tuple(orders),
        purpose=bsn.required(1, max_length=2, min_length=2),
        shipped=shipment.shipped,
        estimated_delivery=shipment.estimated_delivery,
        carrier=shipment.carrier,
        bill_of_lading=shipment.bill_of_lading,
        parties=shipment.parties,
    )
