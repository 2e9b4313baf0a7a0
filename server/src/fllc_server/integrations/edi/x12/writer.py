"""Writing an interchange: the fixed-width ISA, GS/ST envelopes, counts and paired control numbers."""

from __future__ import annotations

from fllc_server.integrations.edi.x12.common import Row
from fllc_server.integrations.edi.x12.elements import fmt_date, fmt_time
from fllc_server.integrations.edi.x12.envelope import FunctionalGroup, Interchange, TransactionSet, Version
from fllc_server.integrations.edi.x12.errors import EncodeError
from fllc_server.integrations.edi.x12.registry import codec_for
from fllc_server.integrations.edi.x12.syntax import ENCODING, ISA_LENGTH, Delimiters, join_segment

MAX_CONTROL_NUMBER = 999_999_999


def _fixed(value: str, width: int, element: int) -> str:
    if len(value) > width:
        raise EncodeError(f"{value!r} is longer than {width} characters", segment="ISA", element=element)
    return value.ljust(width)


def _control_number(value: int, segment: str, element: int) -> int:
    if not 1 <= value <= MAX_CONTROL_NUMBER:
        raise EncodeError(
            f"control number {value} is not 1..{MAX_CONTROL_NUMBER}", segment=segment, element=element
        )
    return value


def isa(interchange: Interchange, delimiters: Delimiters) -> str:
    number = _control_number(interchange.control_number, "ISA", 13)
    repetition = delimiters.repetition if interchange.version >= Version.V5010 else "U"
    elements = (
        "00",
        " " * 10,
        "00",
        " " * 10,
        _fixed(interchange.sender_qualifier, 2, 5),
        _fixed(interchange.sender_id, 15, 6),
        _fixed(interchange.receiver_qualifier, 2, 7),
        _fixed(interchange.receiver_id, 15, 8),
        interchange.date.strftime("%y%m%d"),
        interchange.time.strftime("%H%M"),
        repetition,
        interchange.version.value,
        f"{number:09d}",
        "1" if interchange.ack_requested else "0",
        interchange.usage.value,
        delimiters.component,
    )
    text = delimiters.element.join(("ISA", *elements))
    for index, value in enumerate(elements[4:8], start=5):
        clash = delimiters.reserved.intersection(value)
        if clash:
            raise EncodeError(f"{value!r} holds the delimiter {min(clash)!r}", segment="ISA", element=index)
    assert len(text) == ISA_LENGTH - 1
    return text


def _set_rows(ts: TransactionSet, group: FunctionalGroup) -> list[Row]:
    codec = codec_for(ts.document)
    if codec.functional_id != group.functional_id:
        raise EncodeError(
            f"set {codec.set_id} belongs in a {codec.functional_id} group, not {group.functional_id}",
            segment="GS",
            element=1,
        )
    if not (4 <= len(ts.control_number) <= 9):
        raise EncodeError(f"ST02 {ts.control_number!r} is not 4..9 characters", segment="ST", element=2)
    body = codec.write(ts.document)
    return [("ST", (codec.set_id, ts.control_number)), *body, ("SE", (str(len(body) + 2), ts.control_number))]


def _group_rows(group: FunctionalGroup) -> list[Row]:
    number = str(_control_number(group.control_number, "GS", 6))
    seen: set[str] = set()
    rows: list[Row] = [
        (
            "GS",
            (
                group.functional_id,
                group.sender_id,
                group.receiver_id,
                fmt_date(group.date),
                fmt_time(group.time),
                number,
                "X",
                group.version,
            ),
        )
    ]
    for ts in group.sets:
        if ts.control_number in seen:
            raise EncodeError(
                f"ST02 {ts.control_number} used twice in group {number}", segment="ST", element=2
            )
        seen.add(ts.control_number)
        rows.extend(_set_rows(ts, group))
    rows.append(("GE", (str(len(group.sets)), number)))
    return rows


def encode(interchange: Interchange, delimiters: Delimiters | None = None, *, line_ending: str = "") -> bytes:
    """The interchange as bytes; `line_ending` (e.g. "\\n") follows each segment terminator."""
    delimiters = delimiters or Delimiters()
    delimiters.validate()
    end = delimiters.segment + line_ending
    parts = [isa(interchange, delimiters), end]
    for ack in interchange.acks:
        number = _control_number(ack.control_number, "TA1", 1)
        ta1 = (
            f"{number:09d}",
            ack.date.strftime("%y%m%d"),
            ack.time.strftime("%H%M"),
            ack.status.value,
            ack.note.value,
        )
        parts.extend((join_segment("TA1", ta1, delimiters), end))
    numbers: set[int] = set()
    for group in interchange.groups:
        if group.control_number in numbers:
            raise EncodeError(f"GS06 {group.control_number} used twice", segment="GS", element=6)
        numbers.add(group.control_number)
        for tag, elements in _group_rows(group):
            parts.extend((join_segment(tag, elements, delimiters), end))
    iea = ("IEA", (str(len(interchange.groups)), f"{interchange.control_number:09d}"))
    parts.extend((join_segment(*iea, delimiters), end))
    try:
        return "".join(parts).encode(ENCODING)
    except UnicodeEncodeError as exc:
        raise EncodeError(f"character {exc.object[exc.start]!r} cannot be written") from exc
