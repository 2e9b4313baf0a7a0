"""Malformed interchanges: each fault is refused with the typed error naming its segment and
element, the 997 carries the matching AK3/AK4/AK5/AK9 codes, and a fuzzer over the golden files
(cuts, wrong counts, wrong delimiters, duplicate control numbers, unknown segments, random bytes)
never gets anything out of the codec but an X12Error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from fllc_server.integrations.edi import x12
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

GOLDEN = sorted((Path(__file__).parent / "data").glob("golden_*.edi"))
T = TypeVar("T")
PO = (Path(__file__).parent / "data" / "golden_850_004010.edi").read_text()


def replace(text: str, old: str, new: str) -> bytes:
    assert old in text
    return text.replace(old, new, 1).encode()


def only_ack(data: bytes) -> x12.FunctionalAck:
    [ack] = x12.acknowledge(x12.read_interchange(data))
    return ack


def with_second_set(text: str, second_number: str = "0002") -> str:
    start, end = text.index("ST*850"), text.index("GE*")
    second = text[start:end].replace("*0001~", f"*{second_number}~")
    return text[:end].replace("GE*", "") + second + text[end:].replace("GE*1*", "GE*2*")


def test_se_count_wrong() -> None:
    data = replace(PO, "SE*13*0001", "SE*12*0001")
    with pytest.raises(x12.TransactionSetError) as caught:
        x12.decode(data)
    assert (caught.value.code, caught.value.segment, caught.value.element) == (
        x12.SetCode.SEGMENT_COUNT_MISMATCH,
        "SE",
        1,
    )
    ack = only_ack(data)
    assert ack.sets[0].codes == (x12.SetCode.SEGMENT_COUNT_MISMATCH,)
    assert (ack.status, ack.accepted) == (x12.AckStatus.REJECTED, 0)


def test_se_control_number_not_st_control_number() -> None:
    ack = only_ack(replace(PO, "SE*13*0001", "SE*13*0002"))
    assert ack.sets[0].codes == (x12.SetCode.CONTROL_NUMBER_MISMATCH,)


def test_missing_se() -> None:
    ack = only_ack(replace(PO, "SE*13*0001~\n", ""))
    assert ack.sets[0].codes == (x12.SetCode.TRAILER_MISSING,)


def test_ge_count_and_control_number() -> None:
    ack = only_ack(replace(PO, "GE*1*905", "GE*2*906"))
    assert ack.codes == (x12.GroupCode.SET_COUNT_MISMATCH, x12.GroupCode.CONTROL_NUMBER_MISMATCH)
    assert (ack.status, ack.included, ack.received, ack.accepted) == (x12.AckStatus.REJECTED, 2, 1, 0)


def test_missing_ge() -> None:
    ack = only_ack(replace(PO, "GE*1*905~\n", ""))
    assert ack.codes == (x12.GroupCode.TRAILER_MISSING,)


@pytest.mark.parametrize(
    ("old", "new", "element"), [("IEA*1*", "IEA*2*", 1), ("IEA*1*000000905", "IEA*1*000000906", 2)]
)
def test_iea_count_and_control_number(old: str, new: str, element: int) -> None:
    with pytest.raises(x12.InterchangeError) as caught:
        x12.read_interchange(replace(PO, old, new))
    assert (caught.value.segment, caught.value.element) == ("IEA", element)


def test_duplicate_st_control_number_in_a_group() -> None:
    ack = only_ack(with_second_set(PO, "0001").encode())
    assert [s.codes for s in ack.sets] == [(), (x12.SetCode.CONTROL_NUMBER_NOT_UNIQUE,)]
    assert (ack.status, ack.received, ack.accepted) == (x12.AckStatus.PARTIALLY_ACCEPTED, 2, 1)


def test_duplicate_gs_control_number_in_an_interchange() -> None:
    start, end = PO.index("GS*"), PO.index("IEA*")
    text = PO[:end] + PO[start:end] + PO[end:].replace("IEA*1*", "IEA*2*")
    outcome = x12.read_interchange(text.encode())
    first, second = x12.acknowledge(outcome)
    assert (first.status, first.codes) == (x12.AckStatus.ACCEPTED, ())
    assert (second.status, second.codes) == (
        x12.AckStatus.REJECTED,
        (x12.GroupCode.CONTROL_NUMBER_NOT_UNIQUE,),
    )


def test_unknown_segment_inside_a_set_is_named_with_its_position() -> None:
    data = replace(PO, "CUR*BY*USD~", "CUR*BY*USD~\nZZZ*1~").replace(b"SE*13", b"SE*14")
    with pytest.raises(x12.SegmentError) as caught:
        x12.decode(data)
    assert (caught.value.code, caught.value.segment, caught.value.position) == (
        x12.SegmentCode.NOT_IN_SET,
        "ZZZ",
        4,
    )
    note = only_ack(data).sets[0].segments[0]
    assert (note.segment_id, note.position, note.code) == ("ZZZ", 4, x12.SegmentCode.NOT_IN_SET)


def test_unrecognized_segment_id() -> None:
    ack = only_ack(replace(PO, "CUR*BY*USD~", "CUR*BY*USD~\nbad*1~").replace(b"SE*13", b"SE*14"))
    assert ack.sets[0].segments[0].code is x12.SegmentCode.UNRECOGNIZED
    assert ack.sets[0].codes == (x12.SetCode.SEGMENTS_IN_ERROR,)


def test_segment_the_set_allows_but_we_do_not_map_is_read_past() -> None:
    data = replace(PO, "CUR*BY*USD~", "CUR*BY*USD~\nPER*BD*Tim Brown*EM*tim@example.com~").replace(
        b"SE*13", b"SE*14"
    )
    assert only_ack(data).status is x12.AckStatus.ACCEPTED
    assert x12.decode(data).documents == x12.decode(PO.encode()).documents


def test_hash_total_that_disagrees_is_accepted_with_errors() -> None:
    ack = only_ack(replace(PO, "CTT*2*34", "CTT*2*35"))
    assert (ack.status, ack.sets[0].status) == (
        x12.AckStatus.ACCEPTED_WITH_ERRORS,
        x12.AckStatus.ACCEPTED_WITH_ERRORS,
    )
    [note] = ack.sets[0].segments
    assert (note.segment_id, note.elements[0].position, note.elements[0].code) == (
        "CTT",
        2,
        x12.ElementCode.INVALID_CODE,
    )


def test_line_count_that_disagrees_is_rejected() -> None:
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(replace(PO, "CTT*2*34", "CTT*3*34"))
    assert (caught.value.segment, caught.value.element) == ("CTT", 1)


def test_mandatory_element_missing_and_bad_date() -> None:
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(replace(PO, "BEG*00*SA*PO-000123**20261130", "BEG*00*SA***20261130"))
    assert (caught.value.element_code, caught.value.segment, caught.value.element) == (
        x12.ElementCode.MANDATORY_MISSING,
        "BEG",
        3,
    )
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(replace(PO, "DTM*002*20261208", "DTM*002*20261308"))
    assert (caught.value.element_code, caught.value.element) == (x12.ElementCode.INVALID_DATE, 2)


def test_bad_sscc_check_digit() -> None:
    text = (Path(__file__).parent / "data" / "golden_856_004010.edi").read_text()
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(replace(text, "00006141411234567890", "00006141411234567891"))
    assert (caught.value.segment, caught.value.element, caught.value.position) == ("MAN", 2, 15)


def test_hl_parent_must_be_the_open_level() -> None:
    text = (Path(__file__).parent / "data" / "golden_856_004010.edi").read_text()
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(replace(text, "HL*6*5*I", "HL*6*3*I"))
    assert (caught.value.segment, caught.value.element) == ("HL", 2)


def test_unsupported_set_in_a_group() -> None:
    data = replace(PO, "ST*850*0001", "ST*832*0001")
    ack = only_ack(data)
    assert (ack.sets[0].set_id, ack.sets[0].codes) == ("832", (x12.SetCode.NOT_SUPPORTED,))


@pytest.mark.parametrize(
    ("mangle", "element"),
    [
        (lambda t: t.replace("*", "|", 3), None),  # element separator changes inside the ISA
        (lambda t: t[:105] + "*" + t[106:], None),  # segment terminator = element separator
        (lambda t: t.replace("ZZ*FLLCWAREHOUSE  ", "ZZ*FLLCWAREHOUSE", 1), None),  # ISA06 not padded to 15
        (lambda t: t.replace("*U*00401", "*^*00401", 1), 11),  # 00401 with a repetition separator
        (lambda t: t.replace("*261130*", "*261331*", 1), 9),
        (lambda t: t[:50], None),  # cut inside the ISA
    ],
)
def test_envelope_faults_are_interchange_errors(mangle, element: int | None) -> None:
    with pytest.raises(x12.InterchangeError) as caught:
        x12.read_interchange(mangle(PO).encode())
    assert caught.value.segment == "ISA"
    if element is not None:
        assert caught.value.element == element


def test_a_cut_file_is_an_interchange_error() -> None:
    with pytest.raises(x12.InterchangeError, match="cut"):
        x12.read_interchange(PO[: PO.index("PO1*2") + 7].encode())
    with pytest.raises(x12.InterchangeError, match="IEA missing"):
        x12.read_interchange(PO[: PO.index("IEA")].encode())


def test_encode_refuses_a_value_holding_a_delimiter() -> None:
    order = x12.PurchaseOrder("PO*1", dt.date(2026, 1, 1), (x12.Item("1", 1, "EA"),))  # type: ignore[arg-type]
    group = x12.FunctionalGroup(
        "PO", "A", "B", dt.date(2026, 1, 1), dt.time(1), 1, "004010", (x12.TransactionSet("0001", order),)
    )
    with pytest.raises(x12.EncodeError) as caught:
        x12.encode(x12.Interchange("ZZ", "A", "ZZ", "B", dt.date(2026, 1, 1), dt.time(1), 1, groups=(group,)))
    assert (caught.value.segment, caught.value.element) == ("BEG", 3)


# ------------------------------------------------------------------------------------ the fuzzer


def _segments(data: bytes) -> list[bytes]:
    return data.split(b"~")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(GOLDEN)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return data


def _cut(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _flip(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def _count(draw: st.DrawFn, data: bytes) -> bytes:
    parts = _segments(data)
    trailers = [i for i, p in enumerate(parts) if p.strip().startswith((b"SE*", b"GE*", b"IEA*", b"CTT*"))]
    if not trailers:
        return data
    i = draw(st.sampled_from(trailers))
    fields = parts[i].split(b"*")
    fields[1] = str(draw(st.integers(-1, 99))).encode()
    parts[i] = b"*".join(fields)
    return b"~".join(parts)


def _delimiters(draw: st.DrawFn, data: bytes) -> bytes:
    old = draw(st.sampled_from([b"*", b"~", b">", b"\n"]))
    new = draw(st.sampled_from([b"*", b"~", b">", b"|", b"^", b"A", b" ", b""]))
    return data.replace(old, new, draw(st.integers(1, 50)))


def _duplicate(draw: st.DrawFn, data: bytes) -> bytes:
    parts = _segments(data)
    i = draw(st.integers(0, len(parts) - 1))
    return b"~".join([*parts[: i + 1], parts[i], *parts[i + 1 :]])


def _control_numbers(draw: st.DrawFn, data: bytes) -> bytes:
    return data.replace(
        draw(st.sampled_from([b"*0001~", b"*905~", b"000000905"])),
        draw(st.sampled_from([b"*0002~", b"*906~", b"000000906", b"*~"])),
        1,
    )


def _unknown(draw: st.DrawFn, data: bytes) -> bytes:
    parts = _segments(data)
    i = draw(st.integers(0, len(parts) - 1))
    tag = draw(
        st.sampled_from(
            [
                b"\nZZZ*1",
                b"\nXX",
                b"\nPER*BD*X",
                b"\nST*850*0009",
                b"\nGS*PO*A*B*2026*1*1*X*004010",
                b"\nIEA*1*1",
                b"\nHL*9*9*Q",
            ]
        )
    )
    return b"~".join([*parts[:i], tag, *parts[i:]])


def _drop(draw: st.DrawFn, data: bytes) -> bytes:
    parts = _segments(data)
    i = draw(st.integers(0, len(parts) - 1))
    return b"~".join(parts[:i] + parts[i + 1 :])


def typed_failure(call: Callable[[bytes], T], data: bytes) -> T | x12.X12Error:
    """The call's result, or the X12Error it raised; any other exception fails the test."""
    try:
        return call(data)
    except x12.X12Error as exc:
        return exc


