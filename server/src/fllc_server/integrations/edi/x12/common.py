"""Loops shared by several transaction sets: the N1 party loop and item lines (PO1 / IT1)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fllc_server.integrations.edi.x12.elements import (
    SegmentView,
    SetCursor,
    fmt_decimal,
    opt,
)
from fllc_server.integrations.edi.x12.errors import ElementCode

Row = tuple[str, tuple[str, ...]]

# PO106/107.. and LIN02/03..: the product id qualifiers this codec maps.
BUYER_PART, VENDOR_PART, UPC = "BP", "VP", "UP"


@dataclass(frozen=True)
class Party:
    """An N1 loop: who (N101: ST ship-to, BY buyer, SE seller, SF ship-from, RE remit-to, ...)."""

    role: str
    name: str | None  # N102; N1 needs a name or an id (N103/N104), or both
    id_qualifier: str | None = None
    identifier: str | None = None
    address: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Item:
    """One line of goods as PO1 (850, 855) and IT1 (810) carry it."""

    line_id: str | None  # PO101 / IT101: the buyer's line number (optional in the standard)
    quantity: Decimal
    unit: str
    unit_price: Decimal | None = None
    buyer_part: str | None = None
    vendor_part: str | None = None
    upc: str | None = None
    description: str | None = None


def write_party(party: Party) -> list[Row]:
    rows: list[Row] = [("N1", (party.role, opt(party.name), opt(party.id_qualifier), opt(party.identifier)))]
    for start in range(0, len(party.address), 2):
        rows.append(("N3", tuple(party.address[start : start + 2])))
    if any((party.city, party.state, party.postal_code, party.country)):
        rows.append(("N4", (opt(party.city), opt(party.state), opt(party.postal_code), opt(party.country))))
    return rows


def read_parties(cursor: SetCursor) -> tuple[Party, ...]:
    parties = []
    while (n1 := cursor.optional("N1")) is not None:
        qualifier, identifier = n1.text(3, max_length=2), n1.text(4)
        if (qualifier is None) != (identifier is None):
            raise n1.fail(
                "N103 and N104 go together", 4 if identifier is None else 3, ElementCode.CONDITIONAL_MISSING
            )
        name = n1.text(2, max_length=60)
        if name is None and identifier is None:
            raise n1.fail("N1 needs N102 or N103/N104", 2, ElementCode.CONDITIONAL_MISSING)
        address: list[str] = []
        for n3 in cursor.repeated("N3"):
            address.append(n3.required(1, max_length=55))
            if (second := n3.text(2, max_length=55)) is not None:
                address.append(second)
        n4 = cursor.optional("N4")
        parties.append(
            Party(
                role=n1.required(1, max_length=3, min_length=2),
                name=name,
                id_qualifier=qualifier,
                identifier=identifier,
                address=tuple(address),
                city=n4.text(1, max_length=30) if n4 else None,
                state=n4.text(2, max_length=2) if n4 else None,
                postal_code=n4.text(3, max_length=15) if n4 else None,
                country=n4.text(4, max_length=3) if n4 else None,
            )
        )
    return tuple(parties)


def product_ids(item: Item) -> tuple[str, ...]:
    pairs = ((BUYER_PART, item.buyer_part), (VENDOR_PART, item.vendor_part), (UPC, item.upc))
    return tuple(part for qualifier, value in pairs if value is not None for part in (qualifier, value))


def read_product_ids(view: SegmentView, first: int) -> dict[str, str]:
    """Qualifier/value pairs from element `first` on; qualifiers other than BP/VP/UP are skipped."""
    found: dict[str, str] = {}
    for n in range(first, view.count + 1, 2):
        qualifier, value = view.text(n, max_length=2), view.text(n + 1, max_length=48)
        if qualifier is None and value is None:
            continue
        if qualifier is None or value is None:
            missing = n if qualifier is None else n + 1
            raise view.fail(
                "a product id needs its qualifier and its value", missing, ElementCode.CONDITIONAL_MISSING
            )
        if qualifier in (BUYER_PART, VENDOR_PART, UPC) and qualifier not in found:
            found[qualifier] = value
    return found


def write_item(tag: str, item: Item) -> list[Row]:
    price = "" if item.unit_price is None else fmt_decimal(item.unit_price)
    rows: list[Row] = [
        (tag, (opt(item.line_id), fmt_decimal(item.quantity), item.unit, price, "", *product_ids(item)))
    ]
    if item.description is not None:
        rows.append(("PID", ("F", "", "", "", item.description)))
    return rows


def read_item(cursor: SetCursor, tag: str, *, price_required: bool = False) -> Item:
    view = cursor.take(tag)
    ids = read_product_ids(view, 6)
    pid = cursor.optional("PID")
    return Item(
        line_id=view.text(1, max_length=20),
        quantity=view.amount(2),
        unit=view.required(3, max_length=2, min_length=2),
        unit_price=view.decimal(4, required=price_required),
        buyer_part=ids.get(BUYER_PART),
        vendor_part=ids.get(VENDOR_PART),
        upc=ids.get(UPC),
        description=pid.required(5, max_length=80) if pid else None,
    )


def write_totals(line_count: int, hash_total: Decimal | None = None) -> Row:
    return ("CTT", (str(line_count), "" if hash_total is None else fmt_decimal(hash_total)))


def read_totals(cursor: SetCursor, line_count: int, hash_total: Decimal | None = None) -> None:
    """CTT01 must count the lines; a CTT02 hash total that disagrees is noted, not refused."""
    ctt = cursor.optional("CTT")
    if ctt is None:
        return
    if ctt.integer(1, max_length=6) != line_count:
        raise ctt.fail(
            f"CTT01 says {ctt.raw(1)} lines; the set has {line_count}", 1, ElementCode.INVALID_CODE
        )
    stated = ctt.decimal(2, required=False)
    if hash_total is not None and stated is not None and stated != hash_total:
        cursor.notes.append(
            ctt.fail(f"hash total {stated}, the lines add up to {hash_total}", 2, ElementCode.INVALID_CODE)
        )
