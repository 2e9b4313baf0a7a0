"""997 Functional Acknowledgment: AK1 (the group), per set AK2 / AK3 / AK4 / AK5, then AK9."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeVar

from fllc_server.integrations.edi.x12.common import Row
from fllc_server.integrations.edi.x12.elements import SegmentView, SetCursor, opt
from fllc_server.integrations.edi.x12.errors import ElementCode, GroupCode, SegmentCode, SetCode

# The segments this module reads; with TOLERATED, every segment the set may hold.
MAPPED = frozenset(["AK1", "AK2", "AK3", "AK4", "AK5", "AK9"])
TOLERATED: frozenset[str] = frozenset()
MAX_CODES = 5
C = TypeVar("C", SetCode, GroupCode)


class AckStatus(StrEnum):
    """AK501 (element 717) and AK901 (element 715)."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"  # AK901 only: at least one set was rejected
    REJECTED = "R"


@dataclass(frozen=True)
class ElementNote:
    position: int
    code: ElementCode
    reference: int | None = None
    bad_value: str | None = None


@dataclass(frozen=True)
class SegmentNote:
    segment_id: str
    position: int
    code: SegmentCode | None = None
    loop_id: str | None = None
    elements: tuple[ElementNote, ...] = ()


@dataclass(frozen=True)
class SetAck:
    set_id: str
    control_number: str
    status: AckStatus
    codes: tuple[SetCode, ...] = ()
    segments: tuple[SegmentNote, ...] = ()


@dataclass(frozen=True)
class FunctionalAck:
    set_id: ClassVar[str] = "997"
    functional_id: ClassVar[str] = "FA"

    group_functional_id: str
    group_control_number: int
    status: AckStatus
    included: int
    received: int
    accepted: int
    sets: tuple[SetAck, ...] = ()
    codes: tuple[GroupCode, ...] = ()
    group_version: str | None = None

    @property
    def rejected(self) -> bool:
        return self.status is AckStatus.REJECTED


def _write_segment_note(note: SegmentNote) -> list[Row]:
    code = "" if note.code is None else note.code.value
    rows: list[Row] = [("AK3", (note.segment_id, str(note.position), opt(note.loop_id), code))]
    for element in note.elements:
        reference = "" if element.reference is None else str(element.reference)
        rows.append(("AK4", (str(element.position), reference, element.code.value, opt(element.bad_value))))
    return rows


def write(doc: FunctionalAck) -> list[Row]:
    rows: list[Row] = [
        ("AK1", (doc.group_functional_id, str(doc.group_control_number), opt(doc.group_version)))
    ]
    for ack in doc.sets:
        rows.append(("AK2", (ack.set_id, ack.control_number)))
        for note in ack.segments:
            rows.extend(_write_segment_note(note))
        rows.append(("AK5", (ack.status.value, *(code.value for code in ack.codes))))
    counts = (str(doc.included), str(doc.received), str(doc.accepted))
    rows.append(("AK9", (doc.status.value, *counts, *(code.value for code in doc.codes))))
    return rows


def _codes(view: SegmentView, first: int, kind: type[C]) -> tuple[C, ...]:
    allowed = {code.value for code in kind}
    found = []
    for n in range(first, first + MAX_CODES):
        if view.text(n, max_length=3) is not None:
            found.append(kind(view.code(n, allowed)))
    if view.count >= first + MAX_CODES:
        raise view.fail("at most five error codes", first + MAX_CODES, ElementCode.TOO_MANY_ELEMENTS)
    return tuple(found)


def _read_segment_note(cursor: SetCursor) -> SegmentNote:
    ak3 = cursor.take("AK3")
    elements = []
    for ak4 in cursor.repeated("AK4"):
        reference = ak4.text(2, max_length=4)
        elements.append(
            ElementNote(
                position=ak4.integer(1, max_length=2),
                code=ElementCode(ak4.code(3, {c.value for c in ElementCode})),
                reference=None if reference is None else ak4.integer(2, max_length=4),
                bad_value=ak4.text(4, max_length=99),
            )
        )
    code = ak3.text(4, max_length=3)
    return SegmentNote(
        segment_id=ak3.required(1, max_length=3, min_length=2),
        position=ak3.integer(2, max_length=6),
        code=None if code is None else SegmentCode(ak3.code(4, {c.value for c in SegmentCode})),
        loop_id=ak3.text(3, max_length=6),
        elements=tuple(elements),
    )


def _read_set_ack(cursor: SetCursor) -> SetAck:
    ak2 = cursor.take("AK2")
    notes = []
    while cursor.peek() == "AK3":
        notes.append(_read_segment_note(cursor))
    ak5 = cursor.take("AK5")
    return SetAck(
        set_id=ak2.required(1, max_length=3, min_length=3),
        control_number=ak2.required(2, max_length=9, min_length=4),
        status=AckStatus(ak5.code(1, {"A", "E", "R"})),
        codes=_codes(ak5, 2, SetCode),
        segments=tuple(notes),
    )


def read(cursor: SetCursor) -> FunctionalAck:
    ak1 = cursor.take("AK1")
    sets = []
    while cursor.peek() == "AK2":
        sets.append(_read_set_ack(cursor))
    ak9 = cursor.take("AK9")
    cursor.finish()
    return FunctionalAck(
        group_functional_id=ak1.required(1, max_length=2, min_length=2),
        group_control_number=ak1.integer(2),
        status=AckStatus(ak9.code(1, {s.value for s in AckStatus})),
        included=ak9.integer(2, max_length=6),
        received=ak9.integer(3, max_length=6),
        accepted=ak9.integer(4, max_length=6),
        sets=tuple(sets),
        codes=_codes(ak9, 5, GroupCode),
        group_version=ak1.text(3, max_length=12),
    )
