"""Property: for any interchange the models can hold, decode(encode(x)) == x, under any usable
delimiters and both versions; and the 997 answering it is itself a valid interchange."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.x12 import sscc
from hypothesis import given, settings
from hypothesis import strategies as st

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -.,/#&()"
DELIMITER_CHARS = "*~^|:>!`{}\x1c\x1d\x1e\x1f\n"


def text(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(ALPHABET, min_size=min_size, max_size=max_size)


def code(size: int) -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=size, max_size=size)


def ident(max_size: int) -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=max_size)


dates = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
minutes = st.times().map(lambda t: t.replace(second=0, microsecond=0))
seconds = st.times().map(lambda t: t.replace(microsecond=0))
amounts = st.decimals(min_value=-10_000, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False)
units = code(2)


@st.composite
def parties(draw: st.DrawFn) -> x12.Party:
    identified = draw(st.booleans())
    return x12.Party(
        role=draw(code(2)),
        name=draw(text(60)) if not identified or draw(st.booleans()) else None,
        id_qualifier=draw(ident(2)) if identified else None,
        identifier=draw(text(30)) if identified else None,
        address=tuple(draw(st.lists(text(55), max_size=4))),
        city=draw(st.none() | text(30)),
        state=draw(st.none() | code(2)),
        postal_code=draw(st.none() | ident(15)),
        country=draw(st.none() | code(3)),
    )


items = st.builds(
    x12.Item,
    line_id=st.none() | ident(20),
    quantity=quantities,
    unit=units,
    unit_price=st.none() | amounts,
    buyer_part=st.none() | text(48),
    vendor_part=st.none() | text(48),
    upc=st.none() | st.text("0123456789", min_size=12, max_size=14),
    description=st.none() | text(80),
)
priced_items = items.filter(lambda item: item.unit_price is not None)

purchase_orders = st.builds(
    x12.PurchaseOrder,
    number=text(22),
    date=dates,
    lines=st.lists(items, min_size=1, max_size=5).map(tuple),
    purpose=st.sampled_from(["00", "01", "05"]),
    order_type=st.sampled_from(["SA", "DS", "NE"]),
    currency=st.none() | code(3),
    requested_delivery=st.none() | dates,
    parties=st.lists(parties(), max_size=3).map(tuple),
)


@st.composite
def line_acks(draw: st.DrawFn) -> x12.LineAck:
    with_quantity = draw(st.booleans())
    return x12.LineAck(
        status=draw(st.sampled_from(x12.LineStatus)),
        quantity=draw(quantities) if with_quantity else None,
        unit=draw(units) if with_quantity else None,
        date=draw(st.none() | dates),
    )


acknowledgements = st.builds(
    x12.PurchaseOrderAck,
    po_number=text(22),
    po_date=dates,
    ack_type=st.sampled_from(x12.AckType),
    lines=st.lists(
        st.builds(x12.AckLine, item=items, acks=st.lists(line_acks(), max_size=3).map(tuple)), max_size=4
    ).map(tuple),
    purpose=st.sampled_from(["00", "06"]),
    seller_order_number=st.none() | text(22),
)

ssccs = st.builds(
    sscc.make, st.integers(0, 9), st.sampled_from(["0614141", "012345", "98765432"]), st.integers(0, 99_999)
)
pack_items = st.builds(
    x12.PackItem,
    quantity=quantities,
    unit=units,
    line_id=st.none() | ident(20),
    vendor_part=st.none() | text(48),
    buyer_part=st.none() | text(48),
    upc=st.none() | st.text("0123456789", min_size=12, max_size=14),
)
packs = st.builds(x12.Pack, sscc=ssccs, items=st.lists(pack_items, max_size=3).map(tuple))
ship_notices = st.builds(
    x12.ShipNotice,
    shipment_id=text(30, min_size=2),
    date=dates,
    time=seconds,
    orders=st.lists(
        st.builds(x12.ShipmentOrder, po_number=text(22), packs=st.lists(packs, max_size=3).map(tuple)),
        max_size=3,
    ).map(tuple),
    purpose=st.sampled_from(["00", "05"]),
    shipped=st.none() | dates,
    estimated_delivery=st.none() | dates,
    carrier=st.none() | ident(4),
    bill_of_lading=st.none() | text(30),
    parties=st.lists(parties(), max_size=2).map(tuple),
)
invoices = st.builds(
    x12.Invoice,
    number=text(22),
    date=dates,
    lines=st.lists(priced_items, min_size=1, max_size=5).map(tuple),
    total=amounts,
    po_number=st.none() | text(22),
    po_date=st.none() | dates,
    currency=st.none() | code(3),
    parties=st.lists(parties(), max_size=2).map(tuple),
)
element_notes = st.builds(
    x12.ElementNote,
    position=st.integers(1, 99),
    code=st.sampled_from(x12.ElementCode),
    reference=st.none() | st.integers(1, 9999),
    bad_value=st.none() | text(40),
)
segment_notes = st.builds(
    x12.SegmentNote,
    segment_id=ident(3).filter(lambda s: s[0].isalpha()),
    position=st.integers(1, 999_999),
    code=st.none() | st.sampled_from(x12.SegmentCode),
    loop_id=st.none() | ident(6),
    elements=st.lists(element_notes, max_size=3).map(tuple),
)
set_acks = st.builds(
    x12.SetAck,
    set_id=st.sampled_from(["850", "855", "856", "810"]),
    control_number=st.text("0123456789", min_size=4, max_size=9),
    status=st.sampled_from(
        [x12.AckStatus.ACCEPTED, x12.AckStatus.ACCEPTED_WITH_ERRORS, x12.AckStatus.REJECTED]
    ),
    codes=st.lists(st.sampled_from(x12.SetCode), max_size=5).map(tuple),
    segments=st.lists(segment_notes, max_size=3).map(tuple),
)
functional_acks = st.builds(
    x12.FunctionalAck,
    group_functional_id=st.sampled_from(["PO", "PR", "SH", "IN"]),
    group_control_number=st.integers(1, 999_999_999),
    status=st.sampled_from(x12.AckStatus),
    included=st.integers(0, 999_999),
    received=st.integers(0, 999_999),
    accepted=st.integers(0, 999_999),
    sets=st.lists(set_acks, max_size=3).map(tuple),
    codes=st.lists(st.sampled_from(x12.GroupCode), max_size=5).map(tuple),
    group_version=st.none() | st.sampled_from(["004010", "005010"]),
)

SET_STRATEGIES: list[st.SearchStrategy[x12.Document]] = [
    purchase_orders,
    acknowledgements,
    ship_notices,
    invoices,
    functional_acks,
]


@st.composite
def groups(draw: st.DrawFn, version: x12.Version, number: int) -> x12.FunctionalGroup:
    kind = draw(st.sampled_from(SET_STRATEGIES))
    docs: list[x12.Document] = draw(st.lists(kind, min_size=1, max_size=3))
    numbers = draw(
        st.lists(
            st.text("0123456789", min_size=4, max_size=9), min_size=len(docs), max_size=len(docs), unique=True
        )
    )
    return x12.FunctionalGroup(
        functional_id=docs[0].functional_id,
        sender_id=draw(ident(15)),
        receiver_id=draw(ident(15)),
        date=draw(dates),
        time=draw(seconds),
        control_number=number,
        version=version.group_version,
        sets=tuple(x12.TransactionSet(n, d) for n, d in zip(numbers, docs, strict=True)),
    )


interchange_acks = st.builds(
    x12.InterchangeAck,
    control_number=st.integers(1, 999_999_999),
    date=dates,
    time=minutes,
    status=st.sampled_from(x12.Ta1Status),
    note=st.sampled_from(x12.Ta1Note),
)


@st.composite
def interchanges(draw: st.DrawFn) -> x12.Interchange:
    version = draw(st.sampled_from(x12.Version))
    numbers = draw(st.lists(st.integers(1, 999_999_999), max_size=3, unique=True))
    return x12.Interchange(
        sender_qualifier=draw(st.sampled_from(["01", "12", "14", "ZZ"])),
        sender_id=draw(ident(15)),
        receiver_qualifier=draw(st.sampled_from(["01", "08", "ZZ"])),
        receiver_id=draw(ident(15)),
        date=draw(dates),
        time=draw(minutes),
        control_number=draw(st.integers(1, 999_999_999)),
        version=version,
        usage=draw(st.sampled_from(x12.Usage)),
        ack_requested=draw(st.booleans()),
        groups=tuple(draw(groups(version, n)) for n in numbers),
        acks=tuple(draw(st.lists(interchange_acks, max_size=2))),
    )


delimiter_sets = st.lists(st.sampled_from(DELIMITER_CHARS), min_size=4, max_size=4, unique=True).map(
    lambda chars: x12.Delimiters(*chars)
)


@settings(max_examples=150, deadline=None)
@given(interchanges(), delimiter_sets, st.sampled_from(["", "\n", "\r\n"]))
def test_decode_encode_round_trip(
    interchange: x12.Interchange, delimiters: x12.Delimiters, line_ending: str
) -> None:
    if delimiters.segment in "\r\n":
        line_ending = ""
    data = x12.encode(interchange, delimiters, line_ending=line_ending)
    assert x12.decode(data) == interchange
    assert x12.read_interchange(data).delimiters.element == delimiters.element


@settings(max_examples=100, deadline=None)
@given(interchanges())
def test_a_valid_interchange_is_acknowledged_as_accepted(interchange: x12.Interchange) -> None:
    acks = x12.acknowledge(x12.read_interchange(x12.encode(interchange)))
    expected = [
        (g.functional_id, g.control_number, len(g.sets))
        for g in interchange.groups
        if g.functional_id != "FA"
    ]
    assert [(a.group_functional_id, a.group_control_number, a.received) for a in acks] == expected
    for ack in acks:
        assert ack.status in (x12.AckStatus.ACCEPTED, x12.AckStatus.ACCEPTED_WITH_ERRORS)
        assert ack.accepted == ack.received == ack.included


def test_zero_is_written_without_a_sign() -> None:
    order = x12.PurchaseOrder("P1", dt.date(2026, 1, 2), (x12.Item("1", Decimal("-0.00"), "EA"),))
    data = x12.encode(
        x12.Interchange(
            "ZZ",
            "A",
            "ZZ",
            "B",
            dt.date(2026, 1, 2),
            dt.time(1, 2),
            1,
            groups=(
                x12.FunctionalGroup(
                    "PO",
                    "A",
                    "B",
                    dt.date(2026, 1, 2),
                    dt.time(1, 2),
                    1,
                    "004010",
                    (x12.TransactionSet("0001", order),),
                ),
            ),
        )
    )
    assert b"PO1*1*0.00*EA~" in data
