"""Property: the 856's packs read straight off the rows (one pass, contents cached by their text)
give exactly what reading every pack segment by segment gives: the same ship notice, or the same
errors at the same segment, position and element, on valid notices and on notices with one fault
or one tolerated segment put in (where the straight reading must step aside)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.x12.sets import asn856
from hypothesis import given, settings
from hypothesis import strategies as st

from .test_roundtrip import pack_items, packs, ship_notices, ssccs

# Values that are wrong, or right but unusual, in some element of HL, MAN, LIN or SN1.
ODD_VALUES = [
    "",
    "0",
    "007",
    "1",
    "2",
    "X",
    "I",
    "P",
    "O",
    "GM",
    "BP",
    "VP",
    "1.5",
    "-3",
    "EA",
    "E",
    "A" * 49,
]
TOLERATED_SEGMENTS = ["MEA*PD*G*10*LB", "PKG*F*68***CARTON", "TD1*CTN25*1", "PO4*1*12*EA", "PID*F****Tape"]


def _outcome(data: bytes) -> list[tuple[object, ...]]:
    outcome = x12.read_interchange(data)
    return [
        (
            s.document,
            [
                (type(e).__name__, getattr(e, "code", None), e.segment, e.position, e.element)
                for e in s.errors
            ],
            [(n.segment, n.position, n.element) for n in s.notes],
        )
        for group in outcome.groups
        for s in group.sets
    ]


def _checked_only(data: bytes) -> list[tuple[object, ...]]:
    with mock.patch.object(asn856, "_read_packs_directly", return_value=False):
        return _outcome(data)


def _interchange(notice: x12.ShipNotice) -> bytes:
    day, at = dt.date(2026, 12, 1), dt.time(9, 30)
    group = x12.FunctionalGroup(
        "SH", "ACMESUPPLY", "FLLCWAREHOUSE", day, at, 905, "004010", (x12.TransactionSet("0001", notice),)
    )
    return x12.encode(
        x12.Interchange("01", "ACMESUPPLY", "ZZ", "FLLCWAREHOUSE", day, at, 905, groups=(group,))
    )


# Notices whose cartons share contents (as real ones do), so the cache is hit as well as missed.
@st.composite
def repetitive_notices(draw: st.DrawFn) -> x12.ShipNotice:
    notice = draw(ship_notices)
    pool = draw(st.lists(pack_items, min_size=1, max_size=3))
    shared = tuple(
        x12.ShipmentOrder(
            order.po_number,
            tuple(
                x12.Pack(draw(ssccs), tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))))
                for _ in range(draw(st.integers(1, 4)))
            )
            + order.packs,
        )
        for order in notice.orders
    )
    orders = shared or (x12.ShipmentOrder("PO-1", (draw(packs),)),)
    return x12.ShipNotice(notice.shipment_id, notice.date, notice.time, orders)


@settings(max_examples=150, deadline=None)
@given(repetitive_notices())
def test_valid_notices_read_the_same_both_ways(notice: x12.ShipNotice) -> None:
    data = _interchange(notice)
    assert _outcome(data) == _checked_only(data)
    assert x12.decode(data).documents == [notice]


@settings(max_examples=400, deadline=None)
@given(repetitive_notices(), st.data())
def test_a_fault_or_an_extra_segment_reads_the_same_both_ways(
    notice: x12.ShipNotice, data: st.DataObject
) -> None:
    segments = _interchange(notice).decode("latin-1").split("~")
    body = [i for i, segment in enumerate(segments) if segment.split("*")[0] in ("HL", "MAN", "LIN", "SN1")]
    if not body:
        return
    at = data.draw(st.sampled_from(body))
    how = data.draw(st.sampled_from(["element", "insert", "drop", "repeat"]))
    if how == "element":
        elements = segments[at].split("*")
        n = data.draw(st.integers(1, len(elements)))
        value = data.draw(st.sampled_from(ODD_VALUES))
        elements[n:n + 1] = [value]  # fmt: skip
        segments[at] = "*".join(elements)
    elif how == "insert":
        segments.insert(at + data.draw(st.integers(0, 1)), data.draw(st.sampled_from(TOLERATED_SEGMENTS)))
    elif how == "drop":
        del segments[at]
    else:
        segments.insert(at, segments[at])
    mutated = "~".join(segments).encode("latin-1")
    assert _outcome(mutated) == _checked_only(mutated)