MUTATIONS = [_cut, _flip, _count, _delimiters, _duplicate, _control_numbers, _unknown, _drop]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzzed_files_raise_only_typed_errors_and_get_a_writable_997(data: bytes) -> None:
    read = typed_failure(x12.read_interchange, data)
    if isinstance(read, x12.X12Error):
        event(f"interchange refused: {type(read).__name__}")
        assert read.describe()
        return
    outcome = read
    decoded = typed_failure(x12.decode, data)
    if isinstance(decoded, x12.X12Error):
        assert decoded.segment is not None or decoded.position is not None, decoded
    acks = x12.acknowledge(outcome)
    event("997: " + ",".join(sorted(ack.status.value for ack in acks)))
    if not acks:
        return
    group = x12.FunctionalGroup(
        "FA",
        "FLLC",
        "PARTNER",
        dt.date(2026, 1, 1),
        dt.time(1),
        7,
        "004010",
        tuple(x12.TransactionSet(f"{n:04d}", ack) for n, ack in enumerate(acks, start=1)),
    )
    answer = x12.Interchange(
        "ZZ", "FLLC", "ZZ", "PARTNER", dt.date(2026, 1, 1), dt.time(1), 7, groups=(group,)
    )
    assert x12.decode(x12.encode(answer)) == answer
